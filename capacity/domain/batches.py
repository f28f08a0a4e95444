"""The domain's data about relocation batches: a batch, its allocations and the
preview a Confirm button confirms."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import model_validator

from capacity.domain.figures import Model
from capacity.domain.households import left_after


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
    # The households as they move (`capacity.domain.households`): linked ones in one unit.
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
