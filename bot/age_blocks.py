"""How old the reported figures an answer shows are (pure): "(45 dager gammelt)" beside
a figure, marked old past CAPACITY_STALE_DAYS, and how many of an overview's figures are
old. Kept apart from `capacity_blocks` so that the answers only call it."""

from __future__ import annotations

from datetime import datetime

from bot.i18n import Texts
from capacity.domain.freshness import age_days, is_stale, stale
from capacity.models import CapacityLine, Figure


def age_text(report: Figure, t: Texts, now: datetime, stale_days: int) -> str:
    """ "(45 dager gammelt)", or marked old past `stale_days`."""
    key = "age_old" if is_stale(report, now, stale_days) else "age"
    days = age_days(report, now)
    return t.text("rounds", key, {"count": days, "days": t.number(days)})


def stale_note(lines: list[CapacityLine], t: Texts, now: datetime, stale_days: int) -> str:
    """How many of an overview's reported figures are old, and which."""
    old = [(line.municipality.name_no, days) for line, days in stale(lines, now, stale_days)]
    reported = sum(1 for line in lines if line.spare is not None)
    return old_note(old, reported, t, stale_days)


def old_note(old: list[tuple[str, int]], reported: int, t: Texts, stale_days: int) -> str:
    """ "6 av 7 rapporterte tall er eldre enn 60 dager: Bergen (2 283), …" from the old
    figures' places and ages (oldest first), of `reported` figures; "" when none is old."""
    if not old:
        return ""
    shown = ", ".join(f"{name} ({t.number(days)})" for name, days in old[:8])
    more = len(old) - 8
    if more > 0:
        shown += t.text("rounds", "more", {"count": t.number(more)})
    return t.text(
        "rounds",
        "stale_note",
        {"count": len(old), "total": t.number(reported), "days": stale_days, "names": shown},
    )
