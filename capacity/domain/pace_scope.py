"""Pace answers: a municipality's with its series, and a scope's (the network, a county,
the country): the sum of the municipalities counted, each municipality's standing, and
the ones counted apart, by name. Pure.

A municipality is counted when its decision and its settled figure are known at the
snapshot; the others are named apart, never added as 0. The pace between snapshots of a
sum adds, per pair of snapshots, the changes of the counted municipalities known at both
(so a municipality that IMDi starts publishing mid-year does not count as a jump).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from capacity.domain.figures import Model, Municipality
from capacity.domain.pace import (
    Interval,
    Pace,
    Point,
    Problem,
    interval,
    line_at,
    pace,
    percent,
    problem_of,
)


class MunicipalityPace(Model):
    """A municipality's pace, with the year's series: IMDi's settled at each snapshot,
    and the bot's own settled-via-batches (when each batch was marked settled), which
    is shown beside IMDi's, never added to it."""

    municipality: Municipality
    pace: Pace
    points: tuple[Point, ...]  # the year's snapshots, oldest first
    batches: tuple[tuple[date, int], ...] = ()  # (day marked settled, persons), cumulative
    settled_by_batches: int = 0

    @property
    def days(self) -> tuple[date, ...]:
        return tuple(p.day for p in self.points)


class Member(Model):
    """A municipality's figures at the snapshot a scope's pace is about."""

    number: str
    name: str
    settled: int | None = None
    decision: int | None = None


class Standing(Model):
    """One municipality of a scope against its straight line."""

    number: str
    name: str
    settled: int | None
    decision: int | None
    line: int | None
    problem: Problem = ""

    @property
    def ahead(self) -> int | None:
        if self.problem or self.line is None or self.settled is None:
            return None
        return self.settled - self.line

    @property
    def share(self) -> int | None:
        if self.problem or self.settled is None or not self.decision:
            return None
        return percent(self.settled, self.decision)


class ScopePace(Model):
    """A scope's pace: the sum's (`total`), the municipalities counted in it, furthest
    behind first, and those counted apart, by reason."""

    scope: str  # a group's name, a county's number, or "norge"
    title: str
    year: int
    total: Pace
    standings: tuple[Standing, ...]  # counted; furthest behind in persons first
    no_decision: tuple[str, ...] = ()  # names
    unknown_settled: tuple[str, ...] = ()
    settled_by_batches: int = 0  # the bot's own, beside IMDi's: never added

    @property
    def by_persons(self) -> tuple[Standing, ...]:
        return self.standings

    @property
    def by_share(self) -> tuple[Standing, ...]:
        return tuple(sorted(self.standings, key=lambda s: (s.share or 0, s.ahead or 0, s.name)))

    @property
    def behind(self) -> int:
        """How many of the counted municipalities are behind their line."""
        return sum(1 for s in self.standings if (s.ahead or 0) < 0)


def standing(member: Member, day: date | None, over: bool) -> Standing:
    problem = problem_of(member.settled, member.decision)
    line = None
    if not problem and member.decision is not None:
        line = member.decision if over or day is None else line_at(member.decision, day)
    return Standing(
        number=member.number,
        name=member.name,
        settled=member.settled,
        decision=member.decision,
        line=line,
        problem=problem,
    )


def total_point(day: date, members: Iterable[Member]) -> Point:
    """The sum of the counted municipalities (known decision and settled)."""
    counted = [m for m in members if not problem_of(m.settled, m.decision)]
    return Point(
        day=day,
        settled=sum(m.settled or 0 for m in counted) if counted else None,
        decision=sum(m.decision or 0 for m in counted) if counted else None,
    )


def summed_intervals(
    dates: Sequence[date],
    series: Mapping[str, Mapping[date, int | None]],
    counted: Iterable[str],
) -> tuple[Interval, ...]:
    """The changes of a sum between consecutive snapshots: per pair, the counted
    municipalities whose settled figure is known at both ends."""
    numbers = list(counted)
    found = []
    for first, second in zip(dates, dates[1:], strict=False):
        delta, known = 0, 0
        for number in numbers:
            values = series.get(number, {})
            before, after = values.get(first), values.get(second)
            if before is not None and after is not None:
                delta += after - before
                known += 1
        if known:
            found.append(interval(first, second, delta))
    return tuple(found)


def scope_pace(
    scope: str,
    title: str,
    year: int,
    members: Sequence[Member],
    *,
    day: date | None,
    dates: Sequence[date] = (),
    paces: Sequence[Interval] = (),
    over: bool = False,
    last_year: Point | None = None,
    settled_by_batches: int = 0,
) -> ScopePace:
    """The scope's pace at `day` (its latest snapshot; for a year that is over, the date
    of its figures), from its members' figures then and the sum's changes between
    snapshots (`paces`, over the year's snapshot `dates`)."""
    standings = [standing(m, day, over) for m in members]
    counted = [s for s in standings if not s.problem]
    counted.sort(key=lambda s: (s.ahead or 0, s.share or 0, s.name))
    total = total_point(day, members) if day is not None else None
    if over:
        result = pace(year, [], over=total)
    elif total is None:
        result = pace(year, [])
    else:
        earlier = [Point(day=d) for d in dates if d < total.day]
        result = pace(
            year,
            [*earlier, total],
            paces=paces,
            last_year=[last_year] if last_year is not None else (),
        )
    return ScopePace(
        scope=scope,
        title=title,
        year=year,
        total=result,
        standings=tuple(counted),
        no_decision=_names(standings, "no_decision"),
        unknown_settled=_names(standings, "unknown_settled"),
        settled_by_batches=settled_by_batches,
    )


def _names(standings: Iterable[Standing], problem: Problem) -> tuple[str, ...]:
    return tuple(sorted(s.name for s in standings if s.problem == problem))
