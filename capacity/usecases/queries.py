"""Questions: a municipality's capacity, overviews of a group or the country, history,
and the scopes batches are checked against. Reads only."""

from __future__ import annotations

from datetime import datetime

from capacity import errors
from capacity.domain.rules import (
    DEFAULT_PLANNING_YEAR,
    check_count,
    check_year,
    parse_moment,
    totals,
)
from capacity.models import Batch, CapacityLine, Change, Municipality, Overview, Room
from capacity.reference.geography import NATIONAL, NATIONAL_TITLE, NATIONAL_WORDS
from capacity.reference.names import MAX_QUERY_LENGTH, Resolution, normalize
from capacity.storage import figures as figures_db
from capacity.storage import repository
from capacity.storage.store import Database
from capacity.usecases.core import Core, iso

DEFAULT_SCOPE = "storbynettverket"
PLANNING_YEAR = "planning_year"


def resolve(core: Core, query: str, year: int | None = None) -> Resolution:
    return core.geography.resolve(query, year)


def municipality(core: Core, query: str, year: int | None = None) -> Municipality:
    """Exactly one municipality for the text, or a refusal carrying the candidates."""
    return resolved(core, query, year).found  # type: ignore[return-value]


def resolved(core: Core, query: str, year: int | None = None) -> Resolution:
    """The resolution of the text to exactly one municipality (`found`, and what the text
    `named` when that is another in the year's structure), or a refusal carrying the
    candidates."""
    resolution = resolve(core, query, year)
    if resolution.found:
        return resolution
    if resolution.problem == "ambiguous":
        raise errors.AmbiguousMunicipality(
            "ambiguous",
            query=resolution.query,
            candidates=resolution.candidates,
            resolution=resolution,
        )
    if resolution.problem == "too_long":
        raise errors.InvalidInput(
            "query_too_long",
            field="municipality",
            maximum=MAX_QUERY_LENGTH,
            resolution=resolution,
        )
    if resolution.problem == "empty":
        raise errors.InvalidInput("query_empty", field="municipality", resolution=resolution)
    raise errors.MunicipalityNotFound(
        "not_found",
        query=resolution.query[:MAX_QUERY_LENGTH],
        suggestions=resolution.suggestions,
        resolution=resolution,
    )


def years_with_figures(core: Core, place: Municipality) -> tuple[int, ...]:
    numbers = core.geography.lineage_numbers(place)
    return figures_db.years_with_figures(core.store.db, numbers)


def national_years(core: Core) -> tuple[int, ...]:
    """The years with IMDi's figures anywhere in the country."""
    numbers = sorted({m.number for m in core.geography.municipalities})
    with core.store.read() as db:
        return figures_db.years_with_figures(db, numbers)


def latest_year(core: Core) -> int | None:
    return figures_db.latest_year(core.store.db)


def planning_year(core: Core) -> int:
    """The year every answer, report, batch and overview is about unless told."""
    value = repository.setting(core.store.db, PLANNING_YEAR)
    return int(value) if value else DEFAULT_PLANNING_YEAR


def default_year(core: Core) -> int:
    return planning_year(core)


def moment(as_of: datetime | str | None) -> datetime | None:
    """A moment given as a datetime or as a coordinator typed it (see `parse_moment`)."""
    return parse_moment(as_of) if isinstance(as_of, str) and as_of else as_of or None


def capacity(
    core: Core, query: str, year: int | None = None, *, as_of: datetime | str | None = None
) -> CapacityLine:
    """Capacity of one municipality in a year (the planning year unless told), with
    IMDi's figures of its other years; as it stood at `as_of` when given.

    A cold answer reads one row per figure and one reservation total: it does not grow
    with the history. Nothing is kept here: an adapter that keeps answers keys them by
    `Capacity.generation()`."""
    if year is not None:
        check_year(year)
    as_of = moment(as_of)
    # a name in the structure of the year asked about (the planning year's unless told):
    # its suggestions and its number are those the answer shows (Tromsø 5401 in 2020)
    year = year if year is not None else planning_year(core)
    resolution = resolved(core, query, year)
    place = resolution.found
    assert place is not None
    named = resolution.named
    with core.store.read() as db:
        numbers = core.geography.lineage_numbers(place)
        years = figures_db.years_with_figures(db, numbers)
        if as_of is not None:
            [line] = figures_db.lines_as_of(db, [place], year, iso(as_of))
        else:
            line = figures_db.line(db, place, year)
        line = line.model_copy(
            update={
                "years_with_figures": years,
                # "as of" answers are about that year as it stood then, alone
                "other_years": figures_db.other_years(db, numbers, year) if as_of is None else (),
                "overbooking": figures_db.batches_at(db, place.number, year)
                if line.overbooked
                else (),
                "named": named,
                "split": named is not None
                and len(core.geography.project(place, named.structure)) > 1,
            }
        )
    return line


# -- scopes ------------------------------------------------------------------------------


def scope(core: Core, text: str | None) -> tuple[str, str, list[Municipality] | None]:
    """A scope word: a group ("storbynettverket"), the country ("norge", "alle"), or a
    municipality. Returns (scope key, title, members today or None for the country)."""
    text = (text or "").strip() or DEFAULT_SCOPE
    if normalize(text) in NATIONAL_WORDS:
        return NATIONAL, NATIONAL_TITLE, None
    group = core.geography.group(text)
    if group:
        return group.name, group.title, list(group.members)
    place = municipality(core, text)
    return place.number, place.name_no, [place]


def scope_members(core: Core, key: str, year: int) -> list[Municipality]:
    """The municipalities a scope key stands for in a year's structure."""
    return core.geography.scope_members(key, year)


def scope_title(core: Core, key: str) -> str:
    if key == NATIONAL:
        return NATIONAL_TITLE
    group = core.geography.groups.get(key)
    if group:
        return group.title
    for structure in (2024, 2020):
        if (place := core.geography.get(key, structure)) is not None:
            return place.name_no
    return key


def overview(
    core: Core,
    text: str | None = None,
    year: int | None = None,
    *,
    as_of: datetime | str | None = None,
) -> Overview:
    """Capacity over a group or the country, with totals, in one year (the planning
    year unless told); as it stood at `as_of` when given."""
    as_of = moment(as_of)
    key, title, _ = scope(core, text)
    year = check_year(year if year is not None else default_year(core))
    members = scope_members(core, key, year)
    with core.store.read() as db:
        if as_of is not None:
            lines = figures_db.lines_as_of(db, members, year, iso(as_of))
        else:
            lines = figures_db.lines(db, members, year)
    return Overview(
        title=title, scope=key, year=year, lines=lines, totals=totals(lines), as_of=as_of
    )


def rooms(core: Core, db: Database, batch: Batch) -> list[Room]:
    """Remaining room per municipality of the batch's scope, most first."""
    return room_and_remaining(core, db, batch)[0]


def room_and_remaining(core: Core, db: Database, batch: Batch) -> tuple[list[Room], int | None]:
    """The rooms of the batch's scope (most first) and what remains there in all, by the
    one definition (`rules.totals`: None when no spare places are reported for the year)."""
    lines = figures_db.lines(db, scope_members(core, batch.scope, batch.year), batch.year)
    found = [
        Room(number=line.municipality.number, name=line.municipality.name_no, remaining=left)
        for line in lines
        if (left := line.remaining) is not None and left > 0
    ]
    remaining = totals(lines)["remaining"].value
    return sorted(found, key=lambda r: (-r.remaining, r.name)), remaining


def history(core: Core, query: str | None = None, *, limit: int | None = None) -> list[Change]:
    """The history records of a municipality (all its numbers), or of everything."""
    numbers = None
    if query is not None:  # suggestions in the planning year's structure, as answers give
        place = municipality(core, query, planning_year(core))
        numbers = core.geography.lineage_numbers(place)
    return repository.history(core.store.db, numbers, limit=limit)


def room_for(
    core: Core, size: int, year: int | None = None, text: str | None = None
) -> tuple[int, list[Room]]:
    """The municipalities that can take a household of `size` persons in a year (the
    planning year unless told), most room first: (year, rooms). Over the whole country
    unless `text` names a group or a municipality."""
    check_count(size, "household_size", minimum=1)
    year = check_year(year if year is not None else default_year(core))
    key = scope(core, text)[0] if text else NATIONAL
    with core.store.read() as db:
        lines = figures_db.lines(db, scope_members(core, key, year), year)
    found = [
        Room(number=line.municipality.number, name=line.municipality.name_no, remaining=left)
        for line in lines
        if (left := line.remaining) is not None and left >= size
    ]
    return year, sorted(found, key=lambda r: (-r.remaining, r.name))
