"""What checking a JSON export's rows is made of (`export_checks`, `batch_checks`): the
problems found, each with its table, row and column; what the rows checked so far hold;
and the readings of a row's values the bot's own writes make (JSON text, UTC times,
households). Pure."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from capacity import errors
from capacity.domain import households
from capacity.domain.rules import MAX_ID, check_count
from capacity.models import Batch, Group, Municipality
from capacity.reference.geography import Geography, structure_for

MAX_SHOWN = 20
MAX_WHAT = 200  # characters of a problem's text
# `core.iso`'s form: UTC, to the microsecond (what lets the reads compare times as text).
_UTC_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00")
Rows = Sequence[Mapping[str, Any]]


@dataclass(frozen=True)
class Problem:
    table: str
    row: int  # 1-based, in the document's order (0: the table as a whole)
    column: str
    what: str


@dataclass
class Problems:
    """What is wrong, in the order found: the first `MAX_SHOWN`, and how many in all."""

    shown: list[Problem] = field(default_factory=list)
    count: int = 0

    def add(self, table: str, row: int, column: str, what: str) -> None:
        self.count += 1
        if len(self.shown) < MAX_SHOWN:  # a text of the file's own, shortened
            self.shown.append(Problem(table, row, column[:40], what[:MAX_WHAT]))

    def rows(self, table: str, rows: Rows) -> Iterator[tuple[Row, Mapping[str, Any]]]:
        """Each row of a table with its checker."""
        for at, values in enumerate(rows, start=1):
            yield Row(self, table, at), values


@dataclass
class Row:
    """The checks of one row: each problem is recorded, and `failed` says whether any was.
    `with row.check(column):` around a check makes what it raises a problem of that
    column (a context manager of its own: one is entered per value of every row)."""

    problems: Problems
    table: str
    at: int
    failed: bool = False
    column: str = ""

    def problem(self, column: str, what: str) -> None:
        self.failed = True
        self.problems.add(self.table, self.at, column, what)

    def check(self, column: str) -> Row:
        self.column = column
        return self

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type | None, error: BaseException | None, _: Any) -> bool:
        """A refusal of the rules or a model is a problem of this row (a model names the
        column it refuses); anything else is a bug, and goes on up."""
        if error is None:
            return False
        if isinstance(error, errors.CapacityError):
            self.problem(self.column, str(error))
        elif isinstance(error, ValidationError):
            first = error.errors()[0]
            where = str(first["loc"][0]) if first["loc"] else self.column
            self.problem(where, f"{first['msg']} (not {str(first.get('input'))[:40]!r})")
        elif isinstance(error, ValueError | TypeError | KeyError):
            self.problem(self.column, str(error) or type(error).__name__)
        else:
            return False
        return True


@dataclass
class Found:
    """What the rows checked so far hold, for the checks across rows."""

    municipalities: list[Municipality] = field(default_factory=list)
    crosswalk: list[tuple[str, str]] = field(default_factory=list)
    groups: dict[str, Group] = field(default_factory=dict)
    members: dict[str, list[str]] = field(default_factory=dict)
    # History records by id: (entity, key, at, after), or None for one found wrong.
    changes: dict[int, tuple[str, str, datetime, Any] | None] = field(default_factory=dict)
    spare: dict[tuple[str, int], tuple[int | None, datetime]] = field(default_factory=dict)
    batches: dict[int, Batch] = field(default_factory=dict)
    rounds: dict[object, int] = field(default_factory=dict)  # a round's id: its year
    geography: Geography = field(default_factory=lambda: Geography([], []))
    _scopes: dict[tuple[str, int], frozenset[str]] = field(default_factory=dict)

    def place(self, number: object, year: int) -> Municipality:
        """The municipality of a number in the structure of a year's figures."""
        found = self.geography.get(str(number), structure_for(year))
        if found is None:
            raise ValueError(
                f"municipality {number!r} does not exist in the {structure_for(year)} "
                f"structure used for {year}"
            )
        return found

    def scope_numbers(self, scope: str, year: int) -> frozenset[str]:
        """The numbers of a batch scope's members in a year, worked out once per scope
        and year (thousands of batches and assignments of the country ask)."""
        key = (scope, year)
        if key not in self._scopes:
            members = self.geography.scope_members(scope, year)
            self._scopes[key] = frozenset(m.number for m in members)
        return self._scopes[key]

    def known(self, number: object) -> None:
        if self.geography.any_structure(str(number)) is None:
            raise ValueError(f"no municipality has number {number!r}")


def text(value: Any, column: str) -> str:
    """A column the bot writes as text (the rules' text checks take nothing else)."""
    if not isinstance(value, str):
        raise ValueError(f"{column} is {str(value)[:40]!r}, not a text")
    return value


def json_text(value: Any, column: str) -> Any:
    """A column the bot writes as JSON text, read as the reads read it."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{column} is {value!r}, not JSON text")
    try:
        return json.loads(value)
    except (json.JSONDecodeError, RecursionError):  # RecursionError: nested past parsing
        raise ValueError(f"{column} is not JSON: {value[:40]!r}") from None


def utc_time(value: Any, column: str, *, empty: bool = False) -> datetime | None:
    """A time as the bot writes it (`core.iso`: UTC, to the microsecond), which is what
    lets the reads compare times as text."""
    if value is None and empty:
        return None
    try:
        if not _UTC_TIME.fullmatch(value):
            raise ValueError(value)
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(
            f"{column} {str(value)[:40]!r} is not a UTC time as the bot writes it"
        ) from None


def row_id(value: Any, column: str = "id") -> int:
    return check_count(value, column, minimum=1, maximum=MAX_ID)


def units(values: Mapping[str, Any]) -> tuple[households.Unit, ...]:
    """A batch's or an assignment's households as units, each size within the limits
    (a row from before linked households holds sizes alone: each is a unit)."""
    sizes = json_text(values.get("households"), "households")
    linked = json_text(values.get("units"), "units")
    if not isinstance(sizes, list) or not isinstance(linked, list | None):
        raise ValueError("households are not a list of sizes")
    alone = households.as_units(sizes)
    found = alone if linked is None else households.as_units(linked)
    if sorted(households.flat(found)) != sorted(households.flat(alone)):
        raise ValueError("households and units do not hold the same sizes")
    return found
