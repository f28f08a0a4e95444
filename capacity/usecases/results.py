"""What the write use cases answer with: the change made, and the events it raised."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from capacity.domain.households import Unit, left_after
from capacity.models import (
    Allocation,
    Batch,
    CapacityExceeded,
    CapacityLine,
    Change,
    Measure,
    Municipality,
    Room,
)

if TYPE_CHECKING:
    from capacity.planner.plans import Missing


@dataclass(frozen=True)
class ChangeResult:
    """A figure change, before → after, with the history record that explains it."""

    municipality: Municipality
    year: int
    measure: Measure
    before: int | None
    after: int | None
    change: Change | None
    line: CapacityLine
    events: tuple[CapacityExceeded, ...] = ()
    alerted: bool = False

    @property
    def changed(self) -> bool:
        return self.change is not None


@dataclass(frozen=True)
class BatchResult:
    """A batch after a use case, with the events it raised and whether they were queued."""

    batch: Batch
    events: tuple[CapacityExceeded, ...] = ()
    alerted: bool = False
    room: int | None = None
    created: bool = True

    @property
    def fits(self) -> bool:
        return not self.events


@dataclass(frozen=True)
class Stamp:
    """When something was done, and by whom: a Confirm, or the release of an assignment
    (an Undo, a Release on the batch's page, a plan's Undo, a cancelled batch), which a
    Confirm of its preview afterwards tells rather than "already assigned"."""

    at: datetime
    by: str  # the user's id
    by_name: str = ""


@dataclass(frozen=True)
class AllocationResult:
    """An assignment of batch places to a municipality: granted, or refused with numbers.
    A `duplicate` (its request key was confirmed before) whose assignment was released
    since carries `undone`: nothing of it is active."""

    batch: Batch
    municipality: Municipality
    persons: int
    granted: bool
    remaining: int  # room left in the municipality after this request
    allocation: Allocation | None = None
    events: tuple[CapacityExceeded, ...] = ()
    alerted: bool = False
    duplicate: bool = False
    preview: bool = False
    undone: Stamp | None = None


@dataclass(frozen=True)
class PlanLine:
    """What one municipality receives in a plan: households (linked ones together, and
    persons without a known household as a count), against the room it had."""

    municipality: Municipality
    units: tuple[Unit, ...]  # households; () when the batch has none
    persons: int
    room: int  # room left there when the plan was made
    allocation_id: int | None = None  # once reserved

    @property
    def room_after(self) -> int:
        return self.room - self.persons

    @property
    def share(self) -> float:
        """The share of what the municipality offered that this line uses."""
        return self.persons / self.room if self.room > 0 else 0.0


@dataclass(frozen=True)
class PlanResult:
    """A plan for a batch's unassigned persons over its scope's room in the batch's year,
    as the planner proved it; `key` confirms it (None: nothing can be placed)."""

    batch: Batch
    key: str | None
    lines: tuple[PlanLine, ...]
    persons: int  # unassigned persons the plan was for
    placed: int
    room: int  # room left in the scope
    municipalities: int  # with room left
    max_share: float  # the highest share of room used: the lowest possible
    optimal: bool  # proven (False: the best found within the time limit)
    missing: Missing | None  # what does not fit, computed by the planner
    left: tuple[Unit, ...] = ()  # the batch's households the plan leaves unassigned
    scores: str | None = None  # the source of the scores used as the third stage
    idle: tuple[Room, ...] = ()  # municipalities with room the plan gives no one
    smallest: int = 0  # persons in the smallest household the plan had to place

    @property
    def fairest(self) -> PlanLine | None:
        """The line with the highest share (what the fairness is measured by)."""
        return max(self.lines, key=lambda line: line.share, default=None)


@dataclass(frozen=True)
class PlanApplied:
    """A plan reserved in one transaction (or found reserved already: `duplicate`, with
    when and by whom it was confirmed, and per line whether it was released since)."""

    batch: Batch
    key: str
    lines: tuple[PlanLine, ...]
    duplicate: bool = False
    events: tuple[CapacityExceeded, ...] = ()
    alerted: bool = False
    confirmed: Stamp | None = None  # a duplicate's first Confirm: when, by whom
    undone: tuple[Stamp | None, ...] = ()  # a duplicate's lines: None while active

    @property
    def placed(self) -> int:
        return sum(line.persons for line in self.lines)

    @property
    def active(self) -> tuple[PlanLine, ...]:
        """The lines whose assignment is still active."""
        if not self.undone:
            return self.lines
        return tuple(ln for ln, gone in zip(self.lines, self.undone, strict=False) if not gone)


@dataclass(frozen=True)
class PlanUndone:
    batch: Batch
    released: int  # assignments released now
    persons: int


@dataclass(frozen=True)
class AssignmentPreview:
    """Assignments as they would be, to one or several municipalities at once, with the
    households picked for each when they were not named (`picked`); or `refused`, with
    the numbers, when one does not fit."""

    batch: Batch
    key: str | None
    lines: tuple[PlanLine, ...]
    picked: bool = False
    refused: AllocationResult | None = None

    @property
    def left(self) -> tuple[Unit, ...]:
        """The batch's households still unassigned after these lines."""
        return left_after(self.batch.unplaced_units, [u for ln in self.lines for u in ln.units])

    @property
    def unassigned(self) -> int:
        return self.batch.unallocated - sum(line.persons for line in self.lines)


@dataclass(frozen=True)
class AssignmentDone:
    """A confirmed assignment preview: every line granted in one transaction, or the
    lines that no longer fit (`granted` False) and nothing reserved."""

    batch: Batch
    results: tuple[AllocationResult, ...]

    @property
    def granted(self) -> bool:
        return all(result.granted for result in self.results)

    @property
    def duplicate(self) -> bool:
        return all(result.duplicate for result in self.results)


@dataclass(frozen=True)
class CancelPreview:
    """What cancelling a batch would release: `persons` in `municipalities` places."""

    batch: Batch
    key: str
    persons: int
    assignments: int
    municipalities: int


@dataclass(frozen=True)
class BatchPage:
    """A page of a batch's assignments (or of the batches), with the counts from
    aggregates: the page never loads more rows than it shows."""

    batch: Batch | None
    allocations: tuple[Allocation, ...]
    batches: tuple[Batch, ...]
    page: int
    pages: int
    total: int  # assignments (or batches) in all
    active: int = 0
    municipalities: int = 0
