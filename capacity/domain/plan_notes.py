"""Why a plan did what it did, said for a meeting (pure: no SQL, no I/O, no texts).

The planner places the most persons, then keeps the highest share of room used as low
as it can: at that share `h`, a municipality with `r` places takes at most `⌊h × r⌋`
persons, households whole (`capacity.planner.placement`). So a municipality with room
gets nobody when even the smallest household would use more than `h` of its places, or
when its room is smaller than that household; otherwise the others took everyone
within the same share. And a single person goes where `⌊h × r⌋` is 1 and a household of
one (or a person without a known household) fits there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

MOST = 3  # municipalities named as getting the most
EPSILON = 1e-9  # a share computed as a float, compared as the planner's integers


@dataclass(frozen=True)
class Given:
    """What the plan gives one municipality (or, with 0 persons, leaves it)."""

    name: str
    persons: int
    room: int


@dataclass(frozen=True)
class Idle:
    """A municipality with room that gets nobody, and why: its room is smaller than the
    smallest household (`too_small`), the smallest household would use more of it than
    the plan's highest share (`over_share`, with the share it would use), or everyone
    was placed elsewhere within the same share (`not_needed`)."""

    name: str
    room: int
    reason: str
    share: float


@dataclass(frozen=True)
class Single:
    """A municipality that gets one person: `cap` is what the highest share allows there
    (1: that is why; more: the others took the rest)."""

    name: str
    room: int
    cap: int


@dataclass(frozen=True)
class Notes:
    low: float  # the lowest share of room a municipality given persons uses
    high: float  # the highest: the plan's
    most: tuple[Given, ...]  # those given the most persons, most first
    idle: tuple[Idle, ...]
    singles: tuple[Single, ...]
    smallest: int  # persons in the smallest household placed


def cap(room: int, high: float) -> int:
    """The persons a municipality with `room` places takes at most at share `high`."""
    return math.floor(high * room + EPSILON)


def notes(given: Sequence[Given], idle: Sequence[Given], smallest: int) -> Notes:
    """The plan's shares, who got the most, and why those with room got nobody and why
    a single person went where one did. `idle`: the municipalities with room given no
    one; `smallest`: persons in the smallest household the plan had to place."""
    shares = [line.persons / line.room for line in given if line.room > 0]
    high = max(shares, default=0.0)
    low = min(shares, default=0.0)
    most = tuple(sorted(given, key=lambda line: (-line.persons, line.name))[:MOST])
    reasons = []
    for place in sorted(idle, key=lambda found: (-found.room, found.name)):
        share = smallest / place.room if place.room > 0 else math.inf
        if place.room < smallest:
            reason = "too_small"
        elif cap(place.room, high) < smallest:
            reason = "over_share"
        else:
            reason = "not_needed"
        reasons.append(Idle(place.name, place.room, reason, share))
    singles = tuple(
        Single(line.name, line.room, cap(line.room, high))
        for line in sorted(given, key=lambda found: (found.room, found.name))
        if line.persons == 1
    )
    return Notes(low, high, most, tuple(reasons), singles, smallest)
