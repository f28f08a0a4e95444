"""Pace through the year: where settlement stands against the decision at a snapshot of
IMDi's figures. Pure: dates and counts in, a model out.

- The straight line runs from 0 on 1 January to the decision at the end of 31 December:
  at the end of 25 September (day 268 of 365) a decision of 730 is at 536.
- The pace between two snapshots is the change in settled over the days between them,
  written per month (a twelfth of the year's days).
- With three snapshots or more, the projection keeps the slowest and the fastest of
  those paces up to 31 December from the latest figure: a range, never a promise.
- A year that is over is settled against decision, as a share.
- Unknown stays unknown: no decision, or IMDi's `:` for settled, is counted apart and
  named, never 0 or 0 %.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from datetime import date
from fractions import Fraction
from typing import Literal

from capacity.domain.figures import Model

COMPARE_WITHIN = 14  # days: last year's snapshot nearest the same date, at most this far
MONTHS = 12

Problem = Literal["", "no_decision", "unknown_settled"]


def year_length(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def day_of_year(day: date) -> int:
    """Days of the year passed at the end of `day`: 25 September 2023 is day 268."""
    return day.timetuple().tm_yday


def whole(value: Fraction) -> int:
    """To the nearest whole number, halves up (536.5 is 537), exactly."""
    return ratio(value.numerator, value.denominator)


def ratio(numerator: int, denominator: int) -> int:
    """`numerator / denominator` (denominator > 0) to the nearest whole number, halves
    up, in integers: floor(n/d + 1/2) = floor((2n + d) / 2d)."""
    return (2 * numerator + denominator) // (2 * denominator)


def percent(part: int, of: int) -> int:
    """A share in whole per cent: 476 of 730 is 65."""
    return ratio(100 * part, of)


class Point(Model):
    """A snapshot's figures of one municipality (or a sum over several): None is unknown
    (IMDi's `:`) or no figure at all, never 0."""

    day: date
    settled: int | None = None
    decision: int | None = None


class Interval(Model):
    """The change in settled between two snapshots (over the municipalities known at
    both, for a sum), and its pace a month."""

    start: date
    end: date
    delta: int
    per_month: float  # exact pace, rounded only when shown

    @property
    def days(self) -> int:
        return (self.end - self.start).days


class Projection(Model):
    """Where the year ends if the slowest or the fastest pace between snapshots holds up
    to 31 December (a pace below 0, a correction, counts as 0)."""

    slowest: float  # a month
    fastest: float
    low: int
    high: int
    intervals: int  # how many paces it was made from


class Comparison(Model):
    """Last year at its snapshot nearest the same date (within two weeks)."""

    day: date
    settled: int
    decision: int
    line: int
    share: int  # per cent of the decision

    @property
    def ahead(self) -> int:
        return self.settled - self.line


class Pace(Model):
    """Settled against the decision for one municipality, or a sum over a scope, at the
    year's latest snapshot (`day`); for a year that is over (`over`), the year's result."""

    year: int
    day: date | None  # the latest snapshot; None: no snapshot of the year
    over: bool = False
    settled: int | None = None
    decision: int | None = None
    problem: Problem = ""
    length: int = 365  # days in the year
    elapsed: int = 0  # days of it passed at the end of `day`
    line: int | None = None  # the straight line's value at the end of `day`
    needed: int | None = None  # a month, to reach the decision by 31 December
    intervals: tuple[Interval, ...] = ()
    projection: Projection | None = None
    last_year: Comparison | None = None
    snapshots: int = 0  # the year's snapshots up to `day`

    @property
    def counted(self) -> bool:
        return self.problem == "" and self.settled is not None and self.decision is not None

    @property
    def share(self) -> int | None:
        """Settled as a share of the decision, in whole per cent."""
        if not self.counted:
            return None
        return percent(self.settled, self.decision)  # type: ignore[arg-type]

    @property
    def year_share(self) -> int:
        return percent(self.elapsed, self.length)

    @property
    def ahead(self) -> int | None:
        """Persons ahead of the straight line (below 0: behind)."""
        if not self.counted or self.line is None:
            return None
        return self.settled - self.line  # type: ignore[operator]

    @property
    def left(self) -> int | None:
        """Persons still to settle to reach the decision (0 once reached)."""
        if not self.counted:
            return None
        return max(0, self.decision - self.settled)  # type: ignore[operator]

    @property
    def latest(self) -> Interval | None:
        return self.intervals[-1] if self.intervals else None


def problem_of(settled: int | None, decision: int | None) -> Problem:
    """Why a municipality is counted apart: no decision (none, IMDi's `:`, or 0) first,
    then an unknown settled figure."""
    if not decision:
        return "no_decision"
    if settled is None:
        return "unknown_settled"
    return ""


def line_at(decision: int, day: date) -> int:
    """The straight line from 0 on 1 January to `decision` at the end of 31 December,
    at the end of `day`: 730 at 25 September 2023 is 536."""
    return ratio(decision * day_of_year(day), year_length(day.year))


def per_month(delta: int, days: int, year: int) -> tuple[int, int]:
    """A change over `days` a month (a twelfth of the year), as a fraction (n, d)."""
    return delta * year_length(year), MONTHS * days


def needed(settled: int, decision: int, day: date) -> int | None:
    """The pace a month that reaches the decision by the end of 31 December (0 when it
    is reached; None when the year has no days left)."""
    left_days = year_length(day.year) - day_of_year(day)
    if settled >= decision:
        return 0
    if left_days <= 0:
        return None
    return ratio(*per_month(decision - settled, left_days, day.year))


def intervals(points: Sequence[Point]) -> tuple[Interval, ...]:
    """The change between each snapshot and the next, where settled is known at both."""
    found = []
    for first, second in zip(points, points[1:], strict=False):
        if first.settled is None or second.settled is None or second.day <= first.day:
            continue
        found.append(interval(first.day, second.day, second.settled - first.settled))
    return tuple(found)


def interval(start: date, end: date, delta: int) -> Interval:
    numerator, denominator = per_month(delta, (end - start).days, end.year)
    return Interval(start=start, end=end, delta=delta, per_month=numerator / denominator)


def projection(settled: int, day: date, paces: Sequence[Interval]) -> Projection | None:
    """The year's end if the slowest or the fastest pace holds: from two paces (three
    snapshots) on; a pace below 0 (a correction) counts as 0."""
    if len(paces) < 2:
        return None
    left_days = year_length(day.year) - day_of_year(day)
    # the slowest and the fastest found in floats, then taken exactly
    slowest = min(paces, key=lambda p: max(0, p.delta) / p.days)
    fastest = max(paces, key=lambda p: max(0, p.delta) / p.days)
    slow = Fraction(max(0, slowest.delta), slowest.days)
    fast = Fraction(max(0, fastest.delta), fastest.days)
    month = Fraction(year_length(day.year), MONTHS)
    return Projection(
        slowest=float(slow * month),
        fastest=float(fast * month),
        low=settled + whole(slow * left_days),
        high=settled + whole(fast * left_days),
        intervals=len(paces),
    )


def same_day_last_year(day: date) -> date:
    """29 February has no match: 28 February."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def nearest(day: date, candidates: Iterable[date]) -> date | None:
    """Last year's snapshot date nearest `day` a year earlier, within two weeks (the
    earlier one when two are as near)."""
    target = same_day_last_year(day)
    near = [d for d in candidates if abs((d - target).days) <= COMPARE_WITHIN]
    return min(near, key=lambda d: (abs((d - target).days), d), default=None)


def comparison(day: date, last_year: Sequence[Point]) -> Comparison | None:
    """Last year's figures at its snapshot nearest the same date, when known."""
    found = nearest(day, [p.day for p in last_year])
    if found is None:
        return None
    point = next(p for p in last_year if p.day == found)
    if problem_of(point.settled, point.decision):
        return None
    settled, decision = point.settled or 0, point.decision or 0
    return Comparison(
        day=found,
        settled=settled,
        decision=decision,
        line=line_at(decision, found),
        share=percent(settled, decision),
    )


def pace(
    year: int,
    points: Sequence[Point],
    *,
    over: Point | None = None,
    paces: Sequence[Interval] | None = None,
    last_year: Sequence[Point] = (),
) -> Pace:
    """The pace of `year` at its latest snapshot (`points` in date order, all in the
    year). `over`: the year is over, and these are its figures. `paces`: the changes
    between snapshots when they are summed elsewhere (a scope's), else from `points`."""
    length = year_length(year)
    if over is not None:
        problem = problem_of(over.settled, over.decision)
        return Pace(
            year=year,
            day=over.day,
            over=True,
            settled=over.settled,
            decision=over.decision,
            problem=problem,
            length=length,
            elapsed=length,
            line=None if problem else over.decision,  # the line's end: the decision
            needed=None,
            snapshots=len(points),
        )
    if not points:
        return Pace(year=year, day=None, length=length)
    latest = points[-1]
    day = latest.day
    problem = problem_of(latest.settled, latest.decision)
    found = tuple(paces) if paces is not None else intervals(points)
    base = Pace(
        year=year,
        day=day,
        settled=latest.settled,
        decision=latest.decision,
        problem=problem,
        length=length,
        elapsed=day_of_year(day),
        intervals=found,
        snapshots=len(points),
        last_year=comparison(day, last_year),
    )
    if problem:
        return base
    settled, decision = latest.settled or 0, latest.decision or 0
    return base.model_copy(
        update={
            "line": line_at(decision, day),
            "needed": needed(settled, decision, day),
            "projection": projection(settled, day, found),
        }
    )
