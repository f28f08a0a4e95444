"""How old a reported figure is: from the date its source gives ("2020-09": the KS
letter names a month, taken as its first day), else from when it was recorded. A figure
older than the limit (CAPACITY_STALE_DAYS, 60 days by default) is old; a round's answer
makes its municipality's figure current again."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from capacity.domain.figures import CapacityLine, Figure
from capacity.domain.rules import OSLO

DEFAULT_STALE_DAYS = 60


def figure_day(figure: Figure) -> date:
    """The day a figure is from, Norwegian time."""
    if figure.source_date:
        parts = [int(p) for p in figure.source_date.split("-")]
        return date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    return figure.changed_at.astimezone(OSLO).date()


def age_days(figure: Figure, now: datetime) -> int:
    """Whole days since the figure's day (0: today)."""
    return max(0, (now.astimezone(OSLO).date() - figure_day(figure)).days)


def is_stale(figure: Figure, now: datetime, days: int = DEFAULT_STALE_DAYS) -> bool:
    return age_days(figure, now) > days


def stale(
    lines: Iterable[CapacityLine], now: datetime, days: int = DEFAULT_STALE_DAYS
) -> list[tuple[CapacityLine, int]]:
    """The lines whose reported spare places are old, with their age in days, oldest first."""
    found = [
        (line, age_days(report, now))
        for line in lines
        if (report := line.spare_report) is not None
        and report.value is not None
        and is_stale(report, now, days)
    ]
    return sorted(found, key=lambda item: (-item[1], item[0].municipality.name_no))
