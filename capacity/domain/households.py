"""Households as they move: a *unit* is one household, or linked households (relatives
who must live in the same municipality, written ``4+3``) that go to one place together.
Pure: no SQL, no I/O.

A batch's households are kept as units, each a tuple of household sizes, largest first
(``(4, 3)``; a household alone is ``(5,)``). Input may mix sizes and linked tuples
(``(5, (4, 3), 6)``): `as_units` gives the canonical form every check compares.
Persons of a batch without a known household are units of one person.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from capacity import errors

Unit = tuple[int, ...]
Households = Sequence[int | Sequence[int]]
"""Household sizes as given: a size, or a sequence of linked sizes."""

MAX_HOUSEHOLD = 100_000


def _size(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_HOUSEHOLD:
        raise errors.InvalidInput(
            "count_range", field="household_size", value=value, minimum=1, maximum=MAX_HOUSEHOLD
        )
    return value


def parse(text: str, limit: int = 10_000) -> tuple[int | tuple[int, ...], ...] | None:
    """ "5,4+3,6" → (5, (4, 3), 6), as coordinators write households (`+` links them);
    None when it is not such a list, or holds more than `limit` households."""
    text = re.sub(r"\s*\+\s*", "+", text.strip())
    parts = [p for p in re.split(r"[,\s;]+", text) if p]
    if not parts or sum(p.count("+") + 1 for p in parts) > limit:
        return None
    if not all(re.fullmatch(r"[0-9]{1,5}(\+[0-9]{1,5})*", p) for p in parts):
        return None
    return tuple(
        int(p) if "+" not in p else tuple(int(size) for size in p.split("+")) for p in parts
    )


def unit_of(value: int | Iterable[int]) -> Unit:
    """One household or linked households, checked, largest first."""
    if isinstance(value, int):
        return (_size(value),)
    sizes = tuple(_size(size) for size in value)
    if not sizes:
        raise errors.InvalidInput("text_empty", field="households")
    return tuple(sorted(sizes, reverse=True))


def as_units(households: Households) -> tuple[Unit, ...]:
    """Every household as a unit, in the order given."""
    return tuple(unit_of(value) for value in households)


def flat(units: Iterable[Unit]) -> tuple[int, ...]:
    """The household sizes of units, in order (linked ones one after the other)."""
    return tuple(size for unit in units for size in unit)


def persons(units: Iterable[Unit]) -> int:
    return sum(sum(unit) for unit in units)


def linked(units: Iterable[Unit]) -> bool:
    return any(len(unit) > 1 for unit in units)


def text(units: Iterable[Unit]) -> str:
    """``5,4+3,6``: how coordinators write them."""
    return ",".join("+".join(map(str, unit)) for unit in units)


def largest_first(units: Iterable[Unit]) -> tuple[Unit, ...]:
    return tuple(sorted(units, key=lambda unit: (-sum(unit), -len(unit), unit)))


def left_after(units: Iterable[Unit], placed: Iterable[Unit]) -> tuple[Unit, ...]:
    """The units not placed yet (largest first): `units` less `placed`, as multisets."""
    left = Counter(units) - Counter(placed)
    return largest_first(left.elements())


def take(requested: Sequence[Unit], unplaced: Sequence[Unit]) -> tuple[Unit, ...]:
    """Check that every requested unit is one the batch still has, and return what is
    left. A household named alone that is linked to others is refused with the link, so
    that linked households are never split."""
    pool = Counter(unplaced)
    for unit in requested:
        if pool[unit] > 0:
            pool[unit] -= 1
            continue
        inside = Counter(unit)
        whole = next((u for u in pool if pool[u] and inside < Counter(u)), None)
        if whole is not None:
            raise errors.InvalidInput(
                "linked", field="households", size=text([unit]), unit=text([whole])
            )
        raise errors.InvalidInput("no_household", field="households", size=text([unit]))
    return largest_first(pool.elements())


SAID_AS_TYPED = 10
"""Households a sentence lists as typed; more are counted by size (`said`)."""


def by_size(units: Iterable[Unit]) -> list[tuple[int, Unit]]:
    """(how many, the unit) for each kind of household, largest first."""
    counts = Counter(units)
    return [(counts[unit], unit) for unit in largest_first(counts)]


def said(units: Iterable[Unit]) -> str:
    """Households as an answer says them: a few as typed (``5,4+3,6``), many counted by
    size, largest first (``29 × 7, 37 × 6, 2 × 4+3``), so that 300 households read as a
    line, not as 300 numbers."""
    units = tuple(units)
    if len(units) <= SAID_AS_TYPED:
        return text(units)
    return ", ".join(f"{count} × {'+'.join(map(str, unit))}" for count, unit in by_size(units))
