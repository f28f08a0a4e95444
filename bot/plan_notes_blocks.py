"""A big plan as a meeting reads it (pure): the summary (the range of shares used, who
got the most), the first rows of the table (the whole plan is a CSV file behind a
button), the municipalities with room that got nobody and why, and why a single person
went where one did. 1,200 persons over the country are about 180 rows: in full, four
code blocks of 17,000 characters; here one table of `FIRST_ROWS` rows."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from babel.numbers import format_percent

from bot.blocks import button, context_block
from bot.i18n import Safe, Texts
from capacity.domain.plan_notes import Given, Idle, Notes, Single, notes
from capacity.usecases.results import PlanLine, PlanResult

FIRST_ROWS = 15  # rows of a plan's table in the message; the file has them all
NAMES = 8  # municipalities named in a note; the rest counted
FILE_ACTION = "relocation_plan_file"

Block = dict[str, Any]


def percent(t: Texts, share: float) -> str:
    pattern = "#,##0.0%" if t.language == "en" else "#,##0.0 %"
    return format_percent(share, pattern, locale=t.language)


def _t(t: Texts, key: str, **values: Any) -> str:
    return t.text("plan_notes", key, values)


def first_rows(lines: Sequence[PlanLine]) -> Sequence[PlanLine]:
    return lines[:FIRST_ROWS]


def plan_notes(result: PlanResult) -> Notes:
    given = [Given(ln.municipality.name_no, ln.persons, ln.room) for ln in result.lines]
    idle = [Given(room.name, 0, room.remaining) for room in result.idle]
    return notes(given, idle, result.smallest)


def shares_line(found: Notes, t: Texts) -> str:
    """The range of shares used and who got the most, in a sentence."""
    named = [_t(t, "most", name=g.name, persons=t.number(g.persons)) for g in found.most]
    most = f"{', '.join(named[:-1])} {_t(t, 'and')} {named[-1]}" if len(named) > 1 else named[0]
    key = "shares" if found.low < found.high else "shares_same"
    low, high = percent(t, found.low), percent(t, found.high)
    return _t(t, key, low=low, high=high, most=Safe(most))


def rows_note(lines: Sequence[PlanLine], t: Texts) -> list[Block]:
    """When the table shows only the first rows: how many, and where the rest are."""
    if len(lines) <= FIRST_ROWS:
        return []
    return [context_block(_t(t, "rows", shown=FIRST_ROWS, count=len(lines)))]


def file_button(t: Texts, key: str | None, lines: Sequence[PlanLine]) -> list[Block]:
    """The button that posts the whole plan as a CSV file (a plan cut short only)."""
    if key is None or len(lines) <= FIRST_ROWS:
        return []
    return [button(t.plain.text("plan_notes", "file_button", {}), FILE_ACTION,
                   json.dumps({"k": key}))]  # fmt: skip


def _names(places: Sequence[Idle | Single], t: Texts) -> str:
    shown = [_t(t, "place", name=p.name, room=t.number(p.room)) for p in places[:NAMES]]
    listed = ", ".join(shown)
    if len(places) > NAMES:
        return _t(t, "more_names", names=Safe(listed), count=len(places) - NAMES)
    return listed


def why_lines(found: Notes, t: Texts, households: bool) -> list[str]:
    """Why the municipalities with room that got nobody got nobody, and why a single
    person went where one did: one sentence per reason, the places named."""
    lines = []
    high = percent(t, found.high)
    for reason in ("too_small", "over_share", "not_needed"):
        places = [idle for idle in found.idle if idle.reason == reason]
        if places:
            lines.append(_t(t, f"idle_{reason}", count=len(places), smallest=found.smallest,
                            high=high, names=Safe(_names(places, t))))  # fmt: skip
    one = _t(t, "one_household" if households else "one_person")
    for key, places in (
        ("single_cap", [s for s in found.singles if s.cap <= 1]),
        ("single_spread", [s for s in found.singles if s.cap > 1]),
    ):
        if places:
            lines.append(_t(t, key, count=len(places), names=Safe(_names(places, t)), high=high,
                            one=Safe(one)))  # fmt: skip
    return lines
