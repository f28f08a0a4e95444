"""When something the bot does by itself is due, Norwegian time: the weekly summary
(`CAPACITY_SUMMARY_AT`, a weekday and a time) and the scheduled backups
(`CAPACITY_BACKUP_AT`, a time alone for every day, or a weekday and a time for once a
week). One reader for both, so that `søn 03:00` means the same wherever it is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from capacity.domain.rules import OSLO

DAYS = {
    0: ("mon", "monday", "man", "mandag", "måndag"),
    1: ("tue", "tuesday", "tir", "tirsdag", "tys", "tysdag"),
    2: ("wed", "wednesday", "ons", "onsdag"),
    3: ("thu", "thursday", "tor", "torsdag"),
    4: ("fri", "friday", "fre", "fredag"),
    5: ("sat", "saturday", "lør", "lørdag", "lau", "laurdag"),
    6: ("sun", "sunday", "søn", "søndag", "sundag"),
}
_DAY = {word: day for day, words in DAYS.items() for word in words}
OFF = ("off", "none", "av", "nei", "no")
_CLOCK = re.compile(r"([0-9]{1,2})[:.]([0-9]{2})")


@dataclass(frozen=True)
class At:
    """A time of day, Norwegian time, on one weekday (0 Monday) or, with `weekday`
    None, on every day."""

    weekday: int | None
    hour: int
    minute: int

    def __str__(self) -> str:
        clock = f"{self.hour:02d}:{self.minute:02d}"
        return clock if self.weekday is None else f"{DAYS[self.weekday][0]} {clock}"

    @property
    def period(self) -> timedelta:
        return timedelta(days=1 if self.weekday is None else 7)

    def _on(self, day: datetime) -> datetime:
        """This time on the local date of `day` (a time a clock change skips is the
        moment after the gap, one it repeats the first of the two)."""
        local = datetime.combine(day.date(), time(self.hour, self.minute), tzinfo=OSLO)
        return local.astimezone(UTC).astimezone(OSLO)

    def latest(self, now: datetime) -> datetime:
        """The latest moment this time came, at or before `now` (in UTC)."""
        local = now.astimezone(OSLO)
        back = 0 if self.weekday is None else (local.weekday() - self.weekday) % 7
        moment = self._on(local - timedelta(days=back))
        if moment > local:
            moment = self._on(local - timedelta(days=back) - self.period)
        return moment.astimezone(UTC)

    def following(self, now: datetime) -> datetime:
        """The first moment this time comes after `now` (in UTC)."""
        latest = self.latest(now).astimezone(OSLO)
        return self._on(latest + self.period).astimezone(UTC)

    def due(self, now: datetime) -> bool:
        """Whether this week's moment (every day: today's) has come, Norwegian time."""
        local = now.astimezone(OSLO)
        if self.weekday is None:
            return local >= self._on(local)
        start = local - timedelta(days=local.weekday())
        return local >= self._on(start + timedelta(days=self.weekday))


def parse_at(text: str, *, daily: bool, example: str, off: str) -> At | None:
    """`mon 08:00`, `fredag 14.30`, `sun 7:05`, and, when `daily`, `03:00` alone (every
    day); one of `OFF` for never (None). Raises ValueError saying what is accepted:
    `example` (like 'mon 08:00') and what `off` turns off."""
    words = text.strip().lower().split()
    if len(words) == 1 and words[0] in OFF:
        return None
    if daily and len(words) == 1:
        words = ["", words[0]]
    clock = _CLOCK.fullmatch(words[1]) if len(words) == 2 else None
    day = (None if words[0] == "" else _DAY.get(words[0], -1)) if words else -1
    if day == -1 or clock is None or int(clock[1]) > 23 or int(clock[2]) > 59:
        what = "a time, or a weekday and a time" if daily else "a weekday and a time"
        raise ValueError(
            f"{text!r} is not {what}: write it like {example} (a day mon–sun or man–søn, "
            f"a time 00:00–23:59, Norwegian time), or 'off' for {off}"
        )
    return At(day, int(clock[1]), int(clock[2]))
