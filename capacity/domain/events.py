"""The domain's events, as the outbox keeps them: a batch or report that does not
fit, the weekly summary, and the alert that carries either."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from capacity.domain.backup_events import BackupFailed
from capacity.domain.figures import Model, Total
from capacity.domain.pace_scope import ScopePace
from capacity.domain.round_events import RoundClosed, RoundLine, RoundMessage


class Kind(StrEnum):
    BATCH_EXCEEDS = "batch_exceeds_capacity"
    HOUSEHOLD_TOO_LARGE = "household_too_large"
    HOUSEHOLDS_DO_NOT_FIT = "households_do_not_fit"  # each fits, but not all at once
    ALLOCATION_REFUSED = "allocation_refused"
    CAPACITY_LOW = "capacity_low"
    OVERBOOKED = "overbooked"  # a report below what is already reserved, confirmed


class Room(Model):
    number: str
    name: str
    remaining: int


class CapacityExceeded(Model):
    """A batch, household or assignment does not fit the remaining capacity.

    The core records it as data; adapters deliver it (the Slack bot posts it to the
    coordination channel).
    """

    kind: Kind
    batch_id: int | None = None
    batch_name: str = ""
    year: int
    scope: str
    scope_title: str
    persons: int  # persons asked for (the batch, the assignment or the household)
    remaining: int  # room left in the scope (or the largest single room, for households)
    rooms: tuple[Room, ...] = ()  # where room is left, most first
    actor: str
    actor_name: str = ""
    threshold: int | None = None  # for CAPACITY_LOW
    batches: tuple[str, ...] = ()  # for OVERBOOKED: the batches holding the places
    reported: bool = True  # False: no spare places are reported in the scope for the year

    @property
    def dedupe_key(self) -> str:
        """The same condition is announced once: the key changes when the figures do."""
        return ":".join(
            str(part)
            for part in (
                self.kind.value,
                self.batch_id or "-",
                self.year,
                self.scope,
                self.persons,
                self.remaining,
            )
        )


class SummaryLine(Model):
    """A municipality in a summary: reported, reserved (for batches not yet settled),
    settled via batches, remaining (never below 0; None: no report) and overbooked.
    (A summary queued before these were apart has `reserved` with the settled in it and
    a negative `remaining` when overbooked: `shown` reads it as today's.)"""

    number: str
    name: str
    spare: int | None
    reserved: int
    remaining: int | None
    settled: int = 0
    overbooked: int = 0
    reported_on: date | None = None  # the day the reported figure is from (how old it is)

    @property
    def shown(self) -> SummaryLine:
        if self.remaining is None or self.remaining >= 0:
            return self
        return self.model_copy(update={"remaining": 0, "overbooked": -self.remaining})


class SummaryChange(Model):
    """What changed, as a summary lists it: a history record, briefly."""

    at: datetime
    actor: str
    entity: str
    key: str
    before: object = None
    after: object = None
    place: str = ""  # the municipality's name, when the record is about one
    subject: str = ""  # the name of the user a role change is about, when known


class WeeklySummary(Model):
    """The coordination channel's summary of a week: the network, what changed since
    the last summary, and where room is shortest. Announced once per week (its key)."""

    kind: Literal["weekly_summary"] = "weekly_summary"
    week: str  # ISO week, "2026-W49"; "now-…" for one asked for at once
    since: datetime
    until: datetime
    year: int
    title: str
    network: tuple[SummaryLine, ...]
    changes: tuple[SummaryChange, ...]  # the latest, at most SUMMARY_CHANGES
    changed: int  # how many records there were in all
    alerts: dict[str, int]  # alerts queued since, by kind
    least_room: tuple[SummaryLine, ...]
    pace: ScopePace | None = None  # the network's pace through the planning year
    rounds: tuple[RoundLine, ...] = ()  # open collection rounds and who has not answered
    totals: dict[str, Total] | None = None  # the network's (`totals`); None: queued before

    @property
    def dedupe_key(self) -> str:
        return f"summary:{self.week}"


class Alert(Model):
    """A domain event waiting in the outbox for delivery."""

    id: int
    created_at: datetime
    dedupe_key: str
    event: CapacityExceeded | WeeklySummary | RoundMessage | RoundClosed | BackupFailed
    status: Literal["pending", "sent", "failed"]
    attempts: int
    next_attempt_at: datetime | None
    last_error: str = ""
    sent_at: datetime | None = None
    delivery_ref: str = ""
