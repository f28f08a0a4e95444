"""The two import formats, told apart by their header, and their rows.

- IMDi's download «Anmodning, vedtak og faktisk bosetting» as IMDi gives it, one figure
  a line: `Enhet;År;Kommunenummer;Kommune;Bosetting;Antall` (or an older header naming the
  measure column «Anmodning, vedtak og faktisk bosetting»), `;` or `,`. Only `Personer`
  lines are figures. Lines it cannot place are skipped and counted, by reason:
  `Prosent` lines, `.` (not applicable), numbers of earlier municipality structures (IMDi's
  download holds every number it has used since 1995), and years not asked for.
- A wide CSV, one municipality-year a line: `number,year,<measure>,...` with a column per
  `Measure` value. `:` is unknown; an empty cell is no figure and is not imported; a
  number that exists in no structure is an error.

Anything malformed (a count, a year, a label, a unit) is an error of its line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType

from capacity.domain.rules import MAX_YEAR, MIN_YEAR
from capacity.models import Measure
from capacity.reference import imdi
from capacity.reference.geography import STRUCTURES, Geography, structure_for

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


class Skip(Exception):
    """A line the import cannot place: skipped and counted under `code`."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


Problems = list[tuple[int, str]]
RowParser = Callable[[int, list[str], dict[str, int], Geography | None], Iterable["FigureRow"]]


_fold = imdi.fold
_PERSONS, _PERCENT = _fold(imdi.PERSONS), _fold(imdi.PERCENT)
_WIDE_FOLDED = frozenset(_fold(column) for column in WIDE_COLUMNS)


def _column_index(header: list[str]) -> dict[str, int]:
    """Positions of the known columns, by their canonical name (as the constants spell
    them); header names match whatever their case and spacing."""
    canonical = {_fold(column): column for column in (*imdi.COLUMNS, *WIDE_COLUMNS)}
    canonical.update({_fold(alias): imdi.MEASURE for alias in imdi.MEASURE_ALIASES})
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
    """One line of IMDi's download: a figure; or skipped: a `Prosent` line, `.` (not
    applicable), or a municipality number the year's structure does not have."""
    unit = _cell(cells, columns, imdi.UNIT)
    if _fold(unit) == _PERCENT:
        raise Skip("percent")
    reasons = _Reasons()
    if _fold(unit) != _PERSONS:
        reasons.append(f"unit '{unit}' is neither {imdi.PERSONS} nor {imdi.PERCENT}")
    measure: Measure | None = None
    with reasons:
        measure = _parse_imdi_label(_cell(cells, columns, imdi.MEASURE))
    number, year = _place(
        reasons, cells, columns, imdi.NUMBER, imdi.YEAR, geography, skip_unplaced=True
    )
    count = _cell(cells, columns, imdi.COUNT)
    value: int | None = None
    if count != imdi.NOT_APPLICABLE:
        with reasons:
            value = _parse_count(count, empty_is_unknown=True)
    if reasons:
        raise _LineInvalid(reasons)
    if count == imdi.NOT_APPLICABLE:
        raise Skip("not_applicable")
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
    *,
    skip_unplaced: bool = False,
) -> tuple[str | None, int | None]:
    """The line's municipality number and year, each checked, and checked together:
    a number the year's structure cannot place is an error, or skipped."""
    number: str | None = None
    year: int | None = None
    with reasons:
        number = _parse_number(_cell(cells, columns, number_column))
    cell = _cell(cells, columns, year_column)
    if skip_unplaced and re.fullmatch(r"[0-9]{4}", cell) and not MIN_YEAR <= int(cell) <= MAX_YEAR:
        raise Skip("year_range")  # IMDi's download goes back to 1995
    with reasons:
        year = _parse_year(cell)
    if number is not None and year is not None and geography is not None and not reasons:
        try:
            number = _check_municipality(number, year, geography)
        except _Invalid as problem:
            if skip_unplaced:
                raise Skip("other_structure") from None
            reasons.append(str(problem))
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
