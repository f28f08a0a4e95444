"""Figures in and out: IMDi's statistics export or a plain wide CSV in, CSV or JSON out.

Two import formats, told apart by their header:

- IMDi's export «Anmodning, vedtak og faktisk bosetting» as IMDi publishes it, one
  figure a line: `Kommunenummer;Kommune;Anmodning, vedtak og faktisk bosetting;Enhet;År;Antall`
  (`;` or `,`, UTF-8 with or without BOM, or Windows-1252). Only `Personer` lines are
  figures; `Prosent` lines are skipped. An `Antall` of `:` or nothing is unknown.
- A wide CSV, one municipality-year a line: `number,year,<measure>,...` with a column per
  `Measure` value. `:` is unknown; an empty cell is no figure and is not imported.

A file is all or nothing: any invalid line (each reported with its 1-based physical line
number, the header being line 1) raises `InvalidImportFile` and nothing is imported.
Valid figures are set in one transaction, attributed to the file by name and digest; a
figure whose value is unchanged is left alone, so importing a file twice is a no-op.

The figures CSV export is the wide format, so an export imports back to the same figures.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from capacity import errors, imdi
from capacity.geography import STRUCTURES, Geography, structure_for
from capacity.models import Actor, Measure
from capacity.rules import MAX_YEAR, MIN_YEAR
from capacity.seed import seed
from capacity.service import Capacity
from capacity.store import Store

ENCODINGS = ("utf-8-sig", "cp1252")
DELIMITERS = (";", ",")
# The wide format: number, year, one column per measure; `name` is allowed and ignored.
WIDE_NUMBER = "number"
WIDE_YEAR = "year"
WIDE_NAME = "name"
WIDE_REQUIRED = (WIDE_NUMBER, WIDE_YEAR)
MEASURE_COLUMNS = tuple(measure.value for measure in Measure)
WIDE_COLUMNS = (WIDE_NUMBER, WIDE_YEAR, WIDE_NAME, *MEASURE_COLUMNS)


@dataclass(frozen=True, slots=True)
class FigureRow:
    """One figure read from an import file: `value` None is unknown (IMDi's ':')."""

    line: int
    number: str
    year: int
    measure: Measure
    value: int | None

    @property
    def key(self) -> tuple[str, int, Measure]:
        return (self.number, self.year, self.measure)


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What an import did: figures read from the file, how many of them changed a value,
    and the source the changed values are attributed to."""

    rows: int
    changed: int
    source: str

    @property
    def unchanged(self) -> int:
        return self.rows - self.changed


class _Invalid(Exception):
    """One thing wrong with one cell or line; becomes a (line, reason) problem."""


class _Reasons(list[str]):
    """The reasons a line is invalid, collected so that every one is reported:
    `with reasons:` around a check records its `_Invalid` and carries on."""

    def __enter__(self) -> _Reasons:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        problem: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        if isinstance(problem, _Invalid):
            self.append(str(problem))
            return True
        return False


@dataclass(frozen=True)
class _Table:
    """A CSV file as header names and data lines, each with its physical line number."""

    header: list[str]
    lines: list[tuple[int, list[str]]]


Problems = list[tuple[int, str]]
RowParser = Callable[[int, list[str], dict[str, int], Geography | None], Iterable[FigureRow]]


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
    problems: Problems = []
    table = _table(_decode(data, name), problems)
    if table is None:
        raise _invalid_file(name, problems)
    parser = _parser(table.header, problems)
    columns = _column_index(table.header)
    if parser is None or problems:
        raise _invalid_file(name, problems)
    figures = list(_rows(table, columns, parser, geography, problems))
    figures = _deduplicate(figures, problems)
    if problems:
        raise _invalid_file(name, sorted(problems, key=lambda problem: problem[0]))
    return figures


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


_fold = imdi.fold
_PERSONS, _PERCENT = _fold(imdi.PERSONS), _fold(imdi.PERCENT)
_WIDE_FOLDED = frozenset(_fold(column) for column in WIDE_COLUMNS)


def _column_index(header: list[str]) -> dict[str, int]:
    """Positions of the known columns, by their canonical name (as the constants spell
    them); header names match whatever their case and spacing."""
    canonical = {_fold(column): column for column in (*imdi.COLUMNS, *WIDE_COLUMNS)}
    index: dict[str, int] = {}
    for position, column in enumerate(header):
        name = canonical.get(_fold(column))
        if name is not None:
            index.setdefault(name, position)
    return index


def _parser(header: list[str], problems: Problems) -> RowParser | None:
    """The format the header names, after checking its columns (problems on line 1)."""
    named = [column for column in header if column]
    folded = [_fold(column) for column in named]
    for column in dict.fromkeys(c for c in named if folded.count(_fold(c)) > 1):
        problems.append((1, f"column '{column}' appears more than once"))
    present = _column_index(header)
    long = sum(column in present for column in imdi.COLUMNS)
    wide = sum(column in present for column in WIDE_COLUMNS)
    if not long and not wide:
        problems.append(
            (
                1,
                f"the header is neither IMDi's export ({', '.join(imdi.REQUIRED)}) nor "
                f"number,year followed by measure columns ({','.join(MEASURE_COLUMNS)})",
            )
        )
        return None
    if long >= wide:
        _require(present, imdi.REQUIRED, problems)
        return _imdi_figures
    _require(present, WIDE_REQUIRED, problems)
    for column in named:
        if _fold(column) not in _WIDE_FOLDED:
            problems.append(
                (1, f"unknown column '{column}': measures are {', '.join(MEASURE_COLUMNS)}")
            )
    if not any(column in present for column in MEASURE_COLUMNS):
        problems.append((1, f"no measure column: expected one of {', '.join(MEASURE_COLUMNS)}"))
    return _wide_figures


def _require(present: dict[str, int], required: Sequence[str], problems: Problems) -> None:
    for column in required:
        if column not in present:
            problems.append((1, f"missing column '{column}'"))


def _rows(
    table: _Table,
    columns: dict[str, int],
    parser: RowParser,
    geography: Geography | None,
    problems: Problems,
) -> Iterator[FigureRow]:
    """The figures of every data line; blank lines are skipped, invalid ones reported."""
    width = len(table.header)
    for line, cells in table.lines:
        if not any(cell.strip() for cell in cells):
            continue
        if any(cell.strip() for cell in cells[width:]):
            problems.append((line, f"the line has {len(cells)} fields, the header {width}"))
            continue
        try:
            yield from parser(line, cells, columns, geography)
        except _LineInvalid as invalid:
            problems.extend((line, reason) for reason in invalid.reasons)


class _LineInvalid(Exception):
    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def _cell(cells: list[str], columns: dict[str, int], column: str) -> str:
    position = columns.get(column)
    if position is None or position >= len(cells):
        return ""
    return cells[position].strip()


def _imdi_figures(
    line: int, cells: list[str], columns: dict[str, int], geography: Geography | None
) -> Iterator[FigureRow]:
    """One line of IMDi's export: a figure, or nothing for a `Prosent` line."""
    unit = _cell(cells, columns, imdi.UNIT)
    if _fold(unit) == _PERCENT:
        return
    reasons = _Reasons()
    if _fold(unit) != _PERSONS:
        reasons.append(f"unit '{unit}' is neither {imdi.PERSONS} nor {imdi.PERCENT}")
    measure: Measure | None = None
    with reasons:
        measure = _parse_imdi_label(_cell(cells, columns, imdi.MEASURE))
    number, year = _place(reasons, cells, columns, imdi.NUMBER, imdi.YEAR, geography)
    value: int | None = None
    with reasons:
        value = _parse_count(_cell(cells, columns, imdi.COUNT), empty_is_unknown=True)
    if reasons:
        raise _LineInvalid(reasons)
    assert number is not None and year is not None and measure is not None
    yield FigureRow(line=line, number=number, year=year, measure=measure, value=value)


def _wide_figures(
    line: int, cells: list[str], columns: dict[str, int], geography: Geography | None
) -> Iterator[FigureRow]:
    """One line of the wide format: a figure per non-empty measure cell."""
    reasons = _Reasons()
    number, year = _place(reasons, cells, columns, WIDE_NUMBER, WIDE_YEAR, geography)
    values: dict[Measure, int | None] = {}
    for measure in Measure:
        cell = _cell(cells, columns, measure.value)
        if not cell:
            continue
        with reasons:
            try:
                values[measure] = _parse_count(cell)
            except _Invalid as problem:
                raise _Invalid(f"{measure.value}: {problem}") from None
    if reasons:
        raise _LineInvalid(reasons)
    assert number is not None and year is not None
    for measure, value in values.items():
        yield FigureRow(line=line, number=number, year=year, measure=measure, value=value)


def _place(
    reasons: _Reasons,
    cells: list[str],
    columns: dict[str, int],
    number_column: str,
    year_column: str,
    geography: Geography | None,
) -> tuple[str | None, int | None]:
    """The line's municipality number and year, each checked, and checked together."""
    number: str | None = None
    year: int | None = None
    with reasons:
        number = _parse_number(_cell(cells, columns, number_column))
    with reasons:
        year = _parse_year(_cell(cells, columns, year_column))
    if number is not None and year is not None and geography is not None:
        with reasons:
            number = _check_municipality(number, year, geography)
    return number, year


def _parse_number(cell: str) -> str:
    """A municipality number of 1 to 4 digits, zero-padded: spreadsheets drop the zero."""
    text = cell.strip()
    if not text:
        raise _Invalid("the municipality number is missing")
    if not re.fullmatch(r"[0-9]{1,4}", text):
        raise _Invalid(f"'{text}' is not a municipality number (four digits)")
    return text.zfill(4)


def _parse_year(cell: str) -> int:
    text = cell.strip()
    if not re.fullmatch(r"[0-9]{1,4}", text) or not MIN_YEAR <= int(text) <= MAX_YEAR:
        raise _Invalid(f"year '{text}' is not a whole number from {MIN_YEAR} to {MAX_YEAR}")
    return int(text)


def _parse_count(cell: str, *, empty_is_unknown: bool = False) -> int | None:
    try:
        return imdi.parse_count(cell, empty_is_unknown=empty_is_unknown)
    except ValueError as problem:
        raise _Invalid(str(problem)) from None


def _parse_imdi_label(cell: str) -> Measure:
    try:
        return imdi.measure_for(cell)
    except ValueError as problem:
        raise _Invalid(str(problem)) from None


def _check_municipality(number: str, year: int, geography: Geography) -> str:
    """The number the year's figures are kept under: the number itself when it exists
    in that year's structure, or, for a number of the other structure that stands for
    exactly one municipality there (IMDi kept 2020 numbers in later years' figures),
    that municipality's number."""
    structure = structure_for(year)
    if geography.get(number, structure) is not None:
        return number
    others = [s for s in STRUCTURES if s != structure and geography.get(number, s)]
    if others:
        found = geography.project(geography.get(number, others[0]), structure)  # type: ignore[arg-type]
        if len(found) == 1:
            return found[0].number
        names = ", ".join(m.label for m in found)
        raise _Invalid(
            f"municipality number {number} ({others[0]}) stands for several municipalities "
            f"in the {structure} structure used for {year} ({names}); give their numbers"
        )
    raise _Invalid(
        f"municipality number {number} does not exist in the {structure} structure used for {year}"
    )


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


def import_file(service: Capacity, path: Path, actor: Actor) -> ImportSummary:
    """Import an IMDi export or a wide CSV: all of it in one transaction, or nothing."""
    path = Path(path)
    return import_bytes(service, path.read_bytes(), path.name, actor)


def import_bytes(service: Capacity, data: bytes, name: str, actor: Actor) -> ImportSummary:
    """`import_file` for a file's content, named `name` in the attribution."""
    service.require_admin(actor, "import_figures")
    figures = parse_figures(data, service.geography, name=name)
    source = import_source(name, data)
    changed = service.set_figures(
        ((f.number, f.year, f.measure, f.value) for f in figures), actor, source=source
    )
    return ImportSummary(rows=len(figures), changed=changed, source=source)


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
