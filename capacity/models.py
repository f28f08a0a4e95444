"""The domain's data: municipalities, figures, spare-capacity reports, batches, history.

Plain pydantic models, immutable, with no knowledge of storage or of Slack.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Municipality(Model):
    """A municipality under one year's structure (SSB classification 131)."""

    number: str = Field(pattern=r"^\d{4}$")
    name: str
    name_no: str
    structure: int  # 2020 or 2024: the classification version the row belongs to

    @property
    def label(self) -> str:
        return f"{self.name_no} ({self.number})"


class Measure(StrEnum):
    """The yearly figures kept per municipality.

    The first four are IMDi's settlement figures. The sub-quota of unaccompanied minors
    and family reunification are kept beside them and never netted into capacity.
    `spare` is the spare capacity a municipality reports; IMDi defines no formula for
    it, so the reported value is the one the product answers with.
    """

    ORIGINAL_REQUEST = "original_request"  # opprinnelig anmodning
    REQUEST = "request"  # anmodning (revised)
    DECISION = "decision"  # vedtak
    SETTLED = "settled"  # faktisk bosatt
    MINORS_REQUEST = "minors_request"  # anmodning, enslige mindreårige
    MINORS_DECISION = "minors_decision"  # vedtak, enslige mindreårige
    FAMILY_REUNIFICATION = "family_reunification"  # familiegjenforente
    SPARE = "spare"  # rapportert ledig kapasitet


IMDI_MEASURES = (
    Measure.ORIGINAL_REQUEST,
    Measure.REQUEST,
    Measure.DECISION,
    Measure.SETTLED,
)


def partial_date(year: int, source_dates: Iterable[str]) -> str:
    """The latest source date that falls inside `year` itself: figures taken before
    the year ended are a snapshot, not the year's result."""
    inside = [d for d in source_dates if d and f"{year}" <= d < f"{year + 1}"]
    return max(inside, default="")


class Actor(Model):
    """Who makes a change: a Slack user, a CLI user, an import file, the seed."""

    id: str
    name: str = ""
    trusted: bool = False  # local admin tools (CLI, seed, import) need no role

    @property
    def label(self) -> str:
        if self.name and self.name != self.id:
            return f"{self.name} ({self.id})"
        return self.id


class Figure(Model):
    """One current value: `value` None means unknown (IMDi's ':'), never 0."""

    measure: Measure
    value: int | None
    changed_at: datetime
    actor: str
    source: str = ""
    source_date: str = ""  # what the source says it is dated: "2020-09", "2023-09-25"


class Change(Model):
    """An append-only history record: who changed what, when, why, before and after."""

    id: int
    at: datetime
    actor: str
    actor_name: str = ""
    source: str = ""
    reason: str = ""
    entity: str  # figure | batch | allocation | role | setting
    key: str
    before: object = None
    after: object = None
    source_date: str = ""


class Role(StrEnum):
    ADMIN = "admin"
    EDITOR = "editor"


class BatchStatus(StrEnum):
    PLANNED = "planned"
    ALLOCATED = "allocated"
    ARRIVED = "arrived"
    SETTLED = "settled"
    CANCELLED = "cancelled"


BATCH_TRANSITIONS: dict[BatchStatus, set[BatchStatus]] = {
    BatchStatus.PLANNED: {BatchStatus.ALLOCATED, BatchStatus.CANCELLED},
    BatchStatus.ALLOCATED: {BatchStatus.ARRIVED, BatchStatus.CANCELLED},
    BatchStatus.ARRIVED: {BatchStatus.SETTLED, BatchStatus.CANCELLED},
    BatchStatus.SETTLED: set(),
    BatchStatus.CANCELLED: set(),
}


class Allocation(Model):
    """Places of a batch reserved in one municipality."""

    id: int
    batch_id: int
    number: str
    municipality: str
    persons: int
    households: tuple[int, ...] = ()
    units: tuple[tuple[int, ...], ...] = ()  # the households as placed: linked ones together
    active: bool
    created_at: datetime
    created_by: str

    @model_validator(mode="before")
    @classmethod
    def _units(cls, data: Any) -> Any:
        return _with_units(data)


def _with_units(data: Any) -> Any:
    """Rows from before linked households (and models built from sizes alone): every
    household is a unit of its own."""
    if isinstance(data, dict) and not data.get("units") and data.get("households"):
        return {**data, "units": tuple((size,) for size in data["households"])}
    return data


class Batch(Model):
    """A relocation batch: a named group of persons for a year, maybe in households."""

    id: int
    name: str
    year: int
    persons: int
    households: tuple[int, ...] = ()
    scope: str  # a group name, "norge", or a municipality number
    status: BatchStatus
    created_at: datetime
    created_by: str
    allocated: int = 0  # persons in active allocations
    # The households as they move (`capacity.households`): linked ones in one unit.
    units: tuple[tuple[int, ...], ...] = ()
    placed_units: tuple[tuple[int, ...], ...] = ()  # units in active allocations
    allocations: tuple[Allocation, ...] = ()  # loaded when asked for (display, export)

    @model_validator(mode="before")
    @classmethod
    def _units(cls, data: Any) -> Any:
        return _with_units(data)

    @property
    def unallocated(self) -> int:
        return self.persons - self.allocated

    @property
    def placed_households(self) -> tuple[int, ...]:
        return tuple(size for unit in self.placed_units for size in unit)

    @property
    def unplaced_units(self) -> tuple[tuple[int, ...], ...]:
        """Units not yet placed in any active allocation, largest first."""
        from capacity.households import left_after

        return left_after(self.units, self.placed_units)

    @property
    def unplaced_households(self) -> tuple[int, ...]:
        """Household sizes not yet placed in any active allocation (largest unit first)."""
        return tuple(size for unit in self.unplaced_units for size in unit)

    @property
    def singles_left(self) -> int:
        """Unassigned persons without a known household (units of one person)."""
        return self.unallocated - sum(self.unplaced_households)


class Preview(Model):
    """What a Confirm button confirms, as it was shown: a plan, an assignment or a
    cancellation of one batch; `lines` and `facts` are the use case's own JSON."""

    key: str
    kind: str  # plan | assign | cancel
    batch_id: int
    lines: list[Any]
    facts: dict[str, Any]
    created_by: str
    created_at: datetime
    expires_at: datetime
    applied_at: datetime | None = None
    applied_by: str | None = None
    allocations: tuple[int, ...] = ()  # made when it was applied


class YearFigures(Model):
    """IMDi's figures of one year for a municipality (a compact line beside another)."""

    year: int
    values: dict[Measure, int | None]
    partial: str = ""  # the date the year's figures were taken, when before its end


class CapacityLine(Model):
    """The capacity of one municipality in one year, with the figures behind it.

    `reserved` counts every active reservation, `settled` the part of it held by
    batches already settled ("bosatt via grupper"): both use the reported places."""

    municipality: Municipality
    year: int
    figures: dict[Measure, Figure]
    reserved: int
    settled: int = 0
    years_with_figures: tuple[int, ...] = ()
    other_years: tuple[YearFigures, ...] = ()
    overbooking: tuple[tuple[str, int], ...] = ()  # (batch, persons) when overbooked
    as_of: datetime | None = None

    @property
    def reserved_open(self) -> int:
        """Reserved for batches not yet settled."""
        return self.reserved - self.settled

    @property
    def overbooked(self) -> int:
        """By how many persons the reservations exceed the reported places (0: not)."""
        return max(0, -(self.remaining or 0))

    @property
    def partial(self) -> str:
        """The date IMDi's figures for this year were taken, when before the year ended
        (2023: "2023-09-25"): every answer showing them says so."""
        return partial_date(
            self.year, (f.source_date for m, f in self.figures.items() if m in IMDI_MEASURES)
        )

    def value(self, measure: Measure) -> int | None:
        figure = self.figures.get(measure)
        return figure.value if figure else None

    def known(self, measure: Measure) -> bool:
        figure = self.figures.get(measure)
        return figure is not None and figure.value is not None

    @property
    def spare(self) -> int | None:
        return self.value(Measure.SPARE)

    @property
    def spare_report(self) -> Figure | None:
        return self.figures.get(Measure.SPARE)

    @property
    def remaining(self) -> int | None:
        """Reported spare minus active reservations; None when no spare is reported."""
        if self.spare is None:
            return None
        return self.spare - self.reserved

    @property
    def decision_minus_request(self) -> int | None:
        """Derived, shown beside the reported value, never instead of it."""
        if self.known(Measure.DECISION) and self.known(Measure.REQUEST):
            return self.value(Measure.DECISION) - self.value(Measure.REQUEST)  # type: ignore[operator]
        return None

    @property
    def decision_minus_settled(self) -> int | None:
        if self.known(Measure.DECISION) and self.known(Measure.SETTLED):
            return self.value(Measure.DECISION) - self.value(Measure.SETTLED)  # type: ignore[operator]
        return None


class Total(Model):
    """A sum over several municipalities that says how many values were unknown."""

    value: int
    counted: int  # municipalities with a known value
    unknown: int  # municipalities where the value is unknown (IMDi ':')
    missing: int  # municipalities with no figure at all

    @property
    def known(self) -> bool:
        """A sum of nothing but unknowns is unknown, not 0."""
        return self.counted > 0


class Overview(Model):
    """Capacity over a group or the country, with totals."""

    title: str
    scope: str  # group name or "norge"
    year: int
    lines: tuple[CapacityLine, ...]
    totals: dict[str, Total]  # measure names plus "reserved", "remaining", "overbooked"…
    as_of: datetime | None = None


class Group(Model):
    name: str
    title: str
    members: tuple[Municipality, ...]


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
    """A municipality in a summary: reported, reserved, remaining (None: no report)."""

    number: str
    name: str
    spare: int | None
    reserved: int
    remaining: int | None


class SummaryChange(Model):
    """What changed, as a summary lists it: a history record, briefly."""

    at: datetime
    actor: str
    entity: str
    key: str
    before: object = None
    after: object = None
    place: str = ""  # the municipality's name, when the record is about one


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

    @property
    def dedupe_key(self) -> str:
        return f"summary:{self.week}"


class Alert(Model):
    """A domain event waiting in the outbox for delivery."""

    id: int
    created_at: datetime
    dedupe_key: str
    event: CapacityExceeded | WeeklySummary
    status: Literal["pending", "sent", "failed"]
    attempts: int
    next_attempt_at: datetime | None
    last_error: str = ""
    sent_at: datetime | None = None
    delivery_ref: str = ""
