"""End to end: the bot's HTTP server as a real process, Slack's requests signed as Slack
signs them, and a stand-in for Slack's Web API and response_url on 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
from urllib.parse import urlencode

import pytest

from bot.terminal import command_body
from capacity import Actor, Capacity
from capacity.storage.store import Store
from tests.bot_server import BotServer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def db(_seeded_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("e2e") / "bot.db"
    shutil.copy(_seeded_template, path)
    service = Capacity(Store(path))
    service.grant("U_ADMIN", "admin", Actor(id="cli:test", trusted=True))
    service.grant("U_TRD", "editor", Actor(id="cli:test", trusted=True), "Trondheim")
    # More than a page of municipalities with spare capacity, for the national overview
    for number in [
        "1101",
        "1106",
        "1108",
        "1111",
        "1112",
        "1114",
        "1119",
        "1120",
        "1121",
        "1122",
        "1124",
        "1127",
        "1130",
        "1133",
        "1134",
        "1135",
        "1144",
        "1145",
    ]:
        service.report_spare(number, 5, Actor(id="cli:test", trusted=True), year=2020, source="e2e")
    service.store.close()
    return path


def spare(db, city: str) -> int | None:
    service = Capacity(Store(db))
    try:
        return service.capacity(city).spare
    finally:
        service.store.close()


def texts(reply) -> str:
    body = reply.json()
    return body["text"] + "\n" + json.dumps(body.get("blocks", []), ensure_ascii=False)


def test_capacity_for_a_municipality_with_figures_and_source(bot):
    reply = bot.command("Tromso")
    assert reply.status == 200
    body = reply.json()
    assert body["response_type"] == "ephemeral"
    assert body["text"].startswith("Tromsø (5401), 2020: 50 ledige plasser nå")
    blob = texts(reply)
    for expected in (
        "KS storbynettverk",
        "Vedtak: *82*",
        "Revidert anmodning: *54*",
        "Opprinnelig anmodning: *82*",
        "Bosatt: *45*",
        "IMDi",
    ):
        assert expected in blob


@pytest.mark.parametrize(
    "text", ["5001", "Trondheim", "trondheim kommune", "Tråante", "Trondheim 2020"]
)
def test_any_form_the_core_resolves(bot, text):
    assert bot.command(text).json()["text"].startswith("Trondheim (5001), 2020:")


def test_english_by_setting(bot_en):
    body = bot_en.command("Trondheim").json()
    assert body["text"].startswith("Trondheim (5001), 2020: 115 spare places now")
    assert "Decision: *155*" in json.dumps(body["blocks"])


def test_unknown_figures_are_shown_as_unknown(bot):
    blob = texts(bot.command("Utsira"))
    assert "ukjent" in blob


def test_no_figures_for_the_year_names_the_years_that_have(bot):
    assert "ingen tall for 2019. År med tall: 2020" in bot.command("Bergen 2019").json()["text"]


def test_unknown_name_offers_did_you_mean_buttons_that_answer(bot, slack):
    body = bot.command("Trondhjem", response_url=slack.response_url("dym")).json()
    actions = [b for b in body["blocks"] if b["type"] == "actions"][0]
    button = actions["elements"][0]
    assert button["text"]["text"] == "Trondheim (5001)"
    replies = []
    call = slack.answer_to(
        "dym",
        lambda: replies.append(
            bot.action(button["action_id"], button["value"], response_url=slack.response_url("dym"))
        ),
    )
    assert replies[0].status == 200
    assert call.body["replace_original"] is True
    assert call.body["text"].startswith("Trondheim (5001)")


def test_ambiguous_name_offers_the_candidates(bot):
    body = bot.command("Herøy").json()
    labels = [
        e["text"]["text"] for b in body["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert labels == ["Herøy (Møre og Romsdal) (1515)", "Herøy (Nordland) (1818)"]


def test_the_network_is_the_default_with_its_total(bot):
    for text in ("", "storbynettverket", "nettverket"):
        body = bot.command(text).json()
        assert "KS storbynettverk" in body["text"]
        blob = json.dumps(body["blocks"], ensure_ascii=False)
        assert "Trondheim" in blob and "Kristiansand" in blob


def test_the_country_is_paginated_with_buttons_never_cut_silently(bot, slack):
    body = bot.command("alle").json()
    blob = json.dumps(body["blocks"], ensure_ascii=False)
    assert "Side 1 av 2: 1–20 av 25 kommuner" in blob
    assert "4\u00a0838" in blob  # decisions, as Norwegians write numbers
    [next_button, whole_list] = [
        e for b in body["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert whole_list["text"]["text"] == "Hele lista som CSV-fil"  # never a command line
    call = slack.answer_to(
        "page",
        lambda: bot.action(
            next_button["action_id"], next_button["value"], response_url=slack.response_url("page")
        ),
    )
    assert "Side 2 av 2: 21–25 av 25" in json.dumps(call.body["blocks"], ensure_ascii=False)


@pytest.mark.parametrize(
    ("server", "word", "expected"),
    [
        ("bot", "hjelp", "viser ledig"),
        ("bot", "help", "viser ledig"),
        ("bot_en", "hjelp", "shows spare"),
    ],
)
def test_help_in_the_reply_language(request, server, word, expected):
    assert expected in request.getfixturevalue(server).command(word).json()["text"]


def test_share_posts_in_the_channel(bot):
    assert bot.command("Trondheim del").json()["response_type"] == "in_channel"
    assert bot.command("share Bergen").json()["response_type"] == "in_channel"


def test_a_report_needs_a_role_and_a_refusal_changes_nothing(bot, db):
    reply = bot.command("rapporter Trondheim 200 flere boliger", user_id="U_NOBODY")
    assert "ikke lov" in reply.json()["text"]
    assert spare(db, "Trondheim") == 115


def test_an_editor_reports_and_sees_before_and_after(bot, db):
    body = bot.command(
        "rapporter Trondheim 120 nye boliger", user_id="U_TRD", user_name="trude"
    ).json()
    assert "115 → *120*" in body["text"] and "<@U_TRD>" in body["text"]
    assert spare(db, "Trondheim") == 120
    service = Capacity(Store(db))
    change = service.history("Trondheim")[-1]
    assert (change.actor, change.actor_name, change.reason) == ("U_TRD", "trude", "nye boliger")
    service.store.close()
    refused = bot.command("report Bergen 10", user_id="U_TRD").json()["text"]
    assert "redaktør for Bergen" in refused


def test_a_bad_report_is_explained_and_changes_nothing(bot, db):
    before = spare(db, "Oslo")
    for text in (
        "rapporter Oslo",
        "rapporter Oslo -5",
        "report Oslo 100000000",
        "rapporter Atlantis 5",
    ):
        reply = bot.command(text, user_id="U_ADMIN")
        assert reply.status == 200
        assert reply.json()["text"]
    assert spare(db, "Oslo") == before


def test_an_admin_grants_a_role_in_slack(bot, db):
    body = bot.command("grant <@U_NEW|nils> editor Bergen", user_id="U_ADMIN").json()
    assert "<@U_NEW> har nå rollen redaktør for Bergen" in body["text"]
    assert "ikke lov" in bot.command("grant <@U_X|x> admin", user_id="U_NEW").json()["text"]
    assert "Bergen" in bot.command("rapporter Bergen 55", user_id="U_NEW").json()["text"]
    assert spare(db, "Bergen") == 55


def test_requests_without_a_valid_signature_are_refused_and_change_nothing(bot, db):
    body = command_body("rapporter Oslo 1", user_id="U_ADMIN")
    unsigned = bot.request(
        "/slack/events", body.encode(), {"content-type": "application/x-www-form-urlencoded"}
    )
    wrong = bot.post_signed(body, secret="not-the-secret")
    old = bot.post_signed(body, timestamp=int(time.time()) - 6 * 60)
    assert [unsigned.status, wrong.status, old.status] == [401, 401, 401]
    assert spare(db, "Oslo") != 1


@pytest.mark.parametrize(
    "body",
    [
        "payload=%7Bnot-json",
        "payload=%5B1%2C2%5D",
        "payload=null",
        "\x00\x01garbage",
        "a=b",
        urlencode({"payload": json.dumps({"type": "block_actions", "actions": "x"})}),
        urlencode(
            {
                "payload": json.dumps(
                    {
                        "type": "block_actions",
                        "actions": [{"action_id": "capacity_show", "value": "{]"}],
                    }
                )
            }
        ),
    ],
)
def test_malformed_bodies_get_a_4xx_never_a_500(bot, body):
    reply = bot.post_signed(body)
    assert reply.status < 500, reply.text
    assert bot.get("/healthz").status == 200


def test_an_oversized_body_is_refused_unread(bot):
    reply = bot.post_signed("text=" + "x" * 1_100_000)
    assert reply.status == 413
    assert bot.get("/healthz").status == 200


def test_other_paths_and_methods(bot):
    assert bot.get("/").status == 404
    assert bot.get("/slack/events").status == 405


def test_answers_follow_changes_made_in_slack_and_from_the_command_line(bot, db):
    before = bot.command("Stavanger").json()["text"]
    assert before.startswith("Stavanger (1103), 2020: 50 ledige plasser")
    bot.command("rapporter Stavanger 44 møte", user_id="U_ADMIN")
    assert bot.command("Stavanger").json()["text"].startswith("Stavanger (1103), 2020: 44 ledige")
    service = Capacity(Store(db))  # another process's change, as the CLI makes it
    service.report_spare("Stavanger", 41, Actor(id="cli:test", trusted=True), source="cli")
    service.store.close()
    assert bot.command("Stavanger").json()["text"].startswith("Stavanger (1103), 2020: 41 ledige")
    assert "KS storbynettverk" in bot.command("").json()["text"]


def test_a_database_locked_by_another_process_gets_a_clear_busy_answer(db, slack):
    holder = sqlite3.connect(db, isolation_level=None)
    with BotServer(db, slack.api_url, env={"CAPACITY_BUSY_TIMEOUT_MS": "300"}) as server:
        holder.execute("BEGIN IMMEDIATE")  # an import in another process, say
        try:
            reply = server.command("rapporter Oslo 12 møte", user_id="U_ADMIN")
            assert (
                "opptatt" in reply.json()["text"] and "ingenting ble endret" in reply.json()["text"]
            )
            assert server.command("Oslo").json()["text"].startswith("Oslo (0301)")  # reads go on
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert "→" in server.command("rapporter Oslo 12 møte", user_id="U_ADMIN").json()["text"]


@pytest.mark.parametrize(
    ("action_id", "value"),
    [
        ("relocation_confirm", '{"b": 1, "n": "5001", "p": 1e999, "k": "x"}'),
        ("relocation_confirm", '{"b": "x"}'),
        ("relocation_undo", '{"a": 99999999999999999999999}'),
        ("relocation_undo", "[]"),
        ("relocation_open", '{"b": 1e999}'),
        ("capacity_show", '{"n": "²", "y": "x"}'),
        ("capacity_page", '{"s": "norge", "p": -5}'),
    ],
)
def test_odd_button_values_are_answered_never_a_500(bot, slack, action_id, value):
    reply = bot.action(action_id, value, response_url=slack.response_url("odd"))
    assert reply.status == 200
    assert bot.get("/healthz").status == 200


@pytest.mark.parametrize(
    "text",
    ["norge ²", "rapporter Trondheim 2020", "hele landet", "Trondheim 2020 del", "²", "x" * 2500],
)
def test_odd_command_text_is_answered(bot, text):
    reply = bot.command(text, user_id="U_ADMIN")
    assert reply.status == 200 and reply.json()["text"]
