"""End to end over signed HTTP: three snapshots of 2023 imported with their dates (31
March and 30 June made from IMDi's download with settled scaled to a quarter and a half,
and IMDi's download of 25 September itself) by `capacity import`; then the bot, as a real
process, answers `/capacity tempo Trondheim` in Bokmål, Nynorsk and English (each user's
Slack locale), `/capacity tempo` with the network ordered by who is furthest behind, the
country a page at a time, posts the pace chart, and the weekly summary has the pace line.
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import time
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

import pytest
from click.testing import CliRunner

from bot.pace_blocks import PAGE_ACTION
from bot.terminal import command_body
from capacity import Actor, Capacity
from capacity.cli import cli
from capacity.storage.store import Store
from tests.bot_server import BotServer
from tests.conftest import FakeClock
from tests.snapshot_files import RAW, snapshot
from tests.stand_in import StandIn

pytestmark = pytest.mark.slow

USERS = {"U_NB": None, "U_NN": "nn-NO", "U_EN": "en-US"}
SUMMARY = {"CAPACITY_SUMMARY_AT": "mon 00:00", "CAPACITY_ALERT_POLL": "0.1"}


@pytest.fixture(scope="module")
def db(_seeded_template, tmp_path_factory):
    directory = tmp_path_factory.mktemp("pace")
    path = directory / "bot.db"
    shutil.copy(_seeded_template, path)
    runner = CliRunner()

    def capacity(*args: str) -> str:
        result = runner.invoke(cli, ["--db", str(path), *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    march = snapshot(directory, "2023-03-31", Fraction(1, 4))
    june = snapshot(directory, "2023-06-30", Fraction(1, 2))
    capacity("import", str(march))
    capacity("import", str(june))
    capacity("import", str(RAW), "--years", "2022-2023")  # 25 September: bundled already
    capacity("year", "2023")
    # a batch of the bot's own, settled in Trondheim on 15 June 2023
    cli_actor = Actor(id="cli:test", trusted=True)
    service = Capacity(Store(path), clock=FakeClock(datetime(2023, 6, 15, 10, tzinfo=UTC)))
    service.report_spare("Trondheim", 100, cli_actor, year=2023)
    service.create_batch("Ukraina juni", 20, cli_actor, year=2023)
    service.allocate("Ukraina juni", "Trondheim", 20, cli_actor)
    service.set_status("Ukraina juni", "arrived", cli_actor)
    service.set_status("Ukraina juni", "settled", cli_actor)
    service.store.close()
    return path


@pytest.fixture(scope="module")
def slack():
    with StandIn() as stand_in:
        stand_in.locales.update({user: locale for user, locale in USERS.items() if locale})
        yield stand_in


@pytest.fixture(scope="module")
def bot(db, slack):
    with BotServer(db, slack.api_url, language="nb", env=SUMMARY) as server:
        yield server


def ask(bot: BotServer, text: str, user: str = "U_NB", channel: str = "C1") -> dict[str, Any]:
    body = command_body(text, user_id=user, user_name=user.lower(), channel_id=channel,
                        response_url="http://127.0.0.1:9/r")  # fmt: skip
    reply = bot.post_signed(body)
    assert reply.status == 200, reply.body
    return reply.json()


def texts(message: dict[str, Any]) -> str:
    """Every text of a message's blocks, as a reader sees it."""
    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("text"), str):
                found.append(value["text"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(message.get("blocks", []))
    return "\n".join(found)


@pytest.mark.parametrize(
    "user,words",
    [
        ("U_NB", ["Tempo 2023: Trondheim (5001)",
                  "*476* av 730 bosatt (*65\u00a0%* av vedtaket) per 25.09.2023, da *73\u00a0%* "
                  "av året var gått (dag 268 av 365).",
                  "Den rette linja til vedtaket var på *536* ved utgangen av 25.09.2023: *60 bak*.",
                  "trengs *80 i måneden*", "40 i måneden (31.03.2023–30.06.2023), 83 i måneden "
                  "(30.06.2023–25.09.2023)", "mellom *603* og *741* bosatte",
                  "Bosatt via botens grupper i 2023: *20*"]),
        ("U_NN", ["Tempo 2023: Trondheim (5001)",
                  "*476* av 730 busett (*65\u00a0%* av vedtaket) per 25.09.2023, då *73\u00a0%* "
                  "av året var gått (dag 268 av 365).", "*536*", "*60 bak*",
                  "trengst *80 i månaden*", "*Framskriving, ikkje ein lovnad*"]),
        ("U_EN", ["Pace 2023: Trondheim (5001)",
                  "*476* of 730 settled (*65%* of the decision) as of 25.09.2023, when *73%* of "
                  "the year had passed (day 268 of 365).", "at *536* at the end of 25.09.2023: "
                  "*60 behind*.", "takes *80 a month*", "*A projection, not a promise*",
                  "between *603* and *741* settled", "Method: the line runs straight"]),
    ],
)  # fmt: skip
def test_tempo_trondheim_in_bokmal_nynorsk_and_english(bot, user, words):
    keyword = "pace" if user == "U_EN" else "tempo"
    shown = texts(ask(bot, f"{keyword} Trondheim", user=user))
    for expected in words:
        assert expected in shown, expected


def test_tempo_alone_is_the_network_ordered_by_who_is_furthest_behind(bot):
    message = ask(bot, "tempo")
    shown = texts(message)
    assert "Tempo 2023: KS storbynettverk" in shown
    assert "*3\u00a0423* av 6\u00a0000 bosatt" in shown and "*982 bak*" in shown
    table = re.search(r"Lengst bak, i personer\*\n```\n(.*?)```", shown, re.S)
    assert table is not None
    rows = table.group(1).strip().splitlines()[1:]
    assert [row.split()[0] for row in rows] == [
        "Oslo", "Tromsø", "Bergen", "Kristiansand", "Bærum", "Stavanger", "Trondheim"]  # fmt: skip
    assert rows[0].endswith("1\u00a0468 −338  57\u00a0%")  # its line, behind by, share


def test_the_country_a_page_at_a_time_with_its_buttons(bot, slack):
    first = ask(bot, "tempo norge", user="U_EN")
    assert "Page 1 of 34: 1–10 of 337 municipalities" in texts(first)
    [button] = first["blocks"][-1]["elements"]
    assert (button["action_id"], button["value"]) == (
        f"{PAGE_ACTION}:2", '{"s": "norge", "y": 2023, "p": 2}')  # fmt: skip
    call = slack.answer_to(
        "page2",
        lambda: bot.action(button["action_id"], button["value"],
                           response_url=slack.response_url("page2"), user_id="U_EN"),
    )  # fmt: skip
    assert "Page 2 of 34: 11–20 of 337 municipalities" in texts(call.body)
    assert call.body["replace_original"] is True


def test_an_unknown_county_is_refused_in_the_users_language(bot):
    assert "Ingen fylke heter «Atlantis» i 2023" in texts(ask(bot, "tempo fylke Atlantis"))
    vestland = texts(ask(bot, "tempo fylke Vestland"))
    assert "Tempo 2023: Vestland" in vestland and "Bergen" in vestland


def test_the_pace_chart_is_posted_after_the_answer(bot, slack, tmp_path_factory):
    reply = ask(bot, "Trondheim tempo graf", channel="C_PACE")
    assert reply["text"] == "Lager grafen for Trondheim (5001) …"
    slack.wait_for("files.completeUploadExternal", timeout=30)
    deadline = time.monotonic() + 30
    posted = []
    while not posted and time.monotonic() < deadline:
        with slack.lock:
            posted = [f for f in slack.files.values() if f.get("channel") == "C_PACE"]
        time.sleep(0.05)
    [chart] = posted
    assert chart["data"][:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", chart["data"][16:24]) == (1200, 700)
    assert chart["filename"] == "trondheim-5001-tempo-2023.png"
    assert chart["alt_txt"] == (
        "Linjediagram: Trondheim (5001): bosatt gjennom 2023. Vedtak 730; rett linje fra 0 den "
        "1. januar til 730 den 31. desember. Bosatt (IMDi): 31.03.2023: 119, linja på 180; "
        "30.06.2023: 238, linja på 362; 25.09.2023: 476, linja på 536. Framskriving til 31. "
        "desember: 603–741. Bosatt via botens grupper: 15.06.2023: 20."
    )
    out = tmp_path_factory.getbasetemp() / "trondheim-tempo-2023.png"
    out.write_bytes(chart["data"])  # to look at


def test_the_weekly_summary_has_the_networks_pace_line(bot, slack):
    deadline = time.monotonic() + 20
    posts: list[dict[str, Any]] = []
    while not posts and time.monotonic() < deadline:
        with slack.lock:
            posts = [p for p in slack.posted if p.get("channel") == "CALERTS"
                     and ":summary:" in json.dumps(p.get("metadata") or {})]  # fmt: skip
        time.sleep(0.05)
    [summary] = posts
    assert (
        "Tempo 2023 for KS storbynettverk per 25.09.2023: 3\u00a0423 av 6\u00a0000 bosatt "
        "(57\u00a0%), 982 bak; 7 av 7 kommuner bak linja." in texts(summary)
    )
