"""CSV exports a coordinator opens in a spreadsheet: names beside numbers, Excel in
Norwegian settings, and no cell that a spreadsheet would run."""

from __future__ import annotations

import csv
import io
import re

import pytest

from capacity import errors
from capacity.models import Actor
from capacity.transfer.exports import BOM, EXPORT_TABLES, FORMULA_STARTS, _text, export
from capacity.transfer.imports import empty_database, import_bytes
from tests.conftest import ADMIN, CLI

TYPED = Actor(id="U_TYPED", name="@channel")


@pytest.fixture
def typed(fresh):
    """Text people typed that a spreadsheet would run, in every kind of free text."""
    fresh.grant(TYPED.id, "admin", ADMIN)
    batch = fresh.create_batch('=HYPERLINK("http://x")', 10, TYPED, year=2020).batch
    fresh.allocate(batch.id, "Oslo", 6, TYPED)
    fresh.report_spare("Bergen", 45, TYPED, year=2020, source="+47 555 55 555", reason="-1 ok")
    fresh.report_spare("Tromsø", 40, TYPED, year=2020, source="@kommunen", reason="=1+1")
    return fresh


def cells(text: str, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix(BOM), newline=""), delimiter=delimiter))


@pytest.mark.parametrize("excel", [False, True])
@pytest.mark.parametrize("what", EXPORT_TABLES)
@pytest.mark.slow
def test_no_cell_of_any_csv_export_starts_like_a_formula(typed, what, excel):
    rows = cells(export(typed, "csv", what, excel=excel), ";" if excel else ",")

    found = [cell for row in rows for cell in row]
    assert found and not [cell for cell in found if cell.startswith(FORMULA_STARTS)]


@pytest.mark.slow
def test_text_that_looks_like_a_formula_keeps_its_text_behind_a_quote(typed):
    batches = list(csv.DictReader(io.StringIO(export(typed, "csv", "batches"))))
    history = list(csv.DictReader(io.StringIO(export(typed, "csv", "history"))))

    assert {row["batch"] for row in batches} == {'\'=HYPERLINK("http://x")'}
    assert {row["created_by"] for row in batches} == {"U_TYPED"}
    bergen = next(row for row in history if row["source"] == "'+47 555 55 555")
    assert (bergen["actor_name"], bergen["reason"]) == ("'@channel", "'-1 ok")
    tromso = next(row for row in history if row["key"] == "5401/2020/spare" and row["reason"])
    assert (tromso["source"], tromso["reason"]) == ("'@kommunen", "'=1+1")


CARRIAGE = Actor(id="U_CR", name="Kari\r=cmd|' /C calc'!A0")  # a name with a line break


@pytest.mark.parametrize("excel", [False, True])
@pytest.mark.slow
def test_a_cell_with_a_line_break_is_quoted_and_no_line_inside_it_starts_like_a_formula(
    fresh, excel
):
    fresh.grant(CARRIAGE.id, "admin", ADMIN)
    fresh.report_spare("Bergen", 44, CARRIAGE, year=2020, source="e-post")
    delimiter = ";" if excel else ","

    text = export(fresh, "csv", "history", excel=excel)

    rows = cells(text, delimiter)
    assert {len(row) for row in rows} == {len(rows[0])}  # no row ended inside a cell
    records = csv.DictReader(io.StringIO(text.removeprefix(BOM), newline=""), delimiter=delimiter)
    kari = next(row for row in records if row["actor"] == CARRIAGE.id)
    assert kari["actor_name"] == "Kari\r'=cmd|' /C calc'!A0"
    assert "\"Kari\r'=cmd|" in text  # quoted: a spreadsheet reads the CR inside the cell
    lines = [line for row in rows for cell in row for line in re.split(r"[\r\n]+", cell)]
    assert not [line for line in lines if line.startswith(FORMULA_STARTS)]


def test_every_line_of_a_text_cell_that_starts_like_a_formula_gets_a_quote():
    assert _text("e-post\n@kommunen\r\n=1+1\r-2") == "e-post\n'@kommunen\r\n'=1+1\r'-2"
    assert _text("=A1") == "'=A1" and _text("Kari Nordmann") == "Kari Nordmann"


def test_the_figures_csv_names_each_municipality_in_its_years_structure(fresh):
    fresh.report_spare("Tromsø", 12, ADMIN, year=2024, source="e-post")

    rows = list(csv.DictReader(io.StringIO(export(fresh, "csv", "figures"))))

    assert list(rows[0])[:3] == ["number", "name", "year"]
    named = {(row["number"], row["year"]): row["name"] for row in rows}
    assert named[("5401", "2020")] == "Tromsø"
    assert named[("5501", "2024")] == "Tromsø"
    assert named[("5001", "2020")] == "Trondheim"
    assert all(named.values())


def test_the_history_csv_names_the_municipality_of_a_figure_or_an_assignment(typed):
    rows = list(csv.DictReader(io.StringIO(export(typed, "csv", "history"))))

    by_entity = {row["entity"]: row for row in rows if row["entity"] in ("allocation", "batch")}
    assert by_entity["allocation"]["name"] == "Oslo"
    assert by_entity["batch"]["name"] == ""
    assert next(row for row in rows if row["key"] == "4601/2020/spare")["name"] == "Bergen"


@pytest.mark.slow
def test_the_excel_csv_is_semicolon_separated_utf8_with_a_bom_and_crlf(typed):
    text = export(typed, "csv", "figures", excel=True)

    data = text.encode("utf-8")
    assert data.startswith(b"\xef\xbb\xbf" + b"number;name;year;")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    assert "Bærum" in text  # UTF-8, not Windows-1252
    plain = cells(export(typed, "csv", "figures"))
    assert cells(text, ";") == plain


@pytest.mark.parametrize("excel", [False, True])
@pytest.mark.slow
def test_the_figures_csv_with_its_name_column_imports_back_to_the_same_figures(fresh, excel):
    fresh.report_spare("Bergen", 45, ADMIN, year=2024, source="e-post")
    exported = export(fresh, "csv", "figures", excel=excel)
    target = empty_database()

    summary = import_bytes(target, exported.encode("utf-8"), "tall.csv", CLI)

    assert summary.changed == len(fresh.figure_records())
    assert export(target, "csv", "figures", excel=excel) == exported


def test_the_excel_variant_of_json_is_refused(fresh):
    with pytest.raises(errors.InvalidInput) as raised:
        export(fresh, "json", "figures", excel=True)
    assert raised.value.code == "excel_csv"
