"""Relocation batches and alerts, end to end over signed HTTP against the server process,
with the Slack stand-in on 127.0.0.1: the seed scenario, Confirm/Undo, the modal,
concurrent assignments, Slack failing in every way, and a crash."""

from __future__ import annotations

import json
import signal
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from capacity import Capacity
from capacity.storage.store import Store
from tests.bot_server import BotServer, free_port
from tests.stand_in import StandIn
from tests.waiting import outbox, wait_delivered, wait_until

pytestmark = pytest.mark.slow

ADMIN = "U_ADMIN"
FAST_RETRIES = {
    "CAPACITY_ALERT_RETRY_MAX": "0.3",
    "CAPACITY_ALERT_LEASE": "1",
    "CAPACITY_ALERT_POLL": "0.1",
}
CITIES = [
    ("Oslo", "familier 5,5"),
    ("Bergen", "familier 6"),
    ("Trondheim", "familier 4,5,6"),
    ("Stavanger", "familier 5"),
    ("Bærum", "familier 4"),
    ("Kristiansand", "familier 5"),
    ("Tromsø", "familier 5"),
]


@pytest.fixture
def db(admin_db):
    return admin_db


def service_on(db) -> Capacity:
    return Capacity(Store(db))


def remaining_in_network(db) -> int:
    service = service_on(db)
    try:
        return service.overview("storbynettverket", 2020).totals["remaining"].value
    finally:
        service.store.close()


def tried_while_down(db) -> bool:
    """Both alerts queued and each tried at least once (Slack refused the connection)."""
    rows = outbox(db)
    return len(rows) == 2 and all(attempts >= 1 for _, _, attempts in rows)


def alerts_to_channel(slack: StandIn) -> list[dict]:
    return [m for m in slack.posted if m.get("channel") == "CALERTS"]


def confirm_button(reply) -> dict:
    body = reply.json()
    return next(
        e
        for b in body["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "relocation_confirm"
    )


def assign(
    bot, slack, batch: str, city: str, persons: int | str, *, user: str = ADMIN, url: str = "a"
):
    preview = bot.command(f'tildel "{batch}" {city} {persons}', command="/relocation", user_id=user)
    button = confirm_button(preview)
    return slack.answer_to(
        url,
        lambda: bot.action(
            button["action_id"], button["value"], response_url=slack.response_url(url), user_id=user
        ),
    )


def test_the_seed_scenario_in_slack(db):
    with StandIn() as slack, BotServer(db, slack.api_url, env=FAST_RETRIES) as bot:
        reply = bot.command(
            'ny "Moria 2020" 50 familier 5,4,6,5,5,6,4,5,5,5 år 2020',
            command="/relocation",
            user_id=ADMIN,
        )
        assert "«" not in reply.json()["text"] and "Moria 2020" in reply.json()["text"]
        assert "varslet" not in reply.text
        for i, (city, persons) in enumerate(CITIES):
            response = assign(bot, slack, "Moria 2020", city, persons, url=f"moria-{i}")
            assert response.body["text"].startswith("Tildelt"), response.body["text"]
        assert remaining_in_network(db) == 348
        assert "348 ledige av 398 rapportert (50 reservert)" in bot.command("").json()["text"]
        wait_delivered(db)  # anything queued with the changes has reached Slack
        assert alerts_to_channel(slack) == []  # it fits: no alert

        big = bot.command('ny "Stor gruppe" 400 år 2020', command="/relocation", user_id=ADMIN)
        assert "Koordineringskanalen er varslet" in big.text
        slack.wait_for("chat.postMessage", 1)
        again = bot.command('ny "Stor gruppe" 400 år 2020', command="/relocation", user_id=ADMIN)
        assert "«Stor gruppe» finnes allerede for 2020" in again.text
        wait_delivered(db)
        [alert] = alerts_to_channel(slack)
        assert "Stor gruppe" in alert["text"] and "400" in alert["text"] and "348" in alert["text"]
        assert "Trondheim" in alert["text"]  # where room is left
        blocks = json.dumps(alert["blocks"])
        assert "relocation_open" in blocks and "U_ADMIN" in blocks
        assert remaining_in_network(db) == 348


def test_confirm_twice_reserves_once_and_undo_releases(db):
    with StandIn() as slack, BotServer(db, slack.api_url, env=FAST_RETRIES) as bot:
        bot.command('ny "Moria 2020" 50 år 2020', command="/relocation", user_id=ADMIN)
        preview = bot.command(
            'tildel "Moria 2020" Trondheim 20', command="/relocation", user_id=ADMIN
        )
        assert "Ledig der etterpå: 95" in preview.json()["text"]
        button = confirm_button(preview)

        def click(n: int, headers: dict[str, str] | None = None):
            return bot.action(
                button["action_id"],
                button["value"],
                response_url=slack.response_url("c"),
                user_id=ADMIN,
                extra={"trigger_id": f"1.2.{n}"},
                headers=headers,
            )

        for n in range(2):  # a double click
            slack.answer_to("c", lambda n=n: click(n))
        # Slack retrying the second (the same body): its answer, and it is not run again
        retry = click(1, {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
        assert retry.status == 200
        service = service_on(db)
        assert service.capacity("Trondheim").reserved == 20
        responses = slack.responses("c")
        assert responses[0].body["text"].startswith("Tildelt")
        assert responses[-1].body["text"].startswith("Allerede tildelt")
        undo = next(
            e for b in responses[0].body["blocks"] if b["type"] == "actions" for e in b["elements"]
        )
        for n in range(2):  # clicked twice
            slack.answer_to(
                "u",
                lambda n=n: bot.action(
                    undo["action_id"],
                    undo["value"],
                    response_url=slack.response_url("u"),
                    user_id=ADMIN,
                    extra={"trigger_id": f"2.2.{n}"},
                ),
            )
        assert service.capacity("Trondheim").reserved == 0
        assert "Angret" in slack.responses("u")[0].body["text"]
        assert len(slack.responses("c")) == 2  # nothing posted for the retry
        service.store.close()


def test_an_assignment_that_does_not_fit_is_refused_with_the_numbers_and_alerts(db):
    with StandIn() as slack, BotServer(db, slack.api_url, env=FAST_RETRIES) as bot:
        bot.command('ny "Moria 2020" 50 år 2020', command="/relocation", user_id=ADMIN)
        reply = bot.command('tildel "Moria 2020" Bærum 31', command="/relocation", user_id=ADMIN)
        assert "Avvist: *31* personer får ikke plass i *Bærum (3024)*, som har *30*" in reply.text
        assert "Koordineringskanalen er varslet" in reply.text
        [alert] = slack.wait_for("chat.postMessage", 1)
        assert "Tildeling avvist" in alert.body["text"]
        assert service_on(db).capacity("Bærum").reserved == 0


def test_only_admins_register_batches(db):
    with StandIn() as slack, BotServer(db, slack.api_url, env=FAST_RETRIES) as bot:
        reply = bot.command('ny "Moria 2020" 50', command="/relocation", user_id="U_NOBODY")
        assert "ikke lov" in reply.text
        assert service_on(db).batches() == []


def test_the_lifecycle_in_bokmal_keywords(db):
    with StandIn() as slack, BotServer(db, slack.api_url, env=FAST_RETRIES) as bot:
        bot.command('ny "Moria 2020" 20 år 2020', command="/relocation", user_id=ADMIN)
        assign(bot, slack, "Moria 2020", "Trondheim", 20)
        assert "fordelt" in bot.command("liste", command="/relocation").text
        assert "Trondheim (5001): 20" in bot.command('vis "Moria 2020"', command="/relocation").text
        assert (
            "ankommet"
            in bot.command('ankommet "Moria 2020"', command="/relocation", user_id=ADMIN).text
        )
        assert (
            "bosatt"
            in bot.command('bosatt "Moria 2020"', command="/relocation", user_id=ADMIN).text
        )
        trondheim = service_on(db).capacity("Trondheim")
        assert (trondheim.value("settled"), trondheim.settled) == (86, 20)  # IMDi's stays
        refused = bot.command('avlys "Moria 2020"', command="/relocation", user_id=ADMIN).text
        assert "gruppen «Moria 2020» er bosatt og kan ikke bli avlyst" in refused
        assert (
            "ingen gruppe heter «Ukjent»" in bot.command('vis "Ukjent"', command="/relocation").text
        )


def test_the_modal_opens_and_validates_on_the_fields(db):
    with StandIn() as slack, BotServer(db, slack.api_url, env=FAST_RETRIES) as bot:
        assert bot.command("", command="/relocation", user_id=ADMIN).status == 200
        [opened] = slack.wait_for("views.open", 1)
        view = (
            json.loads(opened.body["view"])
            if isinstance(opened.body["view"], str)
            else opened.body["view"]
        )
        assert view["callback_id"] == "relocation_new"

        def submit(values: dict[str, str], user: str = ADMIN):
            return bot.submit(view, values, user_id=user, user_name="ada")

        bad = submit({"name": "Moria 2020", "persons": "50", "families": "5,x", "year": "2020"})
        assert bad.json()["response_action"] == "errors" and "families" in bad.json()["errors"]
        wrong_sum = submit(
            {"name": "Moria 2020", "persons": "50", "families": "5,4", "year": "2020"}
        )
        assert "families" in wrong_sum.json()["errors"]
        bad_scope = submit({"name": "Moria 2020", "persons": "50", "scope": "Atlantis"})
        assert "scope" in bad_scope.json()["errors"]
        assert service_on(db).batches() == []
        good = submit(
            {"name": "Moria 2020", "persons": "50", "year": "2020", "scope": "storbynettverket"}
        )
        assert good.status == 200 and not good.body
        [ephemeral] = slack.wait_for("chat.postEphemeral", 1)
        assert "Moria 2020" in ephemeral.body["text"]
        assert [b.name for b in service_on(db).batches()] == ["Moria 2020"]


def test_100_concurrent_assignments_for_trondheim_never_overbook(db):
    with StandIn() as slack, BotServer(db, slack.api_url, env=FAST_RETRIES) as bot:
        bot.command('ny "Mange" 300 år 2020', command="/relocation", user_id=ADMIN)
        previews = [
            bot.command('tildel "Mange" Trondheim 2', command="/relocation", user_id=ADMIN)
            for _ in range(100)
        ]
        buttons = [confirm_button(p) for p in previews]

        def click(i: int):
            b = buttons[i]
            return bot.action(
                b["action_id"], b["value"], response_url=slack.response_url(f"x{i}"), user_id=ADMIN
            ).status

        with ThreadPoolExecutor(max_workers=16) as pool:
            statuses = list(pool.map(click, range(100)))
        assert statuses == [200] * 100
        deadline = time.monotonic() + 30  # each click's answer follows it
        while sum(len(slack.responses(f"x{i}")) for i in range(100)) < 100:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        answers = [c.body["text"] for c in slack.calls_to("response") if "/x" in c.path]
        assert len(answers) == 100
        granted = [a for a in answers if a.startswith("Tildelt")]
        refused = [a for a in answers if a.startswith("Avvist")]
        assert len(granted) + len(refused) == 100
        assert len(granted) == 57  # 57 × 2 = 114 ≤ 115
        assert service_on(db).capacity("Trondheim").reserved == 114


def test_slack_refusing_then_failing_then_ratelimiting_then_recovering(db, tmp_path):
    port = free_port()
    api = f"http://127.0.0.1:{port}/api/"
    with BotServer(db, api, env=FAST_RETRIES) as bot:  # nothing listens there: refused
        bot.command('ny "A" 400 år 2020', command="/relocation", user_id=ADMIN)
        bot.command('ny "B" 500 år 2020', command="/relocation", user_id=ADMIN)
        wait_until(lambda: tried_while_down(db), "both alerts tried while Slack is down")
        with StandIn(port=port) as slack:
            slack.script.extend(
                [
                    ("status", 500, {}, {"ok": False, "error": "internal_error"}),
                    ("status", 429, {"Retry-After": "1"}, {"ok": False, "error": "ratelimited"}),
                    ("status", 200, {}, {"ok": False, "error": "not_in_channel"}),
                    ("post-then-drop",),  # posted, but the answer is lost: must not post again
                ]
            )
            wait_until(lambda: len(alerts_to_channel(slack)) >= 2, "both alerts", timeout=30)
            wait_delivered(db, timeout=30)  # the lost answer's alert too: checked, not re-posted
            texts = sorted(m["text"] for m in alerts_to_channel(slack))
            assert len(texts) == 2, texts  # each exactly once
            assert "Gruppen A (2020) har 400" in texts[0] and "Gruppen B (2020) har 500" in texts[1]
            assert not slack.script  # every failure was met, the lost answer included
            assert len(slack.calls_to("chat.postMessage")) >= 5
            assert slack.calls_to("conversations.history")  # checked before re-posting
    service = service_on(db)
    assert [a.status for a in service.alerts()] == ["sent", "sent"]


def test_pending_alerts_survive_a_crash_and_are_delivered_once(db):
    port = free_port()
    api = f"http://127.0.0.1:{port}/api/"
    bot = BotServer(db, api, env=FAST_RETRIES).start()
    try:
        bot.command('ny "A" 400 år 2020', command="/relocation", user_id=ADMIN)
        bot.command('ny "B" 500 år 2020', command="/relocation", user_id=ADMIN)
        wait_until(lambda: tried_while_down(db), "both alerts tried while Slack is down")
    finally:
        bot.stop(signal.SIGKILL)
    assert [a.status for a in service_on(db).alerts()] == ["pending", "pending"]
    with StandIn(port=port) as slack, BotServer(db, api, env=FAST_RETRIES):
        wait_until(lambda: len(alerts_to_channel(slack)) >= 2, "both alerts", timeout=30)
        wait_delivered(db, timeout=30)  # the leases of the killed process ran out, retried
        assert len(alerts_to_channel(slack)) == 2
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert [a.status for a in service_on(db).alerts()] == ["sent", "sent"]
