"""The weekly summary: the network, what changed and who, the least room left; once a
week through the outbox, whoever queues it and however often."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from capacity.usecases.summary import due, week_of
from tests.conftest import ADMIN


def test_a_summary_says_what_changed_since_the_last_one_and_who(fresh, clock):
    clock.advance(days=1)
    fresh.report_spare("Oslo", 80, ADMIN, source="møte", reason="nye boliger")
    fresh.create_batch("Moria 2020", 50, ADMIN, year=2020)
    fresh.allocate("Moria 2020", "Bærum", 30, ADMIN)
    summary = fresh.summary()
    entities = [change.entity for change in summary.changes]
    assert {"figure", "batch", "allocation"} <= set(entities)
    oslo = next(c for c in summary.changes if c.key == "0301/2020/spare")
    assert (oslo.before, oslo.after, oslo.actor, oslo.place) == (73, 80, "Ada Admin", "Oslo")
    assert summary.alerts == {"capacity_low": 1}  # Bærum has nothing left
    assert [line.name for line in summary.least_room][:1] == ["Bærum"]
    assert sum(line.spare or 0 for line in summary.network) == 398 - 73 + 80


def test_a_new_installations_first_summary_reports_no_change(fresh, clock):
    """Seeding sets the planning year (a record by the installation itself): no news."""
    clock.advance(days=1)
    assert "setting" not in [c.entity for c in fresh.summary().changes]  # the fixture's grant only
    fresh.set_planning_year(2021, ADMIN)
    assert "setting" in [c.entity for c in fresh.summary().changes]


def test_the_weeks_summary_is_queued_once_however_often_it_is_asked_for(fresh, clock):
    assert fresh.queue_summary() is True
    assert fresh.queue_summary() is False
    second = type(fresh)(fresh.store, clock=clock)  # another process on the same database
    assert second.queue_summary() is False
    clock.advance(days=7)
    assert fresh.queue_summary() is True
    summaries = [a for a in fresh.alerts() if a.event.kind == "weekly_summary"]
    assert [s.event.week for s in summaries] == [
        week_of(clock.now - timedelta(days=7)),
        week_of(clock.now),
    ]


def test_the_next_summary_covers_what_came_after_the_last(fresh, clock):
    fresh.queue_summary()
    clock.advance(days=7)
    fresh.report_spare("Bergen", 55, ADMIN, source="x")
    summary = fresh.summary()
    assert [c.key for c in summary.changes] == ["4601/2020/spare"]
    assert summary.since < clock.now


def test_a_summary_asked_for_at_once_is_queued_beside_the_weeks(fresh):
    assert fresh.queue_summary() is True
    assert fresh.queue_summary(at_once=True) is True


def test_the_summary_is_due_from_monday_eight_oclock_norwegian_time():
    monday = datetime(2026, 11, 30, 6, 59, tzinfo=UTC)  # 07:59 in Oslo
    assert not due(monday, 0, 8, 0)
    assert due(monday + timedelta(minutes=1), 0, 8, 0)
    assert due(monday + timedelta(days=3), 0, 8, 0)
    assert week_of(monday) == "2026-W49"
