"""The weekly summary on its schedule: CAPACITY_SUMMARY_AT read and checked, the week's
summary queued once when its time comes (two processes, a restart after the hour), posted
once to the coordination channel with what users typed escaped; `capacity-bot summary`
--dry-run prints it and --now posts one at once, recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from slack_sdk import WebClient

from bot.cli import cli as bot_cli
from bot.i18n import Texts
from bot.notifier import SlackNotifier
from bot.settings import SettingsError, load_settings
from capacity import Capacity
from capacity.storage.store import Store
from capacity.usecases.notify import OutboxWorker
from capacity.usecases.summary import SummaryTime, WeeklySummaries, parse_summary_time, week_of
from tests.conftest import ADMIN
from tests.stand_in import StandIn
from tests.waiting import wait_until

MONDAY_0759 = datetime(2026, 11, 30, 6, 59, tzinfo=UTC)  # 07:59 in Oslo, week 49


@pytest.mark.parametrize(
    "text,expected",
    [
        ("mon 08:00", SummaryTime(0, 8, 0)),
        ("Mandag 8.00", SummaryTime(0, 8, 0)),
        ("fredag 14:30", SummaryTime(4, 14, 30)),
        ("laurdag 07:05", SummaryTime(5, 7, 5)),
        ("sun 23:59", SummaryTime(6, 23, 59)),
        ("off", None),
    ],
)
def test_the_summary_time_is_a_weekday_and_a_time(text, expected):
    assert parse_summary_time(text) == expected


@pytest.mark.parametrize("text", ["", "monday", "08:00", "mon 24:00", "mon 8:60", "xyz 08:00"])
def test_a_summary_time_that_is_not_one_is_a_clear_start_up_error(text):
    with pytest.raises(SettingsError) as error:
        load_settings(capacity_summary_at=text)
    message = str(error.value)
    assert "CAPACITY_SUMMARY_AT" in message and "like 'mon 08:00'" in message


def test_the_default_is_monday_eight_oclock():
    assert str(load_settings().summary_at) == "mon 08:00"


def summaries(service: Capacity) -> list:
    return [a for a in service.alerts() if a.event.kind == "weekly_summary"]


@pytest.mark.slow
def test_queued_once_a_week_by_two_processes_and_after_a_restart(on_disk, clock):
    clock.now = MONDAY_0759
    other = Capacity(Store(on_disk.store.path), clock=clock)  # a second bot process
    at = SummaryTime(0, 8, 0)
    first = WeeklySummaries(on_disk.queue_summary, at, clock)
    second = WeeklySummaries(other.queue_summary, at, clock)
    assert (first(), second()) == (False, False)  # not yet
    clock.advance(minutes=1)
    assert (first(), second()) == (True, False)
    assert (first(), second()) == (False, False)
    clock.advance(hours=3)
    restarted = WeeklySummaries(on_disk.queue_summary, at, clock)  # after the hour
    assert restarted() is False
    assert [s.event.week for s in summaries(on_disk)] == ["2026-W49"]
    clock.advance(days=6)  # Sunday: still week 49
    assert restarted() is False
    clock.advance(days=1)  # the next Monday, 11:00
    assert (second(), first(), restarted()) == (True, False, False)
    assert [s.event.week for s in summaries(on_disk)] == ["2026-W49", "2026-W50"]
    other.store.close()


def test_a_bot_that_starts_after_the_hour_queues_the_weeks_summary(on_disk, clock):
    clock.now = MONDAY_0759.replace(day=2, month=12)  # Wednesday
    assert WeeklySummaries(on_disk.queue_summary, SummaryTime(0, 8, 0), clock)() is True
    assert summaries(on_disk)[0].event.week == week_of(clock.now)


@pytest.mark.slow
def test_the_worker_posts_the_summary_once_with_user_text_escaped(on_disk, clock):
    clock.now = MONDAY_0759
    on_disk.create_batch("<!channel> & <@U999>", 20, ADMIN, year=2020)
    clock.advance(minutes=2)
    with StandIn() as slack:
        client = WebClient(token="xoxb-test", base_url=slack.api_url, timeout=5)
        notifier = SlackNotifier(client, "CSUMMARY", Texts("nn"))
        summaries_due = WeeklySummaries(on_disk.queue_summary, SummaryTime(0, 8, 0), clock)
        polls: list[object] = []

        def schedule() -> object:  # the worker's schedule, each poll counted
            polls.append(None)
            return summaries_due()

        worker = OutboxWorker(on_disk.outbox, notifier, poll_seconds=0.05, schedule=schedule)
        on_disk.on_alert_queued = worker.wake
        worker.start()
        try:
            slack.wait_for("chat.postMessage")
            seen = len(polls)  # several more polls: nothing more is posted
            wait_until(lambda: len(polls) >= seen + 10, "ten more polls of the worker")
        finally:
            worker.stop()
        posts = [p for p in slack.posted if p["channel"] == "CSUMMARY"]
    [post] = posts
    assert post["text"].startswith("Vekeoppsummering for veke 49, 2026 (planleggingsår 2020)")
    assert post["metadata"]["event_payload"]["alert_key"].endswith(":summary:2026-W49")
    blob = str(post["blocks"])
    assert "&lt;!channel&gt; &amp; &lt;@U999&gt;" in blob
    assert "<!channel>" not in blob and "<@U999>" not in blob
    [queued] = summaries(on_disk)
    assert queued.status == "sent"


@pytest.fixture
def env(on_disk):
    return {"CAPACITY_DB": str(on_disk.store.path), "CAPACITY_LANGUAGE": "en"}


def test_summary_dry_run_prints_it_and_posts_nothing(env, on_disk, clock):
    clock.now = datetime.now(UTC) - timedelta(minutes=1)  # the CLI's clock is the real one
    on_disk.report_spare("Oslo", 80, ADMIN, source="møte")
    result = CliRunner().invoke(bot_cli, ["summary", "--dry-run"], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("WEEKLY SUMMARY FOR WEEK ")
    assert "Oslo: 80 spare" in result.output and "Ada Admin" in result.output
    assert summaries(on_disk) == []


def test_summary_now_posts_one_at_once_and_records_it(env, on_disk):
    with StandIn() as slack:
        env = {**env, "SLACK_API_URL": slack.api_url, "SLACK_BOT_TOKEN": "xoxb-test",
               "CAPACITY_ALERT_CHANNEL": "CSUMMARY"}  # fmt: skip
        result = CliRunner().invoke(bot_cli, ["summary", "--now"], env=env)
        assert result.exit_code == 0, result.output
        assert result.output.startswith("Posted the summary to CSUMMARY (ts ")
        [post] = [p for p in slack.posted if p["channel"] == "CSUMMARY"]
        year, week = week_of(datetime.now(UTC)).split("-W")
        assert post["text"].startswith(f"Weekly summary for week {int(week)}, {year} ")
        again = CliRunner().invoke(bot_cli, ["summary", "--now"], env=env)
        assert again.exit_code == 0
        assert len([p for p in slack.posted if p["channel"] == "CSUMMARY"]) == 2
    recorded = summaries(on_disk)
    assert len(recorded) == 2 and {s.status for s in recorded} == {"sent"}
    assert all(s.event.week.startswith("now-") for s in recorded)


def test_summary_needs_now_or_dry_run_and_a_channel_to_post(env):
    assert CliRunner().invoke(bot_cli, ["summary"], env=env).exit_code == 2
    no_channel = CliRunner().invoke(bot_cli, ["summary", "--now"],
                                    env={**env, "CAPACITY_ALERT_CHANNEL": ""})  # fmt: skip
    assert no_channel.exit_code == 2 and "CAPACITY_ALERT_CHANNEL" in no_channel.output


def test_capacity_bot_alerts_lists_a_queued_summary_beside_the_alerts(env, on_disk):
    on_disk.create_batch("Big", 400, ADMIN, year=2020)  # does not fit: an alert
    on_disk.queue_summary()
    result = CliRunner().invoke(bot_cli, ["alerts"], env=env)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(" batch_exceeds_capacity Big: 400 vs " in line for line in lines)
    assert any(f" weekly_summary {week_of(on_disk.clock())}: " in line for line in lines)
