"""End to end: two real bot processes on one database, both past this week's summary
time, post the week's summary to the coordination channel once; a bot restarted after
the hour does not post it again."""

from __future__ import annotations

import shutil
import time
from datetime import UTC, datetime

import pytest

from capacity import Capacity
from capacity.storage.store import Store
from capacity.usecases.summary import week_of
from tests.bot_server import BotServer
from tests.stand_in import StandIn

pytestmark = pytest.mark.slow

ALWAYS_DUE = {"CAPACITY_SUMMARY_AT": "mon 00:00", "CAPACITY_ALERT_POLL": "0.1"}


def summary_posts(slack: StandIn) -> list[dict]:
    with slack.lock:
        return [
            p
            for p in slack.posted
            if p.get("channel") == "CALERTS"
            and ":summary:" in str((p.get("metadata") or {}).get("event_payload"))
        ]


def test_the_weeks_summary_is_posted_once_by_two_processes_and_not_again_after_a_restart(
    _seeded_template, tmp_path
):
    db = tmp_path / "summary.db"
    shutil.copy(_seeded_template, db)
    week = week_of(datetime.now(UTC))
    with StandIn() as slack:
        first = BotServer(db, slack.api_url, env=ALWAYS_DUE)
        second = BotServer(db, slack.api_url, env=ALWAYS_DUE)
        with first, second:
            deadline = time.monotonic() + 20
            while not summary_posts(slack) and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(1.5)  # many polls of both workers
            [post] = summary_posts(slack)
        year, number = week.split("-W")
        said = f"Ukesoppsummering for uke {int(number)}, {year} (planleggingsår 2020)"
        assert post["text"].startswith(said)
        assert post["blocks"][0]["type"] == "header"

        with BotServer(db, slack.api_url, env=ALWAYS_DUE):  # restarted, after the hour
            time.sleep(1.5)
            assert len(summary_posts(slack)) == 1

    service = Capacity(Store(db))
    try:
        queued = [a for a in service.alerts() if a.event.kind == "weekly_summary"]
    finally:
        service.store.close()
    assert [(a.event.week, a.status) for a in queued] == [(week, "sent")]
