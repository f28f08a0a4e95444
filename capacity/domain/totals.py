"""Totals over municipalities, by the one definition of what is left. Pure.

Sums never count an unknown figure as 0; what is left is the reported places less every
place held (`places_left`), never below 0; reserved and settled via batches are apart.
"""

from __future__ import annotations

from collections.abc import Sequence

from capacity.domain.figures import IMDI_MEASURES, CapacityLine, Measure, Total, places_left


def totals(lines: Sequence[CapacityLine]) -> dict[str, Total]:
    """Sums that never count an unknown figure as 0: each says how many were unknown,
    and a sum of no known value is unknown (None).

    One definition of what is left, for every surface: `remaining` is the reported
    places less every place held in the municipalities that reported (reserved, and
    used by settled batches), never below 0, so that the total line adds up on its face
    ("201 ledige av 221 rapportert (20 reservert; Trondheim overbooket med 10)"): an
    overbooked municipality's persons beyond its places need places of the others.
    `reserved` counts the reservations of batches not yet settled, `settled_by_batches`
    the places settled batches use: two columns, never one."""
    result: dict[str, Total] = {}
    for measure in (*IMDI_MEASURES, Measure.SPARE):
        value = counted = unknown = missing = 0
        for line in lines:
            figure = line.figures.get(measure)
            if figure is None:
                missing += 1
            elif figure.value is None:
                unknown += 1
            else:
                value += figure.value
                counted += 1
        result[measure.value] = Total(
            value=value if counted else None, counted=counted, unknown=unknown, missing=missing
        )
    with_spare = [line for line in lines if line.spare is not None]
    result["reserved"] = Total(
        value=sum(line.reserved_open for line in lines), counted=len(lines), unknown=0, missing=0
    )
    result["settled_by_batches"] = Total(
        value=sum(line.settled for line in lines), counted=len(lines), unknown=0, missing=0
    )
    spare, held = sum(line.spare or 0 for line in with_spare), sum(ln.reserved for ln in with_spare)
    result["remaining"] = Total(
        value=places_left(spare, held) if with_spare else None,
        counted=len(with_spare),
        unknown=0,
        missing=len(lines) - len(with_spare),
    )
    overbooked = [line for line in with_spare if line.overbooked]
    result["overbooked"] = Total(
        value=sum(line.overbooked for line in overbooked),
        counted=len(overbooked),
        unknown=0,
        missing=0,
    )
    return result


def room_left(lines: Sequence[CapacityLine]) -> int:
    """The places left in the municipalities that have any (each one's `remaining`):
    what the total's `remaining` is before the overbooked ones' persons are placed."""
    return sum(line.remaining or 0 for line in lines)
