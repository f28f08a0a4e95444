"""Households whole into the rooms left: the largest-first packing used by `--auto`.

Pure. (To be replaced by the integer-programming planner in `placement.py`.)
"""

from __future__ import annotations

from capacity.models import Batch, Room


def pack(
    households: tuple[int, ...], room: dict[str, int], proportional: bool
) -> tuple[dict[str, list[int]], dict[str, int]] | None:
    """Households whole, largest first: where the largest share of room is left (spread
    in proportion to what each municipality offered), or where it fits tightest."""
    left = dict(room)
    placed: dict[str, list[int]] = {number: [] for number in left}
    for size in households:
        fits = [n for n in left if left[n] >= size]
        if not fits:
            return None
        if proportional:
            number = max(fits, key=lambda n: (left[n] / room[n], left[n], n))
        else:
            number = min(fits, key=lambda n: (left[n] - size, n))
        placed[number].append(size)
        left[number] -= size
    return placed, left


def distribute(batch: Batch, rooms: list[Room]) -> list[tuple[str, int, tuple[int, ...]]] | None:
    """Households whole and persons without a household in proportion to the room left;
    None when the households cannot be packed whole. The caller has checked that the
    batch's persons fit the total room."""
    room = {r.number: r.remaining for r in rooms}
    packed = pack(batch.unplaced_households, room, proportional=True) or pack(
        batch.unplaced_households, room, proportional=False
    )
    if packed is None:
        return None
    placed, left = packed
    singles = batch.unallocated - sum(batch.unplaced_households)
    extra: dict[str, int] = dict.fromkeys(left, 0)
    total_room = sum(max(v, 0) for v in left.values())
    if singles and total_room:
        for number in left:
            extra[number] = min(left[number], singles * max(left[number], 0) // total_room)
        short = singles - sum(extra.values())
        for number in sorted(left, key=lambda n: -(left[n] - extra[n])):
            if short <= 0:
                break
            take = min(short, left[number] - extra[number])
            extra[number] += take
            short -= take
    plan = []
    for number in left:
        persons = sum(placed[number]) + extra[number]
        if persons:
            plan.append((number, persons, tuple(placed[number])))
    return plan
