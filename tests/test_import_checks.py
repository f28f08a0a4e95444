"""`capacity import FILE.json` loads only what the use cases could have written: every row
goes through the models and rules they apply, every problem is named with its table, row
and column, and a file with any problem loads nothing. An edited export (the audit's 26,
and more) is refused; an export as the bot wrote it, overbooking confirmed by a report
included, is loaded whole."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from capacity import errors
from capacity.transfer import export_checks
from capacity.transfer.exports import export
from capacity.transfer.restore import import_json
from tests import test_restore
from tests.conftest import ADMIN
from tests.test_restore import opened

# The scenario after Moria (`tests.test_restore`): its fixtures, shared.
_moria_template = test_restore._moria_template
moria = test_restore.moria
moria_document = test_restore.moria_document

Document = dict[str, Any]
CAPACITY = Path(sys.executable).with_name("capacity")  # the installed command


def first(document: Document, table: str, **where: Any) -> dict[str, Any]:
    """The first row of a table with the values given (edited in place)."""
    return next(
        row
        for row in document["tables"][table]
        if all(row.get(key) == value for key, value in where.items())
    )


def spare(value: Any) -> Callable[[Document], None]:
    def edit(document: Document) -> None:
        first(document, "figures", number="0301", year=2020, measure="spare")["value"] = value

    return edit


def figure(column: str, value: Any, measure: str = "decision") -> Callable[[Document], None]:
    def edit(document: Document) -> None:
        first(document, "figures", number="0301", year=2020, measure=measure)[column] = value

    return edit


def row(table: str, column: str, value: Any, **where: Any) -> Callable[[Document], None]:
    def edit(document: Document) -> None:
        first(document, table, **where)[column] = value

    return edit


def overbooking(document: Document) -> None:
    """Oslo's 73 places booked beyond its report by one more assignment (of the batch
    Kvote 2020, in scope and within its persons): one that `allocate` would refuse."""
    last = document["tables"]["allocations"][-1]
    document["tables"]["allocations"].append(
        {**last, "id": last["id"] + 1, "batch_id": 2, "number": "0301", "persons": 70}
        | {"households": "[]", "units": "[]", "active": 1, "released_at": None}
    )


def history_not_json(document: Document) -> None:
    document["tables"]["changes"][10]["after"] = "{not json"


def figure_history_as_text(document: Document) -> None:
    change = first(document, "changes", entity="figure")
    change["after"] = '"abc"'  # what "as of" reads would take as the figure's value


EDITS = {
    "spare -100": (spare(-100), "figures", "value"),
    "decision -5": (figure("value", -5), "figures", "value"),
    "2^63-1": (spare(2**63 - 1), "figures", "value"),
    "1e308": (spare(1e308), "figures", "value"),
    "abc": (spare("abc"), "figures", "value"),
    "measure bogus": (figure("measure", "bogus"), "figures", "measure"),
    "figure of 9999": (figure("number", "9999"), "figures", "number"),
    "figure of year 99999": (figure("year", 99999), "figures", "year"),
    "spare not its history's": (spare(74), "figures", "change_id"),
    "batch of 10^12": (row("batches", "persons", 10**12, id=2), "batches", "persons"),
    "batch year 99999": (row("batches", "year", 99999, id=2), "batches", "year"),
    "status hacked": (row("batches", "status", "hacked", id=1), "batches", "status"),
    "households not adding up": (
        row("batches", "households", "[5]", id=2),
        "batches",
        "households",
    ),
    "scope atlantis": (row("batches", "scope", "atlantis", id=2), "batches", "scope"),
    "batch name 200": (row("batches", "name", "x" * 200, id=2), "batches", "name"),
    "overbooking": (overbooking, "allocations", "persons"),
    "assignment in 9999": (row("allocations", "number", "9999", id=1), "allocations", "number"),
    "assignment outside scope": (
        row("allocations", "number", "3001", id=1),
        "allocations",
        "number",
    ),
    "assignment of 10^12": (row("allocations", "persons", 10**12, id=1), "allocations", "persons"),
    "role root": (row("roles", "role", "root", user_id=ADMIN.id), "roles", "role"),
    "editor of 9999": (row("roles", "number", "9999", role="editor"), "roles", "number"),
    "history not JSON": (history_not_json, "changes", "after"),
    "history of a hack": (row("changes", "entity", "<hack>", id=5), "changes", "entity"),
    "figure history by another key": (row("changes", "key", "0301-2020", id=5), "changes", "key"),
    "figure history as text": (figure_history_as_text, "changes", "after"),
    "history at yesterday": (row("changes", "at", "yesterday", id=5), "changes", "at"),
    "alert not an event": (row("outbox", "payload", "{}", id=1), "outbox", "kind"),
    "alert hacked": (row("outbox", "status", "hacked", id=1), "outbox", "status"),
    "planning year 99999": (row("settings", "value", "99999"), "settings", "value"),
    "municipality 12345": (row("municipalities", "number", "12345"), "municipalities", "number"),
}


def test_the_rows_are_checked_with_the_rules_the_use_cases_apply():
    """A small document, checked alone: no database is opened."""
    oslo = {"structure": 2020, "number": "0301", "name": "Oslo", "name_no": "Oslo"}
    record = {"id": 1, "at": "2020-09-30T10:00:00.000000+00:00", "actor": "ks"}
    tables = {
        "municipalities": [oslo],
        "changes": [record | {"entity": "figure", "key": "0301/2020/spare", "after": "-100"}],
        "figures": [{"number": "0301", "year": 2020, "measure": "spare", "value": -100}]
        + [{"number": "9999", "year": 2020, "measure": "decision", "value": 5}],
        "roles": [{"user_id": "U1", "role": "root", "number": ""}],
    }

    with pytest.raises(errors.InvalidExport) as refused:
        export_checks.check(tables, {}, "small.json")

    assert [(p.table, p.row, p.column) for p in refused.value.problems] == [
        ("changes", 1, "after"),
        ("figures", 1, "value"),
        ("figures", 2, "number"),
        ("roles", 1, "granted_at"),
        ("roles", 1, "role"),
    ]
    assert refused.value.problems[1].what == (
        "spare capacity must be a whole number from 0 to 100000, not -100"
    )


def edited(text: str, change: Callable[[Document], None]) -> bytes:
    document = json.loads(text)
    change(document)
    return json.dumps(document).encode()


@pytest.mark.parametrize(("change", "table", "column"), EDITS.values(), ids=EDITS.keys())
@pytest.mark.slow  # a whole export read and checked, each
def test_an_edited_export_is_refused_naming_the_table_row_and_column(
    moria_document, tmp_path, change, table, column
):
    target = tmp_path / "new.db"
    with pytest.raises(errors.InvalidExport) as refused:
        import_json(edited(moria_document, change), "edited.json", target)

    problems = refused.value.problems
    assert (problems[0].table, problems[0].column) == (table, column), problems
    assert problems[0].row >= 1 and problems[0].what
    assert not target.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_a_huge_counter_is_refused_with_its_table(moria_document, tmp_path):
    def counter(document: Document) -> None:
        document["sequences"]["changes"] = 2**63 - 1  # every history record after: "full"

    with pytest.raises(errors.InvalidExport) as refused:
        import_json(edited(moria_document, counter), "edited.json", tmp_path / "new.db")
    assert [(p.table, p.column) for p in refused.value.problems] == [("sequences", "changes")]


@pytest.mark.slow
def test_every_problem_is_counted_and_the_first_twenty_are_kept(moria_document, tmp_path):
    def many(document: Document) -> None:
        for figure_row in document["tables"]["figures"][:30]:
            figure_row["value"] = -1

    with pytest.raises(errors.InvalidExport) as refused:
        import_json(edited(moria_document, many), "many.json", tmp_path / "new.db")

    assert refused.value.facts["count"] == 30 and len(refused.value.problems) == 20
    assert [p.row for p in refused.value.problems] == list(range(1, 21))
    assert str(refused.value) == "many.json has 30 problems with capacity-bot's own rules; " + (
        "nothing was imported"
    )


NASTY = (None, True, -1, 1.5, 2**70, "", "x", "{", "2020", [1], {"a": 1})
NASTY_JSON = ("null", "1e999", '["a"]', "[1, [2, [3]]]", '{"a": 1}', "[[]]", "[0]", "[" * 100_000)


@pytest.fixture(scope="module")
def small_document(moria_document) -> Document:
    """The scenario after Moria with its figures cut to the reported spare places and
    Oslo's, and their history records: every table there, checked in milliseconds."""
    document = json.loads(moria_document)
    tables = document["tables"]
    tables["figures"] = [
        f for f in tables["figures"] if f["measure"] == "spare" or f["number"] == "0301"
    ]
    kept = {f["change_id"] for f in tables["figures"]}
    tables["changes"] = [c for c in tables["changes"] if c["id"] in kept or c["entity"] != "figure"]
    places = {f["number"] for f in tables["figures"]} | {"3001"}
    tables["crosswalk"] = [c for c in tables["crosswalk"] if c["number_2020"] in places]
    places |= {c["number_2024"] for c in tables["crosswalk"]}
    tables["municipalities"] = [m for m in tables["municipalities"] if m["number"] in places]
    export_checks.check(tables, document["sequences"], "small.json")  # sound as it is
    return document


@pytest.mark.slow  # about a thousand documents checked
def test_no_value_in_any_column_makes_the_checks_fail_but_as_a_refusal(small_document):
    tables, sequences = small_document["tables"], small_document["sequences"]
    tried = refused = 0
    for table, rows in tables.items():
        for column in rows[0] if rows else ():
            for value in NASTY + NASTY_JSON:
                edited = {**tables, table: [{**rows[0], column: value}, *rows[1:]]}
                tried += 1
                try:
                    export_checks.check(edited, sequences, "fuzzed.json")
                except errors.InvalidExport as problem:
                    refused += 1
                    assert problem.problems and problem.problems[0].table, (table, column)
    assert tried > 800 and refused > tried * 0.7, (tried, refused)


@pytest.mark.slow  # a whole import, and reads after
def test_overbooking_a_report_confirmed_after_the_assignments_is_imported(moria, tmp_path):
    moria.report_spare("Trondheim", 5, ADMIN, year=2020, force=True)  # "save anyway"
    exported = export(moria, "json")

    import_json(exported.encode(), "export.json", tmp_path / "new.db")

    restored = opened(tmp_path / "new.db")
    assert (
        restored.capacity("Trondheim", 2020).overbooked
        == moria.capacity("Trondheim", 2020).overbooked
        > 0
    )
    assert export(restored, "json") == exported
    restored.store.close()


def capacity(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CAPACITY), *args], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.slow  # a process
def test_capacity_import_lists_the_first_twenty_problems_and_the_count(moria_document, tmp_path):
    def many(document: Document) -> None:
        for figure_row in document["tables"]["figures"][:25]:
            figure_row["value"] = -1
        first(document, "roles", user_id=ADMIN.id)["role"] = "root"

    edited_file = tmp_path / "edited.json"
    edited_file.write_bytes(edited(moria_document, many))
    target = tmp_path / "new.db"

    result = capacity("import", str(edited_file), "--db", str(target))

    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert lines[0] == "Error: edited.json has 26 problems with capacity-bot's own rules; " + (
        "nothing was imported"
    )
    assert lines[1] == (
        "  figures row 1, value: original_request must be a whole number from 0 to 100000, not -1"
    )
    assert len(lines) == 1 + 20 + 1 and lines[-1] == "  … and 6 more"
    assert not target.exists()


@pytest.mark.slow  # a process, and a whole import
def test_capacity_import_of_an_export_as_the_bot_wrote_it_loads_and_answers(moria, tmp_path):
    exported = tmp_path / "export.json"
    exported.write_text(export(moria, "json"))
    target = tmp_path / "new.db"

    result = capacity("import", str(exported), "--db", str(target))
    shown = capacity("show", "Oslo", "--json", "--db", str(target))
    country = capacity("show", "norge", "--db", str(target))
    history = capacity("history", "Oslo", "--db", str(target))
    batches = capacity("batch", "list", "--db", str(target))

    assert result.returncode == 0, result.stderr
    assert json.loads(shown.stdout)["spare"] == 73
    for answer in (country, history, batches):
        assert answer.returncode == 0 and answer.stdout, answer.stderr
