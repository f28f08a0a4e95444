"""Snapshots of IMDi's figures: the rules for the date a download is recorded as. Pure.

A snapshot records IMDi's figures as they stood on a day: its history records are dated
the end of that day, Norwegian time (a snapshot of today: now, so that nothing in the
history is dated after the moment it was written). The day is given, or read from the
file's name as IMDi names its downloads (`…_2023-09-25.csv`). It cannot be in the future,
and it falls in the file's year: the newest year with settled figures in it.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

from capacity import errors
from capacity.domain.clock import iso
from capacity.domain.figures import Model
from capacity.domain.rules import OSLO

_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_NORWEGIAN_DAY = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_IN_NAME = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


class Snapshot(Model):
    """One import of a snapshot: its day, the year it is about (the file's newest year
    with settled figures), the file, and when and by whom it was imported."""

    day: date
    year: int
    name: str
    digest: str
    source: str
    recorded_at: str  # the history's time of its records (UTC ISO)
    imported_at: str
    actor: str  # the id of who imported it
    replaced: bool = False
    years: tuple[int, ...] = ()  # the years of figures its file held (after --years)

    def record(self, changed: int) -> dict[str, object]:
        """What the history keeps of it (entity "snapshot", key its day, at the import's
        time, with its actor and source): enough to make its register row again."""
        return {
            "name": self.name,
            "digest": self.digest,
            "year": self.year,
            "recorded_at": self.recorded_at,
            "years": list(self.years),
            "replaced": self.replaced,
            "changed": changed,
        }

    @classmethod
    def of_record(
        cls, day: str, at: str, actor: str, source: str, after: dict[str, object]
    ) -> Snapshot:
        return cls(
            day=date.fromisoformat(day),
            source=source,
            imported_at=at,
            actor=actor,
            **{k: v for k, v in after.items() if k != "changed"},  # type: ignore[arg-type]
        )


def parse_day(text: str) -> date:
    """`2023-09-25` or `25.09.2023`; anything else is refused, naming the forms."""
    value = text.strip()
    found = _ISO_DAY.match(value)
    parts = (found[1], found[2], found[3]) if found else None
    if parts is None and (found := _NORWEGIAN_DAY.match(value)):
        parts = (found[3], found[2], found[1])
    try:
        if parts is None:
            raise ValueError(value)
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        raise errors.InvalidInput("snapshot_date", field="as_of", value=value) from None


def day_in_name(name: str) -> date | None:
    """The date IMDi puts in a download's name (`…_2023-09-25.csv`), if there is one."""
    found = _IN_NAME.search(name)
    if found is None:
        return None
    try:
        return date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        return None


def end_of_day(day: date) -> datetime:
    """The last moment of `day`, Norwegian time."""
    return datetime.combine(day, time.max, tzinfo=OSLO)


def recorded_at(day: date, now: datetime) -> str:
    """The history's time for a snapshot of `day`: the end of that day, Norwegian time,
    or now when the day is today (nothing is dated after it was written)."""
    return iso(min(end_of_day(day), now))


def check_day(day: date, year: int | None, now: datetime, name: str) -> date:
    """A snapshot's day must have come, and fall in the file's year."""
    today = now.astimezone(OSLO).date()
    if day > today:
        raise errors.InvalidInput(
            "snapshot_future", field="as_of", day=day.isoformat(), today=today.isoformat()
        )
    if year is None:
        raise errors.InvalidInput("snapshot_no_settled", field="path", name=name)
    if day.year != year:
        raise errors.InvalidInput(
            "snapshot_year", field="as_of", day=day.isoformat(), year=year, name=name
        )
    return day
