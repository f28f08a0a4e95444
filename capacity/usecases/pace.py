"""Pace through the year, as questions: a municipality's, or a scope's (the network, a
county, the country), at the year's latest snapshot of IMDi's figures; the series behind
a municipality's chart. Reads only, from the snapshot points (never the history), so a
national answer costs the same however many snapshots the year has.

A year is over when a snapshot dated after it holds its figures (IMDi's table of 25
September 2023 holds 2022's final figures), or when it has no snapshot of its own and
has ended: its answer is then settled against decision. The year is the planning year
unless told.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from capacity import errors
from capacity.domain.pace import Point, nearest, pace
from capacity.domain.pace_scope import (
    Member,
    MunicipalityPace,
    ScopePace,
    scope_pace,
    summed_intervals,
    total_point,
)
from capacity.domain.rules import OSLO, check_year
from capacity.models import Measure, Model, Municipality
from capacity.reference.geography import NATIONAL, NATIONAL_TITLE, NATIONAL_WORDS, structure_for
from capacity.reference.names import normalize
from capacity.storage import figures as figures_db
from capacity.storage import snapshots as snapshots_db
from capacity.storage.store import Database
from capacity.usecases.core import Core
from capacity.usecases.queries import DEFAULT_SCOPE, default_year, municipality, scope_members

COUNTY_WORDS = frozenset({"fylke", "county", "fylket"})


class Scope(Model):
    """What a pace question is about: a group, a county or the country, in a year."""

    key: str  # group name, "fylke:<number>", or "norge"
    title: str
    members: tuple[Municipality, ...]


def pace_of(core: Core, text: str | None, year: int | None = None) -> MunicipalityPace | ScopePace:
    """The pace asked for with `text`: nothing or a group's name is the group (the
    network by default), the country's words the country, `fylke Vestland` a county,
    anything else a municipality (refused with suggestions when there is none)."""
    year = check_year(year) if year is not None else default_year(core)
    found = scope(core, text, year)
    if found is not None:
        return for_scope(core, found, year)
    return for_municipality(core, (text or "").strip(), year)


def network_pace(core: Core, year: int | None = None) -> ScopePace:
    """The network's pace (the weekly summary's and the Home tab's line)."""
    year = year if year is not None else default_year(core)
    found = scope(core, DEFAULT_SCOPE, year)
    assert found is not None  # the network is a group
    return for_scope(core, found, year)


def scope(core: Core, text: str | None, year: int) -> Scope | None:
    """The scope `text` names in `year`'s structure, or None for a municipality."""
    words = (text or "").strip() or DEFAULT_SCOPE
    key = normalize(words)
    geography = core.geography
    if key in NATIONAL_WORDS:
        return Scope(
            key=NATIONAL, title=NATIONAL_TITLE, members=tuple(geography.all(structure_for(year)))
        )
    first, _, rest = words.partition(" ")
    if normalize(first) in COUNTY_WORDS:
        county = geography.county(rest, year)
        if county is None:
            raise errors.InvalidInput(
                "county_not_found", field="municipality", query=rest, year=year
            )
        return Scope(
            key=f"fylke:{county.number}",
            title=county.name_no,
            members=tuple(geography.county_members(county)),
        )
    group = geography.group(words)
    if group is not None:
        return Scope(
            key=group.name, title=group.title, members=tuple(geography.members(group, year))
        )
    return None


def _over(db: Database, year: int, days: Sequence[date], today: date) -> date | None:
    """The date of a year's final figures when the year is over (see the module)."""
    after = snapshots_db.last_after(db, year)
    if after is not None:
        return after
    if not days and today > date(year, 12, 31):
        return date(year, 12, 31)
    return None


def _today(core: Core) -> date:
    now: datetime = core.clock()
    return now.astimezone(OSLO).date()


def for_municipality(core: Core, query: str, year: int) -> MunicipalityPace:
    place = municipality(core, query, year)
    with core.store.read() as db:
        found = snapshots_db.days(db, year)
        days = [d for d, _ in found]
        over = _over(db, year, days, _today(core))
        series = snapshots_db.points(db, year, [place.number]).get(place.number, [])
        if over is not None:
            line = figures_db.line(db, place, year)
            final = Point(
                day=over, settled=line.value(Measure.SETTLED), decision=line.value(Measure.DECISION)
            )
            result = pace(year, series, over=final)
        else:
            result = pace(year, series, last_year=_last_year_points(core, db, place, year))
        batches = snapshots_db.settled_by_batches(db, year, [place.number]).get(place.number, [])
    return MunicipalityPace(
        municipality=place,
        pace=result,
        points=tuple(series),
        batches=_cumulative(batches),
        settled_by_batches=sum(persons for _, persons in batches),
    )


def _last_year_points(core: Core, db: Database, place: Municipality, year: int) -> list[Point]:
    """The municipality's points of the year before (under that year's structure, when
    it is the same municipality there)."""
    previous = core.geography.project(place, structure_for(year - 1))
    if len(previous) != 1:
        return []
    number = previous[0].number
    return snapshots_db.points(db, year - 1, [number]).get(number, [])


def _cumulative(batches: Sequence[tuple[str, int]]) -> tuple[tuple[date, int], ...]:
    """Persons settled through batches, summed up to each day one was marked settled."""
    found: dict[date, int] = {}
    total = 0
    for at, persons in sorted(batches):
        total += persons
        found[datetime.fromisoformat(at).astimezone(OSLO).date()] = total
    return tuple(found.items())


def for_scope(core: Core, found: Scope, year: int) -> ScopePace:
    numbers = [m.number for m in found.members]
    names = {m.number: m.name_no for m in found.members}
    with core.store.read() as db:
        days = [d for d, _ in snapshots_db.days(db, year)]
        over = _over(db, year, days, _today(core))
        batches = figures_db.settled_by_place(db, year)
        settled_by_batches = sum(batches.get(n, 0) for n in numbers)
        if over is not None:
            lines = figures_db.lines(db, list(found.members), year)
            members = [
                Member(number=ln.municipality.number, name=ln.municipality.name_no,
                       settled=ln.value(Measure.SETTLED), decision=ln.value(Measure.DECISION))
                for ln in lines
            ]  # fmt: skip
            return scope_pace(found.key, found.title, year, members, day=over, over=True,
                              settled_by_batches=settled_by_batches)  # fmt: skip
        if not days:
            members = [Member(number=n, name=names[n]) for n in numbers]
            return scope_pace(found.key, found.title, year, members, day=None)
        latest = days[-1]
        at_latest = snapshots_db.points_on(db, year, latest)
        members = [_member(n, names[n], at_latest.get(n)) for n in numbers]
        if found.key == NATIONAL:
            paces = snapshots_db.paces(db, year)
        else:
            series = {
                number: {p.day: p.settled for p in points}
                for number, points in snapshots_db.points(db, year, numbers).items()
            }
            counted = [m.number for m in members if m.settled is not None and m.decision]
            paces = summed_intervals(days, series, counted)
        last_year = _last_year_total(core, db, found, year, latest)
    return scope_pace(
        found.key, found.title, year, members, day=latest, dates=days, paces=paces,
        last_year=last_year, settled_by_batches=settled_by_batches,
    )  # fmt: skip


def _member(number: str, name: str, point: tuple[int | None, int | None] | None) -> Member:
    settled, decision = point or (None, None)
    return Member(number=number, name=name, settled=settled, decision=decision)


def _last_year_total(core: Core, db: Database, found: Scope, year: int, day: date) -> Point | None:
    """The scope's sum at last year's snapshot nearest the same date, if any."""
    when = nearest(day, [d for d, _ in snapshots_db.days(db, year - 1)])
    if when is None:
        return None
    if found.key == NATIONAL:
        members = scope_members(core, NATIONAL, year - 1)
    elif found.key.startswith("fylke:"):
        county = core.geography.county(found.title, year - 1)
        members = core.geography.county_members(county) if county is not None else []
    else:
        members = scope_members(core, found.key, year - 1)
    at = snapshots_db.points_on(db, year - 1, when)
    total = total_point(when, [_member(m.number, m.name_no, at.get(m.number)) for m in members])
    return total if total.settled is not None else None
