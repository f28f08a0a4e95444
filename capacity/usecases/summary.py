"""The weekly summary for the coordination channel: the network's status, what changed
since the last summary (reports, batches, assignments, alerts, and who), and the
municipalities with the least room left.

It goes through the outbox, keyed by its ISO week, so it is announced exactly once per
week: across restarts (a bot that starts after the hour queues the week's summary if it
is not there yet) and with two bot processes on one database (the second insert of the
week's key is ignored).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from capacity.domain.freshness import figure_day
from capacity.domain.rules import OSLO
from capacity.domain.schedule import At, parse_at
from capacity.domain.totals import totals
from capacity.models import CapacityLine, Change, SummaryChange, SummaryLine, WeeklySummary
from capacity.storage import figures as figures_db
from capacity.storage import people, repository
from capacity.storage.outbox import alerts_between, has_key, last_summary_at
from capacity.usecases.core import Core, emit, iso
from capacity.usecases.pace import network_pace
from capacity.usecases.queries import DEFAULT_SCOPE, planning_year, scope, scope_members
from capacity.usecases.rounds import summary_lines
from capacity.usecases.seed import SEED_ACTOR

SUMMARY_CHANGES = 25  # the latest changes listed; the count says how many in all
LEAST_ROOM = 5
WEEK = timedelta(days=7)


def week_of(moment: datetime) -> str:
    """The ISO week of a moment, Norwegian time: "2026-W49"."""
    year, week, _ = moment.astimezone(OSLO).isocalendar()
    return f"{year}-W{week:02d}"


def _line(line: CapacityLine) -> SummaryLine:
    m = line.municipality
    return SummaryLine(
        number=m.number,
        name=m.name_no,
        spare=line.spare,
        reserved=line.reserved_open,
        remaining=line.remaining,
        settled=line.settled,
        overbooked=line.overbooked,
        reported_on=figure_day(line.spare_report) if line.spare_report is not None else None,
    )


def _place(change: Change, names: dict[str, str]) -> str:
    """The municipality a record is about: its key's (`5001/2020/spare`), or a role's."""
    if change.entity == "role":
        record = change.after if isinstance(change.after, dict) else change.before
        return names.get(str((record or {}).get("number", "")), "")  # type: ignore[union-attr]
    return names.get(change.key.split("/")[0], "")


def _subject(change: Change, names: dict[str, str]) -> str:
    """The user a role change is about, by the name they act under ("" when unknown)."""
    if change.entity != "role":
        return ""
    return names.get(change.key.partition("/")[2], "")


def build(core: Core, now: datetime | None = None, *, week: str | None = None) -> WeeklySummary:
    """The summary as things stand at `now`, of what changed since the last summary
    (or the last week, when there was none)."""
    now = now or core.clock()
    db = core.store.db
    last = last_summary_at(db)
    since = datetime.fromisoformat(last) if last else now - WEEK
    year = planning_year(core)
    key, title, _ = scope(core, DEFAULT_SCOPE)
    with core.store.read() as db:
        network = figures_db.lines(db, scope_members(core, key, year), year)
        national = figures_db.lines(db, core.geography.all(2020 if year < 2024 else 2024), year)
        records = [  # the installation's own records (the planning year it sets) are no news
            change
            for change in repository.changes_between(db, iso(since), iso(now))
            if change.actor != SEED_ACTOR.id
        ]
        alerts = alerts_between(db, iso(since), iso(now))
        users = [c.key.partition("/")[2] for c in records[-SUMMARY_CHANGES:] if c.entity == "role"]
        subjects = people.names(db, users)
    names = {m.number: m.name_no for m in core.geography.municipalities}
    reported = [line for line in national if line.remaining is not None]
    least = sorted(
        reported, key=lambda line: (line.remaining, -line.overbooked, line.municipality.name_no)
    )
    return WeeklySummary(
        week=week or week_of(now),
        since=since,
        until=now,
        year=year,
        title=title,
        network=tuple(_line(line) for line in network),
        changes=tuple(
            SummaryChange(
                at=change.at,
                actor=change.actor_name or change.actor,
                entity=change.entity,
                key=change.key,
                before=change.before,
                after=change.after,
                place=_place(change, names),
                subject=_subject(change, subjects),
            )
            for change in records[-SUMMARY_CHANGES:]
        ),
        changed=len(records),
        alerts=alerts,
        least_room=tuple(_line(line) for line in least[:LEAST_ROOM]),
        pace=network_pace(core, year),
        rounds=summary_lines(core),
        totals=totals(network),
    )


def queue(core: Core, now: datetime | None = None, *, at_once: bool = False) -> bool:
    """Queue this week's summary in the outbox, unless it is there already; `at_once`
    queues one more now (its key is the moment). True if it was queued."""
    now = now or core.clock()
    week = f"now-{now.astimezone(UTC):%Y%m%dT%H%M%S%f}" if at_once else week_of(now)
    with core.store.write() as db:
        if has_key(db, f"summary:{week}"):
            return False
        return emit(core, db, [build(core, now, week=week)])


def due(now: datetime, weekday: int, hour: int, minute: int) -> bool:
    """Whether this week's summary time (Norwegian time) has come."""
    return SummaryTime(weekday, hour, minute).due(now)


# -- when: CAPACITY_SUMMARY_AT (read as every schedule is: `capacity.domain.schedule`) ------

DEFAULT_AT = "mon 08:00"
SummaryTime = At  # a weekday and a time


def parse_summary_time(text: str) -> SummaryTime | None:
    """`mon 08:00`, `fredag 14.30`, `sun 7:05`; `off` for no weekly summary (None).
    Raises ValueError saying what is accepted."""
    return parse_at(text, daily=False, example="'mon 08:00'", off="no weekly summary")


class WeeklySummaries:
    """Queues the week's summary once its time has come: called by the outbox worker at
    each poll, it asks the database once per week per process (a restart asks again, and
    the week's key in the outbox makes a second summary of the week impossible)."""

    def __init__(
        self,
        queue_summary: Callable[[datetime], bool],
        at: SummaryTime,
        clock: Callable[[], datetime],
    ) -> None:
        self.queue_summary = queue_summary
        self.at = at
        self.clock = clock
        self.checked: str | None = None  # the week this process has seen queued

    def __call__(self) -> bool:
        now = self.clock()
        week = week_of(now)
        if self.checked == week or not self.at.due(now):
            return False
        queued = self.queue_summary(now)
        self.checked = week
        return queued
