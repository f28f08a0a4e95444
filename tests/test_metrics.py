"""`GET /metrics` (`bot.metrics`, `bot.ops`), through the bot's real ASGI edge in process:
requests by kind and outcome, the time to each answer, Slack's Web API calls by method
and result, the outbox's backlog and the last backup read from the database when
scraped, the Homes kept published, the time plans take; and nothing a user typed, no
token, no figure."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import timedelta

import pytest

from bot.app import create_app, follow_user_locales, know_the_workspace, web_client
from bot.http import SlackAsgi
from bot.settings import load_settings
from bot.terminal import command_body
from capacity.domain.clock import iso
from tests.asgi import call, signed
from tests.bot_server import BotServer, free_port
from tests.conftest import ADMIN
from tests.prometheus import by_label, value
from tests.stand_in import StandIn
from tests.waiting import wait_until

SECRET = "metrics-signing-secret"
TOKEN = "xoxb-metrics-token"


@pytest.fixture
def slack():
    with StandIn() as stand_in:
        yield stand_in


@pytest.fixture
def app(on_disk, slack):
    settings = load_settings(
        slack_signing_secret=SECRET, slack_bot_token=TOKEN, slack_api_url=slack.api_url
    )
    return create_app(settings, on_disk)


@pytest.fixture
def edge(app):
    return SlackAsgi(app, SECRET)


def metrics(edge) -> str:
    answer = asyncio.run(call(edge, "/metrics"))
    assert answer.status == 200
    return answer.body.decode()


def click(action_id: str, value: str, response_url: str, **changes: object) -> str:
    return BotServer.action_body(action_id, value, response_url=response_url, extra=changes)


def test_requests_are_counted_by_kind_and_outcome_and_their_answers_timed(edge, slack):
    for text in ("Trondheim", "Trondheim", "rapporter Atlantis 5"):
        assert asyncio.run(signed(edge, SECRET, command_body(text))).status == 200
    wrong = click("capacity_show", '{"n": "5001"}', slack.response_url("x"), user="U1")
    assert asyncio.run(signed(edge, SECRET, wrong)).status == 400
    unsigned = asyncio.run(call(edge, "/slack/events", b"command=/capacity", {"a": "b"}))
    assert unsigned.status == 401
    event = BotServer.event_body({"type": "app_home_opened", "user": "U1", "tab": "messages"})
    assert asyncio.run(signed(edge, SECRET, event)).status == 200

    text = metrics(edge)
    assert by_label(text, "capacity_requests_total", "outcome", kind="command") == {
        "ok": 2.0,  # the first question and the refused report (a refusal is an answer)
        "kept": 1.0,
    }
    assert value(text, "capacity_requests_total", kind="action", outcome="malformed") == 1
    assert value(text, "capacity_requests_total", kind="unknown", outcome="unverified") == 1
    assert value(text, "capacity_requests_total", kind="event", outcome="ok") == 1
    assert value(text, "capacity_answer_seconds_count", kind="command") == 3
    assert value(text, "capacity_answer_seconds_bucket", kind="command", le="5.0") == 3


def test_metrics_hold_no_token_no_text_a_user_typed_and_no_figure(edge):
    body = command_body("Trondheim Zqxprivatewords", response_url="https://hooks.slack.com/T/1/SEC")
    asyncio.run(signed(edge, SECRET, body))
    asyncio.run(signed(edge, SECRET, command_body("Trondheim")))  # 115 spare places
    text = metrics(edge)
    for secret in (TOKEN, SECRET, "Zqx", "hooks.slack.com", "Trondheim"):
        assert secret not in text
    for figure in ("5001", "115"):  # as a number of its own, not inside a timing's digits
        assert not re.search(rf"(?<![\d.]){figure}(?![\d.])", text), figure


def test_web_api_calls_are_counted_by_method_and_result(app, edge, slack):
    follow_user_locales(app, load_settings(slack_bot_token=TOKEN, slack_api_url=slack.api_url))
    slack.faults["views.open"] = ("status", 429)

    async def run() -> None:
        await signed(edge, SECRET, command_body("Bergen", user_id="U_NEW"))  # users.info
        await signed(edge, SECRET, command_body("", command="/relocation", user_id="U_NEW"))
        await app.deps.background.drain(10)  # views.open, after the answer

    asyncio.run(run())
    text = metrics(edge)
    assert value(text, "capacity_slack_calls_total", method="users.info", result="ok") == 1
    assert value(text, "capacity_slack_calls_total", method="views.open", result="ratelimited") == 1
    slack.faults["views.open"] = ("status", 500)

    async def again() -> None:
        await signed(edge, SECRET, command_body("", command="/relocation", user_id="U_NEW"))
        await app.deps.background.drain(10)

    asyncio.run(again())
    calls = by_label(metrics(edge), "capacity_slack_calls_total", "result", method="views.open")
    assert calls == {"ratelimited": 1.0, "error": 1.0}


def test_the_outbox_backlog_is_read_from_the_database_when_scraped(edge, on_disk, clock):
    text = metrics(edge)
    assert by_label(text, "capacity_outbox_messages", "status") == {"pending": 0, "failed": 0}
    assert by_label(text, "capacity_outbox_oldest_age_seconds", "status") == {}
    on_disk.create_batch("Big", 400, ADMIN, year=2020)  # exceeds the network: an alert
    clock.advance(seconds=90)
    text = metrics(edge)
    assert by_label(text, "capacity_outbox_messages", "status") == {"pending": 1, "failed": 0}
    assert value(text, "capacity_outbox_oldest_age_seconds", status="pending") == 90
    [alert] = on_disk.alerts()
    on_disk.outbox.mark_failed(alert.id, "channel_not_found")
    text = metrics(edge)
    assert by_label(text, "capacity_outbox_messages", "status") == {"pending": 0, "failed": 1}
    assert value(text, "capacity_outbox_oldest_age_seconds", status="failed") == 90
    assert value(text, "capacity_database_readable") == 1


def test_the_last_backup_is_shown_once_a_backup_is_recorded(edge, clock, monkeypatch):
    assert value(metrics(edge), "capacity_backup_last_age_seconds") is None  # none recorded
    taken = iso(clock() - timedelta(hours=2))
    monkeypatch.setattr(
        "capacity.storage.monitoring.newest_backup", lambda db: (taken, False)
    )  # as the scheduled backups will record them
    text = metrics(edge)
    assert value(text, "capacity_backup_last_age_seconds") == 7200
    assert value(text, "capacity_backup_last_ok") == 0


def test_a_scrape_that_cannot_read_the_database_still_answers(edge, monkeypatch, caplog):
    def unreadable() -> None:
        raise OSError("disk I/O error")

    monkeypatch.setattr(edge.deps.service, "monitoring", unreadable)
    text = metrics(edge)
    assert value(text, "capacity_database_readable") == 0
    assert value(text, "capacity_outbox_messages", status="pending") is None
    assert value(text, "capacity_requests_total", kind="command", outcome="ok") is None
    metrics(edge)
    assert caplog.text.count("the database could not be read") == 1  # once, not per scrape


def test_the_homes_kept_published_are_counted(app, edge, slack):
    async def run() -> None:
        for user, event_id in (("U1", "Ev1"), ("U2", "Ev2"), ("U1", "Ev3")):
            opened = {"type": "app_home_opened", "user": user, "tab": "home"}
            await signed(edge, SECRET, BotServer.event_body(opened, event_id=event_id))
        assert app.deps.home is not None
        await app.deps.home.drain()

    asyncio.run(run())
    text = metrics(edge)
    assert value(text, "capacity_home_users") == 2
    assert value(text, "capacity_home_publishes_total") == 3
    assert value(text, "capacity_slack_calls_total", method="views.publish", result="ok") == 3


@pytest.mark.slow  # two solves (HiGHS imported at the first): about 0.2 s
def test_the_planners_solves_for_slack_are_timed_at_the_cores_solver(edge, on_disk):
    on_disk.create_batch("Moria", 20, ADMIN, year=2020, households=(5, 5, 4, 6))
    body = command_body('fordel "Moria"', command="/relocation", user_id=ADMIN.id)
    answer = asyncio.run(signed(edge, SECRET, body))
    assert answer.status == 200 and "Moria" in json.loads(answer.body)["text"]
    text = metrics(edge)
    assert value(text, "capacity_planner_solve_seconds_count", solve="plan") == 1
    assert 0 < (value(text, "capacity_planner_solve_seconds_sum", solve="plan") or 0) < 5
    assert value(text, "capacity_planner_solve_seconds_count", solve="choose") is None
    body = command_body('tildel "Moria" Trondheim 10', command="/relocation", user_id=ADMIN.id)
    answer = asyncio.run(signed(edge, SECRET, body))
    assert answer.status == 200 and "Trondheim" in json.loads(answer.body)["text"]
    text = metrics(edge)
    assert value(text, "capacity_planner_solve_seconds_count", solve="choose") == 1
    assert value(text, "capacity_planner_solve_seconds_count", solve="plan") == 1


def test_with_a_health_port_the_main_port_serves_neither_endpoint(app):
    edge = SlackAsgi(app, SECRET, health_port=free_port())
    for path in ("/healthz", "/metrics"):
        assert asyncio.run(call(edge, path)).status == 404


def test_refused_requests_are_all_counted_but_logged_at_the_1st_10th_and_100th(edge, caplog):
    async def run() -> None:
        for _ in range(120):  # anyone can send these: they must not fill the log
            await call(edge, "/slack/events", b"command=/capacity", {"x": "y"})

    with caplog.at_level("INFO", logger="bot.requests"):
        asyncio.run(run())
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.requests"]
    assert len(lines) == 3
    assert lines[0].startswith("unknown from - in -: -, unverified in ")
    assert lines[1].endswith("(10 so far)") and lines[2].endswith("(100 so far)")
    text = metrics(edge)
    assert value(text, "capacity_requests_total", kind="unknown", outcome="unverified") == 120


def test_the_web_api_clients_of_rounds_and_the_workspace_are_counted_too(app, edge, slack):
    """`users.lookupByEmail` (a grant by e-mail, through the listeners' client), the
    outbox's and the tracker's client (`web_client`), and `users.list`
    (`know_the_workspace`, in its own thread)."""
    settings = load_settings(slack_bot_token=TOKEN, slack_api_url=slack.api_url)
    slack.emails["kari.nordmann@trondheim.kommune.no"] = "U0KARI"
    body = command_body(
        "grant kari.nordmann@trondheim.kommune.no editor Trondheim", user_id=ADMIN.id
    )
    assert asyncio.run(signed(edge, SECRET, body)).status == 200
    web_client(settings, app.deps.metrics).chat_postMessage(channel="C1", text="x")
    follow_user_locales(app, settings)
    directory = know_the_workspace(app, settings)
    try:
        # the pass runs in the directory's thread
        wait_until(lambda: directory.passes, "the workspace's first pass", timeout=10)
    finally:
        directory.stop()
    text = metrics(edge)
    for method in ("users.lookupByEmail", "chat.postMessage", "users.list"):
        assert value(text, "capacity_slack_calls_total", method=method, result="ok") == 1, method
