"""Scheduled backups, as rules: which backups a retention keeps (`CAPACITY_BACKUP_KEEP`,
by default the newest of each of the last 7 days and of the last 4 weeks that have one).
What the last backup says of itself and the alert a failed one raises are in
`backup_events` (which `events.py` names without importing the rules).

A backup that fails its check is never what a period keeps, nor does it count a period:
a sound backup is never pruned in favour of a damaged one. Days and weeks are Norwegian
days and ISO weeks. Only days and weeks that have a backup
count, as restic's `--keep-daily` counts them: a week without backups (the disk full,
the bot stopped) never makes the retention delete the older ones it would have kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from capacity.domain.rules import OSLO

T = TypeVar("T")

DEFAULT_KEEP = "7d 4w"
ALL = ("all", "alle")
_DAILY = ("d", "day", "days", "daily", "dag", "dager", "dagar", "daglig", "daglege", "daglige")
_WEEKLY = ("w", "week", "weeks", "weekly", "u", "uke", "uker", "veke", "veker", "ukentlig",
           "ukentlige", "vekentleg", "vekentlege")  # fmt: skip
_PART = re.compile(r"([0-9]{1,4})\s*([a-zæøå]+)")
_GLUE = re.compile(r"(,|\band\b|\bog\b)")


@dataclass(frozen=True)
class Keep:
    """How many backups a retention keeps: the newest of each of the last `daily` days
    and of the last `weekly` ISO weeks that have a backup (one backup may be both)."""

    daily: int
    weekly: int

    def __str__(self) -> str:
        return f"{self.daily} daily and {self.weekly} weekly"


def parse_keep(text: str) -> Keep | None:
    """`7d 4w`, `7 daily, 4 weekly`, `14 dager og 8 uker`, `3d`; `all` keeps every backup
    (None). Raises ValueError saying what is accepted."""
    words = _GLUE.sub(" ", text.strip().lower())
    if words.strip() in ALL:
        return None
    found = {"daily": 0, "weekly": 0}
    rest = _PART.sub(lambda m: _count(m, found), words)
    if rest.strip() or found == {"daily": 0, "weekly": 0}:
        raise ValueError(
            f"{text!r} is not a retention: write it like '7d 4w' (the newest backup of each "
            "of the last 7 days and of the last 4 weeks; '7 daily, 4 weekly' too), at "
            "least one backup in all, or 'all' to delete none"
        )
    return Keep(found["daily"], found["weekly"])


def _count(match: re.Match[str], found: dict[str, int]) -> str:
    unit = "daily" if match[2] in _DAILY else "weekly" if match[2] in _WEEKLY else None
    if unit is None:
        return match[0]  # left over: refused
    found[unit] += int(match[1])
    return " "


def day_of(moment: datetime) -> tuple[int, int, int]:
    local = moment.astimezone(OSLO)
    return (local.year, local.month, local.day)


def week_of(moment: datetime) -> tuple[int, int]:
    year, week, _ = moment.astimezone(OSLO).isocalendar()
    return (year, week)


def kept(
    items: Sequence[T],
    moment: Callable[[T], datetime],
    keep: Keep | None,
    sound: Callable[[T], bool] = lambda item: True,
) -> list[T]:
    """The items (backups) the retention keeps, newest first: of each of the last
    `keep.daily` days that have one, the newest, and the same of the last `keep.weekly`
    weeks. Every item when `keep` is None. Only a `sound` item (a backup that passes the
    check a restore makes) is kept for its period, and only those count a period: a
    damaged backup never stands for its day in place of a sound one of the same day,
    nor pushes an older sound one out of the days kept. `sound` is asked only of the
    items that could be kept, newest first (checking a backup takes a while)."""
    ordered = sorted(items, key=moment, reverse=True)
    if keep is None:
        return ordered
    chosen: set[int] = set()
    verdicts: dict[int, bool] = {}
    for count, bucket in ((keep.daily, day_of), (keep.weekly, week_of)):
        seen: list[Hashable] = []
        for index, item in enumerate(ordered):
            period = bucket(moment(item))
            if period in seen:
                continue
            if len(seen) >= count:
                break
            if index not in verdicts:
                verdicts[index] = sound(item)
            if not verdicts[index]:
                continue
            seen.append(period)
            chosen.add(index)
    return [item for index, item in enumerate(ordered) if index in chosen]
