"""Spreadsheets a coordinator opens, in their own language: the year's figures and
batches (`/capacity eksport`, admins) and the whole list of a country overview (the
button under `/capacity norge`).

Headers and values are the user's language's (`[surfaces.sheet]` and `[measure]` in the
catalogues), what is left by the one definition every answer uses (0 and overbooked
apart, reserved and settled via batches apart), households as typed (`5,4+3,6`), times
in Norwegian time (`07.12.2026 20:41`), and people by name beside their id
(`Kari (W111)`). Written as Excel in Norwegian settings opens it (`;`, UTF-8 with a BOM,
CRLF), every text cell defused against formulas. The command line's `capacity export
--format csv` keeps its machine-readable form (`capacity.transfer.exports`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from babel.dates import format_datetime
from unidecode import unidecode

from capacity.domain.households import text as households_text
from capacity.domain.rules import check_year
from capacity.models import (
    IMDI_MEASURES,
    Actor,
    Batch,
    CapacityLine,
    Measure,
    Overview,
)
from capacity.reference.geography import NATIONAL
from capacity.service import Capacity
from capacity.texts.i18n import OSLO, Catalogue
from capacity.transfer.exports import _write_csv

MEASURES = (
    *IMDI_MEASURES,
    Measure.MINORS_REQUEST,
    Measure.MINORS_DECISION,
    Measure.FAMILY_REUNIFICATION,
    Measure.SPARE,
)
FIGURE_COLUMNS = (
    "reserved",
    "settled_by_batches",
    "remaining",
    "overbooked",
    "reported_by",
    "reported_at",
    "reported_source",
)
BATCH_COLUMNS = ("batch_id", "batch", "year", "persons", "households", "scope", "status",
                 "created_at", "created_by", "allocation_id", "number", "municipality",
                 "allocated_persons", "allocated_households", "active", "allocated_at",
                 "allocated_by")  # fmt: skip

Rows = tuple[list[str], Iterable[Sequence[object]]]


def sheet(t: Catalogue) -> dict[str, str]:
    """The language's words for spreadsheets (`[surfaces.sheet]`)."""
    return t.entries["surfaces"]["sheet"]


def word(t: Catalogue, key: str, **values: Any) -> str:
    return t.fill(sheet(t)[key], values)


def when(t: Catalogue, moment: datetime) -> str:
    """`07.12.2026 20:41`: Norwegian time, as a spreadsheet in the language reads it."""
    return format_datetime(moment, sheet(t)["time"], tzinfo=OSLO, locale=t.language)


def person(actor: str, names: dict[str, str]) -> str:
    """`Kari (W111)`: a person by name beside their id (the id alone when no name)."""
    name = names.get(actor, "")
    return f"{name} ({actor})" if name and name != actor else actor


def figures_rows(
    lines: Sequence[CapacityLine], t: Catalogue, records: dict[str, dict[str, Any]]
) -> Rows:
    """One row per municipality with a figure or a reservation: IMDi's figures and the
    spare places reported, what holds them and what is left; who reported the spare
    places, when and from what source (`records`: each number's spare figure record)."""
    columns = [word(t, "number"), word(t, "municipality"), word(t, "year")]
    columns += [t.measure(m) for m in MEASURES] + [word(t, key) for key in FIGURE_COLUMNS]

    def row(line: CapacityLine) -> list[object]:
        m = line.municipality
        cells: list[object] = [m.number, m.name_no, line.year]
        for measure in MEASURES:
            cells.append(_figure(line, measure, t))
        record = records.get(m.number)
        reporter = (
            person(record["actor"], {record["actor"]: record["actor_name"]}) if record else ""
        )
        cells += [
            line.reserved_open,
            line.settled,
            "" if line.remaining is None else line.remaining,
            line.overbooked if line.overbooked else "",
            reporter,
            when(t, datetime.fromisoformat(record["at"])) if record else "",
            record["source"] if record else "",
        ]
        return cells

    shown = [line for line in lines if line.figures or line.reserved]
    return columns, (row(line) for line in shown)


def _figure(line: CapacityLine, measure: Measure, t: Catalogue) -> object:
    """A figure: the number, the language's "unknown" for IMDi's `:`, empty for none."""
    if measure not in line.figures:
        return ""
    value = line.value(measure)
    return word(t, "unknown") if value is None else value


def batches_rows(
    batches: Sequence[Batch], t: Catalogue, names: dict[str, str], scopes: dict[str, str]
) -> Rows:
    """One row per assignment, the batch repeated on each; one for a batch without."""
    columns = [word(t, key) for key in BATCH_COLUMNS]

    def rows() -> Iterable[list[object]]:
        for b in batches:
            head: list[object] = [
                b.id, b.name, b.year, b.persons, households_text(b.units),
                t.scope(scopes.get(b.scope, b.scope)), t.status(b.status.value),
                when(t, b.created_at), person(b.created_by, names),
            ]  # fmt: skip
            if not b.allocations:
                yield head + [""] * (len(BATCH_COLUMNS) - len(head))
            for a in b.allocations:
                active = word(t, "yes") if a.active else word(t, "released")
                yield head + [
                    a.id, a.number, a.municipality, a.persons, households_text(a.units), active,
                    when(t, a.created_at), person(a.created_by, names),
                ]  # fmt: skip

    return columns, rows()


def _spare_records(service: Capacity, year: int) -> dict[str, dict[str, Any]]:
    """Each number's record of its spare places in `year` (who, when, source)."""
    return {
        r["number"]: r
        for r in service.figure_records()
        if r["year"] == year and r["measure"] == Measure.SPARE.value
    }


def year_files(
    service: Capacity, actor: Actor, t: Catalogue, year: int | None = None
) -> tuple[int, list[tuple[str, str]]]:
    """An admin's export of one year (the planning year unless told): its figures and
    its batches, as (year, [(file name, CSV text)]), in `t`'s language."""
    service.require_admin(actor, "export")
    year = check_year(year) if year is not None else service.planning_year()
    with service.snapshot():  # one state of the database for both files
        lines = service.overview(NATIONAL, year).lines
        records = _spare_records(service, year)
        batches = [b for b in service.batches(year) if b.year == year]
        names = service.people()
    scopes = {b.scope: service.scope_title(b.scope) for b in batches}
    figures = _write_csv(*figures_rows(lines, t, records), excel=True)
    batch_sheet = _write_csv(*batches_rows(batches, t, names, scopes), excel=True)
    return year, [
        (word(t, "file_figures", year=year), figures),
        (word(t, "file_batches", year=year), batch_sheet),
    ]


def overview_file(service: Capacity, overview: Overview, t: Catalogue) -> tuple[str, str]:
    """The whole list of an overview (every municipality with a figure), as (file name,
    CSV text) in `t`'s language."""
    records = _spare_records(service, overview.year)
    text = _write_csv(*figures_rows(overview.lines, t, records), excel=True)
    scope = re.sub(r"[^a-z0-9]+", "-", unidecode(t.scope(overview.title)).lower()).strip("-")
    return word(t, "file_list", scope=scope or "liste", year=overview.year), text
