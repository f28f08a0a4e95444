"""What the placement planner answers with (`capacity.planner.placement`): plans, their
lines and what is missing, and the households `choose` picks. Plain data, light to
import: the solver and numpy are in `placement` and `model`."""

from __future__ import annotations

from dataclasses import dataclass

Unit = tuple[int, ...]


@dataclass(frozen=True)
class Line:
    """What one municipality receives."""

    number: str
    units: tuple[Unit, ...]
    persons: int
    room: int
    room_after: int
    share: float  # persons / room


@dataclass(frozen=True)
class TooLarge:
    """A unit that fits in no municipality: its size is above every single room."""

    unit: Unit
    size: int
    largest_room: int


@dataclass(frozen=True)
class Missing:
    """What does not fit, computed: persons left out, how far the total room falls short
    of the persons asked, the units left, and those that fit nowhere at all."""

    persons: int
    room_short: int
    units: tuple[Unit, ...]
    too_large: tuple[TooLarge, ...]


@dataclass(frozen=True)
class Timings:
    build: float
    stage1: float
    stage2: float
    stage3: float
    steps: int  # solver runs in stage 2: LP bounds and integer feasibility checks


@dataclass(frozen=True)
class Plan:
    lines: tuple[Line, ...]
    unplaced: tuple[Unit, ...]
    persons: int
    placed: int
    max_share: float
    score: float | None
    gap: float | None  # proven relative gap of the score; 0.0 when closed
    missing: Missing | None  # None when everyone is placed
    optimal: bool  # stages 1 and 2 proven optimal
    seconds: Timings


@dataclass(frozen=True)
class Pick:
    number: str
    units: tuple[Unit, ...]
    persons: int


@dataclass(frozen=True)
class Unmet:
    """A target that cannot be met beside the met ones, and the nearest totals that can
    (None: no total on that side; a room given caps the total above)."""

    number: str
    target: int
    below: int | None
    above: int | None


@dataclass(frozen=True)
class Choice:
    picks: tuple[Pick, ...]
    unmet: tuple[Unmet, ...]
    left: tuple[Unit, ...]

    @property
    def ok(self) -> bool:
        return not self.unmet
