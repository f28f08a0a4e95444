"""Figures in: IMDi's download or a wide CSV (see `import_formats.py`), read, checked,
and set in one transaction.

A file is all or nothing: any invalid line (each reported with its 1-based physical line
number, the header being line 1) raises `InvalidImportFile` and nothing is imported;
lines of IMDi's download that cannot be placed are skipped and counted by reason. Valid
figures are set in one transaction, attributed to the file by name and digest (and to
the date in its name, as IMDi names its downloads: `…_2023-09-25.csv`); a figure whose
value is unchanged is left alone, so importing a file twice is a no-op.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from capacity import errors
from capacity.models import Actor, Measure
from capacity.reference import imdi
from capacity.reference.geography import Geography
from capacity.service import Capacity
from capacity.storage.store import Store
from capacity.transfer.formats import (
    FigureRow,
    Problems,
    RowParser,
    Skip,
    _column_index,
    _LineInvalid,
    _parser,
)
from capacity.usecases.seed import seed

ENCODINGS = ("utf-8-sig", "cp1252")
DELIMITERS = (";", ",")


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What an import did: figures read from the file, how many of them changed a value,
    the source the changed values are attributed to, and the lines skipped, by reason."""

    rows: int
    changed: int
    source: str
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def unchanged(self) -> int:
        return self.rows - self.changed


@dataclass(frozen=True)
class Reading:
    """The figures of a file, and the lines skipped by reason (see `Skip`)."""

    figures: list[FigureRow]
    skipped: dict[str, int]


@dataclass(frozen=True)
class _Table:
    """A CSV file as header names and data lines, each with its physical line number."""

    header: list[str]
    lines: list[tuple[int, list[str]]]


# -- reading -------------------------------------------------------------------------------


def read_figures(path: Path, geography: Geography | None = None) -> list[FigureRow]:
    """The figures in an import file, in file order, or `InvalidImportFile` listing every
    invalid line. With `geography` (the service's), each municipality number must exist
    in the structure of its row's year; without it only the number's form is checked."""
    path = Path(path)
    return parse_figures(path.read_bytes(), geography, name=path.name)


def parse_figures(
    data: bytes, geography: Geography | None = None, *, name: str = "the file"
) -> list[FigureRow]:
    """`read_figures` for a file's content (an upload, say)."""
    return read(data, geography, name=name).figures


def read(
    data: bytes,
    geography: Geography | None = None,
    *,
    name: str = "the file",
    years: Collection[int] | None = None,
) -> Reading:
    """The figures of a file's content, only of `years` when given, with the lines
    skipped by reason; `InvalidImportFile` listing every invalid line."""
    problems: Problems = []
    table = _table(_decode(data, name), problems)
    if table is None:
        raise _invalid_file(name, problems)
    parser = _parser(table.header, problems)
    columns = _column_index(table.header)
    if parser is None or problems:
        raise _invalid_file(name, problems)
    skipped: Counter[str] = Counter()
    figures = list(_rows(table, columns, parser, geography, problems, skipped, years))
    figures = _deduplicate(figures, problems)
    if problems:
        raise _invalid_file(name, sorted(problems, key=lambda problem: problem[0]))
    return Reading(figures, dict(skipped))


def _decode(data: bytes, name: str) -> str:
    """UTF-8 (a BOM is dropped), else Windows-1252, which is what Excel and IMDi write."""
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _invalid_file(name, [(1, "the file is neither UTF-8 nor Windows-1252 text")])


def _table(text: str, problems: Problems) -> _Table | None:
    """Split the text into a header and data lines with the delimiter the header uses."""
    if not text.strip():
        problems.append((1, "the file is empty"))
        return None
    delimiter = _delimiter(text.splitlines()[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    lines: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            lines.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as error:
        problems.append((start, f"the line cannot be read as CSV: {error}"))
        return None
    header = [cell.strip() for cell in lines[0][1]]
    return _Table(header=header, lines=lines[1:])


def _delimiter(first_line: str) -> str:
    """`;` or `,`: the one that splits the header into known column names (IMDi's header
    holds a comma, so counting characters would not do); else the one giving more fields."""

    def score(delimiter: str) -> tuple[int, int]:
        cells = next(csv.reader([first_line], delimiter=delimiter), [])
        return len(_column_index(cells)), len(cells)

    return max(DELIMITERS, key=score)


def _rows(
    table: _Table,
    columns: dict[str, int],
    parser: RowParser,
    geography: Geography | None,
    problems: Problems,
    skipped: Counter[str],
    years: Collection[int] | None,
) -> Iterator[FigureRow]:
    """The figures of every data line; blank lines are passed over, lines that cannot
    be placed are counted in `skipped`, invalid ones reported."""
    width = len(table.header)
    for line, cells in table.lines:
        if not any(cell.strip() for cell in cells):
            continue
        if any(cell.strip() for cell in cells[width:]):
            problems.append((line, f"the line has {len(cells)} fields, the header {width}"))
            continue
        try:
            for figure in parser(line, cells, columns, geography):
                if years is not None and figure.year not in years:
                    raise Skip("outside_years")
                yield figure
        except _LineInvalid as invalid:
            problems.extend((line, reason) for reason in invalid.reasons)
        except Skip as skip:
            skipped[skip.code] += 1


def _deduplicate(figures: list[FigureRow], problems: Problems) -> list[FigureRow]:
    """The same figure twice is read once; twice with different values is an error."""
    first: dict[tuple[str, int, Measure], FigureRow] = {}
    unique: list[FigureRow] = []
    for figure in figures:
        seen = first.get(figure.key)
        if seen is None:
            first[figure.key] = figure
            unique.append(figure)
        elif seen.value != figure.value:
            problems.append(
                (
                    figure.line,
                    f"{figure.number} {figure.year} {figure.measure.value} is "
                    f"{imdi.shown(figure.value)} here but {imdi.shown(seen.value)} on line {seen.line}",
                )
            )
    return unique


def _invalid_file(name: str, problems: Problems) -> errors.InvalidImportFile:
    """The refusal for a file with problems (adapters list them line by line)."""
    return errors.InvalidImportFile(name, problems)


# -- importing -----------------------------------------------------------------------------


def import_file(
    service: Capacity,
    path: Path,
    actor: Actor,
    *,
    years: Collection[int] | None = None,
    source_date: str | None = None,
) -> ImportSummary:
    """Import IMDi's download or a wide CSV: all of it in one transaction, or nothing."""
    path = Path(path)
    return import_bytes(
        service, path.read_bytes(), path.name, actor, years=years, source_date=source_date
    )


def import_bytes(
    service: Capacity,
    data: bytes,
    name: str,
    actor: Actor,
    *,
    years: Collection[int] | None = None,
    source_date: str | None = None,
) -> ImportSummary:
    """`import_file` for a file's content, named `name` in the attribution. The source's
    date is `source_date`, or the date in the file's name (`…_2023-09-25.csv`)."""
    service.require_admin(actor, "import_figures")
    found = read(data, service.geography, name=name, years=years)
    source = import_source(name, data)
    if source_date is None:
        dated = re.search(r"(\d{4}-\d{2}-\d{2})", name)
        source_date = dated.group(1) if dated else ""
    changed = service.set_figures(
        ((f.number, f.year, f.measure, f.value) for f in found.figures),
        actor,
        source=source,
        source_date=source_date,
    )
    return ImportSummary(len(found.figures), changed, source, found.skipped)


def import_source(name: str, data: bytes) -> str:
    """The source imported values are attributed to: the file's name and digest."""
    digest = hashlib.sha256(data).hexdigest()
    return f"import {name} (sha256 {digest[:12]})"


# -- a database without figures -----------------------------------------------------------


def empty_database(path: str | Path = ":memory:", **options: Any) -> Capacity:
    """A service on a migrated database holding the reference data (municipalities,
    crosswalk, groups) and no figures: the target of an export's round trip."""
    service = Capacity(Store(path), **options)
    seed(service.core, figures=False)
    if service.has_figures():
        raise errors.InvalidInput("db_has_figures", field="path", path=str(path))
    return service
