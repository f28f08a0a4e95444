"""End to end: a round for the whole country (357 municipalities, 400 editors) opened
from Slack, delivered by two bot processes on one database while the stand-in answers
`ratelimited` to every tenth `chat.postMessage` and `conversations.open`: every editor
gets exactly one message, and no process calls a method again before the Retry-After of
a `ratelimited` it was answered (each process honours its own; a second process learns
of the limit from its own next call, as Slack answers it `ratelimited` too)."""

from __future__ import annotations

import shutil
import time

import pytest

from capacity import Capacity
from capacity.storage.store import Store
from tests.bot_server import BotServer
from tests.conftest import ADMIN, CLI
from tests.stand_in import StandIn
from tests.waiting import wait_delivered, wait_until

pytestmark = pytest.mark.slow

RETRY_AFTER = "0.2"  # seconds (Slack's are whole seconds; shorter here to keep the test quick)


def editors(service: Capacity) -> dict[str, str]:
    """An editor for every municipality of 2024, and a second for the first 43: 400."""
    places = service.geography.all(2024)
    found = {f"U{place.number}A": place.number for place in places}
    found |= {f"U{place.number}B": place.number for place in places[:43]}
    for user, number in found.items():
        service.grant(user, "editor", CLI, number)
    return found


def test_a_whole_country_round_reaches_every_editor_once_under_rate_limits(
    _seeded_template, tmp_path
):
    db = tmp_path / "national.db"
    shutil.copy(_seeded_template, db)
    service = Capacity(Store(db))
    service.grant(ADMIN.id, "admin", CLI)
    users = editors(service)
    service.store.close()
    assert len(users) == 400
    env = {"CAPACITY_ALERT_POLL": "0.1", "CAPACITY_POST_RATE": "100"}
    one, two = {**env, "SLACK_BOT_TOKEN": "xoxb-one"}, {**env, "SLACK_BOT_TOKEN": "xoxb-two"}
    with StandIn() as slack:
        for method in ("chat.postMessage", "conversations.open"):
            slack.ratelimit[method] = (10, RETRY_AFTER)
        with BotServer(db, slack.api_url, env=one) as first, BotServer(db, slack.api_url, env=two):
            started = time.monotonic()
            reply = first.command(
                'innhenting ny "Kapasitet 2027" frist 15.1.2099 omfang norge år 2027',
                user_id=ADMIN.id,
                response_url=slack.response_url(),
            )
            assert "357 kommuner" in reply.text and "400 direktemeldinger" in reply.text
            wait_until(
                lambda: all(slack.dms(user) for user in users),
                "a direct message to each of the 400 users",
                timeout=90,
                interval=0.2,
            )
            took = time.monotonic() - started
            wait_delivered(db)  # every message delivered (or failed): nothing more is sent
        counts = {user: len(slack.dms(user)) for user in users}
        assert set(counts.values()) == {1}, {u: c for u, c in counts.items() if c != 1}
        limited = dict(slack.limited)
        posts = slack.calls_to("chat.postMessage")
        after_limits = [  # a call by the same process within a Retry-After it was given
            (method, call.at - at)
            for method, at, wait, who in slack.limited_at
            for call in slack.calls_to(method)
            if call.headers.get("Authorization") == who and at < call.at < at + wait - 0.02
        ]
    assert limited["chat.postMessage"] >= 35 and limited["conversations.open"] >= 35
    assert after_limits == []  # Retry-After honoured by both processes
    assert len(posts) >= 400 + limited["chat.postMessage"]
    service = Capacity(Store(db))
    try:
        sent = [a for a in service.alerts() if a.event.kind == "round_message"]
        assert len(sent) == 400 and {a.status for a in sent} == {"sent"}
    finally:
        service.store.close()
    print(f"400 messages delivered in {took:.1f} s")
