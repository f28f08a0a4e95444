"""Everything out as JSON, one table at a time as CSV.

The JSON export (`export(service, "json")`) is the whole database: every table's rows as
they are, generic over the schema (a table a later migration adds is in it), with the
schema version; what triggers derive is left out. `restore.import_json` loads it into a
new database, whose own export is then identical. The CSV exports are for people: the
figures CSV is the wide import format (`imports.py`, which ignores the `name` column), so
it imports back to the same figures; `excel=True` writes them as Excel in Norwegian
settings opens them (`;`, UTF-8 with a BOM). No text cell is written so that a
spreadsheet would run it.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from capacity import errors
from capacity.models import Batch, Change, Measure
from capacity.reference.geography import structure_for
from capacity.reference.imdi import shown
from capacity.service import Capacity
from capacity.transfer.formats import MEASURE_COLUMNS, WIDE_NAME, WIDE_NUMBER, WIDE_YEAR
from capacity.transfer.restore import FORMAT, FORMAT_VERSION

EXPORT_FORMATS = ("csv", "json")
EXPORT_TABLES = ("figures", "history", "batches")
FIGURE_FIELDS = (
    "number",
    "year",
    "measure",
    "value",
    "change_id",
    "at",
    "actor",
    "actor_name",
    "source",
)
HISTORY_COLUMNS = (
    "id",
    "at",
    "actor",
    "actor_name",
    "source",
    "reason",
    "entity",
    "key",
    "name",
    "before",
    "after",
)
BATCH_COLUMNS = (
    "batch_id",
    "batch",
    "year",
    "persons",
    "households",
    "scope",
    "status",
    "created_at",
    "created_by",
    "allocation_id",
    "number",
    "municipality",
    "allocated_persons",
    "allocated_households",
    "active",
    "allocated_at",
    "allocated_by",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The start of the cell, or of a line inside it, followed by a formula's first character.
_FORMULA_LINE = re.compile("(^|[\r\n])(?=[" + re.escape("".join(FORMULA_STARTS)) + "])")
CRLF = "\r\n"
EXCEL_DELIMITER = ";"  # Excel in Norwegian settings: the comma is the decimal sign
BOM = "\ufeff"  # tells Excel the file is UTF-8

Rows = tuple[Sequence[str], Iterable[Sequence[object]]]


def export(service: Capacity, fmt: str, what: str = "all", *, excel: bool = False) -> str:
    """JSON of everything ("all", the document `import` loads back), or a view of one
    table (figures, history or batches) as JSON or CSV; `excel` writes the CSV for Excel
    in Norwegian settings."""
    fmt, what = fmt.strip().lower(), what.strip().lower()
    if fmt not in EXPORT_FORMATS:
        raise errors.InvalidInput("export_format", field="format", value=fmt)
    if what not in (*EXPORT_TABLES, "all"):
        raise errors.InvalidInput("export_what", field="what", value=what)
    if fmt == "csv" and what == "all":
        raise errors.InvalidInput("csv_one_table", field="what", value=what)
    if excel and fmt != "csv":
        raise errors.InvalidInput("excel_csv", field="format", value=fmt)
    with service.snapshot():
        if fmt == "json" and what == "all":
            return document_text(document(service))
        if fmt == "json":
            return _json_view(service, what)
        return _write_csv(*CSV_EXPORTS[what](service), excel=excel)


def document(service: Capacity) -> dict[str, Any]:
    """The whole database as a JSON document (see `restore.document` for its checks)."""
    dump = service.dump()
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema_version": len(dump.migrations),
        "migrations": list(dump.migrations),
        "sequences": dump.sequences,
        "tables": dump.tables,
    }


_ENCODER = json.JSONEncoder(ensure_ascii=False)


def document_text(found: dict[str, Any]) -> str:
    """JSON with one row a line: readable, and a change is one line in a diff."""

    dumps = _ENCODER.encode  # json.dumps(value, ensure_ascii=False), without a new encoder a row
    lines = ["{"]
    lines += [f"  {dumps(key)}: {dumps(value)}," for key, value in found.items() if key != "tables"]
    lines.append('  "tables": {')
    tables = list(found["tables"].items())
    for position, (name, rows) in enumerate(tables):
        end = "," if position < len(tables) - 1 else ""
        if not rows:
            lines.append(f"    {dumps(name)}: []{end}")
            continue
        lines.append(f"    {dumps(name)}: [")
        lines.append(",\n".join(f"      {dumps(row)}" for row in rows))
        lines.append(f"    ]{end}")
    lines += ["  }", "}"]
    return "\n".join(lines) + "\n"


def _json_view(service: Capacity, what: str) -> str:
    readers: dict[str, Callable[[Capacity], list[dict[str, Any]]]] = {
        "figures": figure_records,
        "history": lambda s: [change.model_dump(mode="json") for change in s.history()],
        "batches": lambda s: [batch.model_dump(mode="json") for batch in _batches(s)],
    }
    return json.dumps({what: readers[what](service)}, ensure_ascii=False, indent=2) + "\n"


def figure_records(service: Capacity) -> list[dict[str, Any]]:
    """Every current figure with the change that set it, by year, number and measure."""
    order = {measure.value: position for position, measure in enumerate(Measure)}
    rows = service.figure_records()
    rows.sort(key=lambda row: (row["year"], row["number"], order.get(row["measure"], len(order))))
    return [{field: row[field] for field in FIGURE_FIELDS} for row in rows]


def _batches(service: Capacity) -> list[Batch]:
    return sorted(service.batches(), key=lambda batch: batch.id)


def _write_csv(columns: Sequence[str], rows: Iterable[Sequence[object]], *, excel: bool) -> str:
    """CSV with every text cell defused (`_text`); for Excel: `;`, CRLF and a BOM (the
    Slack export and list, `bot.sheets`, write theirs with it too).

    Rows are written with the CRLF terminator and, for the plain CSV, ended with LF
    after: Python's writer quotes a cell holding a character of its terminator, so a
    cell with a carriage return as well as one with a line feed is quoted either way (a
    spreadsheet would end the row at an unquoted carriage return)."""
    out, row_text = io.StringIO(), io.StringIO()
    writer = csv.writer(row_text, delimiter=EXCEL_DELIMITER if excel else ",", lineterminator=CRLF)
    newline = CRLF if excel else "\n"
    for row in itertools.chain([columns], rows):
        row_text.seek(0)
        row_text.truncate()
        writer.writerow([_text(cell) if isinstance(cell, str) else cell for cell in row])
        out.write(row_text.getvalue().removesuffix(CRLF) + newline)
    return (BOM if excel else "") + out.getvalue()


def _name(service: Capacity, number: str, year: int) -> str:
    """The municipality's name in the structure of the year's figures ('' if none)."""
    found = service.geography.get(number, structure_for(year))
    return found.name if found else ""


def _figures_csv(service: Capacity) -> Rows:
    """The wide import format with the name beside the number: `:` for unknown, empty
    for no figure."""
    places: dict[tuple[int, str], dict[str, int | None]] = {}
    for record in figure_records(service):
        values = places.setdefault((record["year"], record["number"]), {})
        values[record["measure"]] = record["value"]
    return (
        (WIDE_NUMBER, WIDE_NAME, WIDE_YEAR, *MEASURE_COLUMNS),
        (
            (
                number,
                _name(service, number, year),
                year,
                *(_figure_cell(values, column) for column in MEASURE_COLUMNS),
            )
            for (year, number), values in sorted(places.items())
        ),
    )


def _figure_cell(values: dict[str, int | None], column: str) -> str:
    if column not in values:
        return ""
    return shown(values[column])


def _history_csv(service: Capacity) -> Rows:
    return HISTORY_COLUMNS, (_history_row(service, change) for change in service.history())


def _history_row(service: Capacity, change: Change) -> list[object]:
    """A record; `name` is the municipality's when the key starts with number/year."""
    number, _, rest = change.key.partition("/")
    year = rest.partition("/")[0]
    name = _name(service, number, int(year)) if year.isdigit() and number.isdigit() else ""
    return [
        change.id,
        change.at.isoformat(timespec="microseconds"),
        change.actor,
        change.actor_name,
        change.source,
        change.reason,
        change.entity,
        change.key,
        name,
        json.dumps(change.before, ensure_ascii=False),
        json.dumps(change.after, ensure_ascii=False),
    ]


def _batches_csv(service: Capacity) -> Rows:
    return BATCH_COLUMNS, (row for b in _batches(service) for row in _batch_rows(b))


def _batch_rows(batch: Batch) -> Iterator[list[object]]:
    """One row per allocation, the batch repeated on each; one row for a batch without."""
    head = [
        batch.id,
        batch.name,
        batch.year,
        batch.persons,
        json.dumps(list(batch.households)),
        batch.scope,
        batch.status.value,
        batch.created_at.isoformat(timespec="microseconds"),
        batch.created_by,
    ]
    if not batch.allocations:
        yield head + [""] * (len(BATCH_COLUMNS) - len(head))
    for allocation in batch.allocations:
        yield head + [
            allocation.id,
            allocation.number,
            allocation.municipality,
            allocation.persons,
            json.dumps(list(allocation.households)),
            int(allocation.active),
            allocation.created_at.isoformat(timespec="microseconds"),
            allocation.created_by,
        ]


def _text(value: str) -> str:
    """A text cell for a spreadsheet (`_write_csv` passes every one through here): one
    starting like a formula gets a leading `'`, and so does every line inside it that
    starts like one (after a carriage return or a line feed), so that opening the export
    never runs what someone typed (CSV injection)."""
    return _FORMULA_LINE.sub(r"\1'", value)


CSV_EXPORTS: dict[str, Callable[[Capacity], Rows]] = {
    "figures": _figures_csv,
    "history": _history_csv,
    "batches": _batches_csv,
}
