"""The sentences every surface uses to say what is left: a total line that adds up on
its face ("201 ledige av 221 rapportert (20 reservert; Trondheim overbooket med 10)"),
a municipality's places held ("20 reservert, 15 bosatt via grupper"), and the note
that explains an overbooked total. One builder, for Slack (mrkdwn) and the terminal
(plain), from the domain's totals (`capacity.domain.rules.totals`): the numbers are
never summed again here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from capacity.models import CapacityLine, Total
from capacity.texts.i18n import Catalogue, Safe

TABLE = "surfaces"
NAMED_OVERBOOKED = 3  # overbooked municipalities named in a total line; the rest counted


def text(t: Catalogue, key: str, **values: Any) -> str:
    """A text of this feature's table (`[surfaces]` in each catalogue)."""
    return t.text(TABLE, key, values)


def held(t: Catalogue, reserved: int, settled: int) -> str:
    """The places held: "20 reservert", and "15 bosatt via grupper" when any."""
    parts = [text(t, "reserved", count=t.number(reserved))]
    if settled:
        parts.append(text(t, "settled", count=t.number(settled)))
    return Safe(", ".join(parts)) if t.markup == "mrkdwn" else ", ".join(parts)


def overbooked_of(lines: Sequence[CapacityLine]) -> list[tuple[str, int]]:
    """(name, by how many) of the overbooked municipalities among `lines`."""
    return [(line.municipality.name_no, line.overbooked) for line in lines if line.overbooked]


def overbooked_places(t: Catalogue, overbooked: Sequence[tuple[str, int]]) -> str:
    """ "Trondheim overbooket med 10", the most overbooked few named and the rest
    counted ("" if none)."""
    over = sorted(overbooked, key=lambda item: (-item[1], item[0]))
    parts = [
        text(t, "overbooked", name=name, count=t.number(count))
        for name, count in over[:NAMED_OVERBOOKED]
    ]
    if len(over) > NAMED_OVERBOOKED:
        parts.append(text(t, "more_overbooked", count=t.number(len(over) - NAMED_OVERBOOKED)))
    return ", ".join(parts)


def total_line(
    t: Catalogue,
    totals: dict[str, Total],
    overbooked: Sequence[tuple[str, int]],
    year: int,
    label: str,
) -> str:
    """The total as one line: what is left of what was reported, and what holds the
    rest (reserved, settled via batches; who is overbooked: `overbooked_of(lines)`).
    With nothing reported for the year it says so, never "0 ledige"."""
    remaining = totals["remaining"]
    if remaining.value is None:
        return text(t, "total_none", label=label, year=year)
    details = held(t, totals["reserved"].value or 0, totals["settled_by_batches"].value or 0)
    over = overbooked_places(t, overbooked)
    if over:
        details = f"{details}; {over}"
    return text(
        t,
        "total",
        label=label,
        remaining=t.number(remaining.value),
        spare=t.number(totals["spare"].value),
        details=Safe(details),
    )


def room_note(t: Catalogue, totals: dict[str, Total], room: int) -> str:
    """Why the total is less than the places left in the municipalities with room
    (`room`: `rules.room_left(lines)`), when some are overbooked ("" when none is)."""
    over = totals["overbooked"].value or 0
    if not over:
        return ""
    return text(t, "room_note", room=t.number(room), over=t.number(over))


def room(t: Catalogue, remaining: int | None, year: int) -> str:
    """What remains in a scope: a number, or that no spare places are reported for the
    year (never "0")."""
    if remaining is None:
        found = text(t, "batch_room_none", year=year)
        return Safe(found) if t.markup == "mrkdwn" else found
    return t.number(remaining)


def remaining_now(t: Catalogue, line: CapacityLine) -> str:
    """A municipality's places left as a value: "95", or "0, overbooket med 10"."""
    if line.overbooked:
        return text(t, "now_overbooked", over=t.number(line.overbooked))
    return t.number(line.remaining)


def week(t: Catalogue, key: str) -> str:
    """An ISO week as people say it: "2026-W50" is "uke 50, 2026"."""
    year, _, number = key.partition("-W")
    if not (year.isdigit() and number.isdigit()):
        return key
    return text(t, "week", week=int(number), year=year)


def role(t: Catalogue, name: str) -> str:
    """A role as the language names it: `editor` is "redaktør" in Norwegian."""
    return t.entries[TABLE]["role"].get(str(name), str(name))


def named(t: Catalogue, line: CapacityLine) -> str:
    """Why the answer is about another municipality than the one named: the name or
    number typed is of another structure (Haram, 1580 from 2024, was part of Ålesund,
    1507, in 2020; Tromsø's 5501 is its 2024 number, 5401 before)."""
    named, found = line.named, line.municipality
    assert named is not None
    values = {
        "named": named.name_no,
        "named_number": named.number,
        "found": found.name_no,
        "number": found.number,
        "structure": named.structure,
        "year": line.year,
    }
    if line.split:
        return text(t, "named_split", **values)
    key = "named_renumbered" if named.name_no == found.name_no else "named_renamed"
    return text(t, key, **values)
