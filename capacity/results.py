"""What the write use cases answer with: the change made, and the events it raised."""

from __future__ import annotations

from dataclasses import dataclass

from capacity.models import (
    Allocation,
    Batch,
    CapacityExceeded,
    CapacityLine,
    Change,
    Measure,
    Municipality,
)


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
class AllocationResult:
    """An assignment of batch places to a municipality: granted, or refused with numbers."""

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
