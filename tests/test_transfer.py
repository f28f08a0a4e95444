"""Import of IMDi's export and of the wide CSV, and export as CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from capacity import errors
from capacity.models import Actor, Measure
from capacity.service import Capacity
from capacity.transfer.exports import export
from capacity.transfer.imports import (
    FigureRow,
    empty_database,
    import_file,
    read_figures,
)

ADMIN = Actor(id="importer", name="Import test", trusted=True)
STRANGER = Actor(id="U999", name="Someone")

IMDI_HEADER = "Kommunenummer;Kommune;Anmodning, vedtak og faktisk bosetting;Enhet;År;Antall"


@pytest.fixture
def service(seeded) -> Capacity:
    return seeded


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def figures(service: Capacity) -> set[tuple[str, int, str, int | None]]:
    """Every current figure as (number, year, measure, value)."""
    rows = service.store.db.execute("SELECT number, year, measure, value FROM figures")
    return {tuple(row) for row in rows.fetchall()}  # type: ignore[misc]


def value(service: Capacity, number: str, year: int, measure: Measure) -> object:
    """The figure's value, None for unknown, or "absent" when there is no figure."""
    row = service.store.db.execute(
        "SELECT value FROM figures WHERE number = ? AND year = ? AND measure = ?",
        [number, year, measure.value],
    ).fetchone()
    return "absent" if row is None else row[0]


def problems_of(path: Path, service: Capacity) -> list[tuple[int, str]]:
    with pytest.raises(errors.InvalidImportFile) as raised:
        read_figures(path, service.geography)
    return raised.value.problems


# -- the wide format -------------------------------------------------------------------------


def test_wide_csv_imports_known_unknown_and_skips_empty_cells(service, tmp_path):
    path = write(
        tmp_path,
        "figures-2019.csv",
        "number,year,original_request,request,decision,settled,spare\n"
        "0301,2019,300,250,:,,40\n"
        "4601,2019,:,:,:,:,\n",
    )

    summary = import_file(service, path, ADMIN)

    assert summary.rows == 8
    assert summary.changed == 8
    assert value(service, "0301", 2019, Measure.ORIGINAL_REQUEST) == 300
    assert value(service, "0301", 2019, Measure.DECISION) is None
    assert value(service, "0301", 2019, Measure.SETTLED) == "absent"
    assert value(service, "0301", 2019, Measure.SPARE) == 40
    assert value(service, "4601", 2019, Measure.SETTLED) is None
    assert value(service, "4601", 2019, Measure.SPARE) == "absent"


def test_wide_csv_may_hold_only_some_measures_and_a_name_column(service, tmp_path):
    path = write(
        tmp_path,
        "spare.csv",
        "number,name,year,spare,minors_request\n0301,Oslo,2024,80,:\n",
    )

    rows = read_figures(path, service.geography)

    assert rows == [
        FigureRow(line=2, number="0301", year=2024, measure=Measure.MINORS_REQUEST, value=None),
        FigureRow(line=2, number="0301", year=2024, measure=Measure.SPARE, value=80),
    ]


def test_a_number_that_lost_its_leading_zero_is_padded(service, tmp_path):
    path = write(tmp_path, "f.csv", "number,year,request\n301,2019,10\n")

    assert [row.number for row in read_figures(path, service.geography)] == ["0301"]


def test_semicolons_are_recognised_in_the_wide_format(service, tmp_path):
    path = write(tmp_path, "f.csv", "number;year;request\n0301;2019;10\n")

    assert [row.value for row in read_figures(path, service.geography)] == [10]


# -- IMDi's export ---------------------------------------------------------------------------


def test_imdi_export_in_windows_1252_with_semicolons_is_read(service, tmp_path):
    path = write(
        tmp_path,
        "bosatt_anmodede.csv",
        IMDI_HEADER + "\r\n"
        "301;Oslo;Opprinnelig anmodning;Personer;2019;1200\r\n"
        "3024;Bærum;Vedtak om bosetting;Personer;2019;:\r\n"
        "5401;Tromsø;Faktisk bosetting;Personer;2023;\r\n"
        "1508;Ålesund;Anmodning om bosetting;Personer;2024;40\r\n",
        encoding="cp1252",
    )
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")

    summary = import_file(service, path, ADMIN)

    assert summary.rows == 4
    assert value(service, "0301", 2019, Measure.ORIGINAL_REQUEST) == 1200
    assert value(service, "3024", 2019, Measure.DECISION) is None
    assert value(service, "5401", 2023, Measure.SETTLED) is None
    assert value(service, "1508", 2024, Measure.REQUEST) == 40


def test_imdi_export_in_utf8_with_bom_and_commas_is_read(service, tmp_path):
    path = write(
        tmp_path,
        "bosatt_anmodede.csv",
        'Kommunenummer,Kommune,"Anmodning, vedtak og faktisk bosetting",Enhet,År,Antall\n'
        "5501,Tromsø,Vedtak om bosetting,Personer,2024,75\n",
        encoding="utf-8-sig",
    )

    assert read_figures(path, service.geography) == [
        FigureRow(line=2, number="5501", year=2024, measure=Measure.DECISION, value=75)
    ]


def test_imdi_percent_rows_are_ignored_even_when_their_numbers_are_not_counts(service, tmp_path):
    path = write(
        tmp_path,
        "bosatt_anmodede.csv",
        IMDI_HEADER + "\n"
        "0301;Oslo;Faktisk bosetting;Personer;2019;500\n"
        "0301;Oslo;Faktisk bosetting;Prosent;2019;95,5\n"
        "0301;Oslo;Faktisk bosetting;Prosent;2019;:\n",
    )

    assert read_figures(path, service.geography) == [
        FigureRow(line=2, number="0301", year=2019, measure=Measure.SETTLED, value=500)
    ]


# -- invalid files ---------------------------------------------------------------------------

WIDE_GOOD_LINE = "number,year,request\n0301,2019,10\n"
IMDI_GOOD_LINE = IMDI_HEADER + "\n0301;Oslo;Faktisk bosetting;Personer;2019;500\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(WIDE_GOOD_LINE + "9998,2019,10\n", "9998 does not exist", id="unknown-number"),
        pytest.param(WIDE_GOOD_LINE + "03O1,2019,10\n", "not a municipality", id="not-digits"),
        pytest.param(WIDE_GOOD_LINE + "03011,2019,10\n", "not a municipality", id="five-digits"),
        pytest.param(WIDE_GOOD_LINE + ",2019,10\n", "number is missing", id="no-number"),
        pytest.param(WIDE_GOOD_LINE + "0301,1999,10\n", "year '1999'", id="year-too-early"),
        pytest.param(WIDE_GOOD_LINE + "0301,2101,10\n", "year '2101'", id="year-too-late"),
        pytest.param(WIDE_GOOD_LINE + "0301,2019.0,10\n", "year '2019.0'", id="year-decimal"),
        pytest.param(WIDE_GOOD_LINE + "0301,,10\n", "year ''", id="no-year"),
        pytest.param(WIDE_GOOD_LINE + "0301,2019,12.5\n", "count '12.5'", id="count-decimal"),
        pytest.param(WIDE_GOOD_LINE + "0301,2019,-3\n", "count '-3'", id="count-negative"),
        pytest.param(WIDE_GOOD_LINE + "0301,2019,100001\n", "count '100001'", id="count-big"),
        pytest.param(WIDE_GOOD_LINE + "0301,2019,mange\n", "count 'mange'", id="count-text"),
        pytest.param(WIDE_GOOD_LINE + "0301,2019,..\n", "count '..'", id="count-dots"),
        pytest.param(WIDE_GOOD_LINE + "0301,2019,10,4\n", "4 fields", id="extra-field"),
        pytest.param(
            IMDI_GOOD_LINE + "0301;Oslo;Enslige mindreårige;Personer;2019;5\n",
            "unknown measure 'Enslige mindreårige'",
            id="imdi-unknown-label",
        ),
        pytest.param(
            IMDI_GOOD_LINE + "0301;Oslo;Faktisk bosetting;Husstander;2019;5\n",
            "unit 'Husstander'",
            id="imdi-unknown-unit",
        ),
        pytest.param(
            IMDI_GOOD_LINE + "0301;Oslo;Faktisk bosetting;Personer;2019;5 personer\n",
            "count '5 personer'",
            id="imdi-bad-count",
        ),
    ],
)
def test_an_invalid_line_is_reported_with_its_line_number(service, tmp_path, text, expected):
    problems = problems_of(write(tmp_path, "bad.csv", text), service)

    assert len(problems) == 1
    line, reason = problems[0]
    assert line == 3
    assert expected in reason


def test_every_invalid_line_is_reported_in_line_order(service, tmp_path):
    path = write(
        tmp_path,
        "bad.csv",
        "number,year,request,decision\n"
        "0301,2019,10,12\n"
        "99x8,1999,10,12\n"
        "0301,2022,x,y\n"
        "4601,2019,5,5\n",
    )

    problems = problems_of(path, service)

    assert [line for line, _ in problems] == [3, 3, 4, 4]
    assert "'99x8' is not a municipality number" in problems[0][1]
    assert "year '1999'" in problems[1][1]
    assert problems[2][1].startswith("request:")
    assert problems[3][1].startswith("decision:")


def test_line_numbers_are_physical_lines_across_quoted_newlines_and_blank_lines(service, tmp_path):
    path = write(
        tmp_path,
        "bad.csv",
        'number,year,name,request\n0301,2019,"Oslo\nkommune",10\n\n9998,2019,x,10\n',
    )

    assert [line for line, _ in problems_of(path, service)] == [5]


def test_a_number_of_the_other_structure_is_kept_under_its_years_number(service, tmp_path):
    # IMDi kept 2020 numbers in its figures for later years: Bærum is 3024 until 2023 and
    # 3201 from 2024, whichever number the file uses.
    path = write(
        tmp_path,
        "structures.csv",
        "number,year,request\n"
        "3024,2023,10\n"  # Bærum under the 2020 structure: as it is for 2023
        "3201,2022,11\n"  # a 2024 number for a 2020-structure year
        "3024,2024,12\n",  # a 2020 number for a 2024-structure year
    )

    rows = read_figures(path, service.geography)

    assert [(r.number, r.year, r.value) for r in rows] == [
        ("3024", 2023, 10),
        ("3024", 2022, 11),
        ("3201", 2024, 12),
    ]


def test_a_split_municipalitys_old_number_is_refused_with_its_successors(service, tmp_path):
    path = write(tmp_path, "split.csv", "number,year,request\n1507,2024,10\n9999,2024,1\n")

    problems = problems_of(path, service)

    assert problems == [
        (
            2,
            "municipality number 1507 (2020) stands for several municipalities in the 2024 "
            "structure used for 2024 (Ålesund (1508), Haram (1580)); give their numbers",
        ),
        (3, "municipality number 9999 does not exist in the 2024 structure used for 2024"),
    ]


def test_the_same_figure_twice_with_different_values_is_an_error(service, tmp_path):
    path = write(
        tmp_path,
        "dupes.csv",
        "number,year,request,decision\n0301,2019,10,12\n301,2019,11,12\n",
    )

    assert problems_of(path, service) == [(3, "0301 2019 request is 11 here but 10 on line 2")]


def test_the_same_figure_twice_with_the_same_value_is_read_once(service, tmp_path):
    path = write(tmp_path, "dupes.csv", "number,year,request\n0301,2019,10\n0301,2019,10\n")

    assert len(read_figures(path, service.geography)) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("number,request\n0301,10\n", [(1, "missing column 'year'")], id="wide"),
        pytest.param(
            "Kommunenummer;Kommune;Anmodning, vedtak og faktisk bosetting;Enhet;År\n"
            "0301;Oslo;Faktisk bosetting;Personer;2019\n",
            [(1, "missing column 'Antall'")],
            id="imdi",
        ),
        pytest.param(
            "number,year\n0301,2019\n",
            [
                (
                    1,
                    "no measure column: expected one of original_request, request, decision, "
                    "settled, minors_request, minors_decision, family_reunification, spare",
                )
            ],
            id="no-measure",
        ),
    ],
)
def test_a_missing_required_column_is_reported_on_line_1(service, tmp_path, text, expected):
    assert problems_of(write(tmp_path, "f.csv", text), service) == expected


def test_an_unknown_column_in_the_wide_format_is_reported_on_line_1(service, tmp_path):
    path = write(tmp_path, "f.csv", "number,year,request,setled\n0301,2019,10,5\n")

    [(line, reason)] = problems_of(path, service)

    assert line == 1
    assert "unknown column 'setled'" in reason


def test_a_file_of_another_kind_is_refused_on_line_1(service, tmp_path):
    path = write(tmp_path, "f.csv", "a,b,c\n1,2,3\n")

    [(line, reason)] = problems_of(path, service)

    assert line == 1
    assert "neither IMDi's export" in reason


def test_an_empty_file_is_refused(service, tmp_path):
    assert problems_of(write(tmp_path, "f.csv", "\n"), service) == [(1, "the file is empty")]


def test_the_error_message_names_the_file_and_its_problems(service, tmp_path):
    path = write(tmp_path, "figures.csv", WIDE_GOOD_LINE + "9998,2019,10\n")

    with pytest.raises(errors.InvalidImportFile) as raised:
        import_file(service, path, ADMIN)

    assert str(raised.value) == "figures.csv has 1 problem; nothing was imported"
    assert raised.value.problems == [
        (3, "municipality number 9998 does not exist in the 2020 structure used for 2019")
    ]
    assert raised.value.code == "import"


def test_without_a_geography_only_the_form_of_numbers_is_checked(tmp_path):
    path = write(tmp_path, "f.csv", "number,year,request\n9998,2019,10\n")

    assert [row.number for row in read_figures(path)] == ["9998"]


# -- importing -------------------------------------------------------------------------------


@pytest.mark.slow
def test_import_with_one_bad_row_imports_nothing(service, tmp_path):
    before_figures, before_history = figures(service), len(service.history())
    path = write(
        tmp_path,
        "figures.csv",
        "number,year,request,spare\n0301,2019,10,50\n4601,2019,20,30\n5001,2019,30,x\n",
    )

    with pytest.raises(errors.InvalidImportFile):
        import_file(service, path, ADMIN)

    assert figures(service) == before_figures
    assert len(service.history()) == before_history


@pytest.mark.slow
def test_importing_the_same_file_twice_changes_nothing_the_second_time(service, tmp_path):
    path = write(tmp_path, "figures.csv", "number,year,request,decision\n0301,2019,10,:\n")
    first = import_file(service, path, ADMIN)
    history = len(service.history())
    current = figures(service)

    second = import_file(service, path, ADMIN)

    assert (first.changed, second.changed, second.unchanged) == (2, 0, 2)
    assert len(service.history()) == history
    assert figures(service) == current


@pytest.mark.slow
def test_reimporting_a_corrected_file_changes_only_the_corrected_figure(service, tmp_path):
    import_file(service, write(tmp_path, "a.csv", "number,year,request\n0301,2019,10\n"), ADMIN)
    history = len(service.history())
    corrected = write(tmp_path, "b.csv", "number,year,request,decision\n0301,2019,10,12\n")

    summary = import_file(service, corrected, ADMIN)

    assert summary.changed == 1
    assert len(service.history()) == history + 1


def test_imported_values_are_attributed_to_the_file(service, tmp_path):
    path = write(tmp_path, "oslo-2019.csv", "number,year,request\n0301,2019,10\n")

    summary = import_file(service, path, ADMIN)

    change = service.history("Oslo")[-1]
    assert change.key == "0301/2019/request"
    assert (change.before, change.after) == ("absent", 10)
    assert change.actor == ADMIN.id
    assert "oslo-2019.csv" in change.source
    assert change.source == summary.source
    assert summary.source.startswith("import oslo-2019.csv (sha256 ")
    line = service.capacity("Oslo", 2019)
    assert line.figures[Measure.REQUEST].source == summary.source


def test_an_import_needs_the_admin_role(service, tmp_path):
    before = figures(service)
    path = write(tmp_path, "figures.csv", "number,year,request\n0301,2019,10\n")

    with pytest.raises(errors.PermissionDenied):
        import_file(service, path, STRANGER)

    assert figures(service) == before


@pytest.mark.slow
def test_an_import_into_a_database_on_disk_is_kept(tmp_path):
    database = tmp_path / "capacity.db"
    service = Capacity.open(str(database))
    import_file(service, write(tmp_path, "f.csv", "number,year,spare\n0301,2024,12\n"), ADMIN)
    service.store.close()

    reopened = Capacity.open(str(database))

    assert value(reopened, "0301", 2024, Measure.SPARE) == 12
    reopened.store.close()


# -- exporting -------------------------------------------------------------------------------


@pytest.mark.slow
def test_export_then_import_reproduces_the_figures_exactly(tmp_path):
    source = Capacity.open(str(tmp_path / "source.db"))
    source.report_spare("Bergen", 45, ADMIN, year=2024)
    source.set_figures(
        [("0301", 2019, Measure.MINORS_REQUEST, None), ("0301", 2019, Measure.SETTLED, 0)],
        ADMIN,
        source="test",
    )
    exported = export(source, "csv", "figures")
    path = write(tmp_path, "export.csv", exported)
    target = empty_database(tmp_path / "target.db")

    summary = import_file(target, path, ADMIN)

    assert figures(target) == figures(source)
    assert summary.changed == len(figures(source))
    assert value(target, "1111", 2020, Measure.REQUEST) is None  # IMDi ':' stays unknown
    assert value(target, "0301", 2019, Measure.MINORS_REQUEST) is None
    assert value(target, "0301", 2019, Measure.MINORS_DECISION) == "absent"
    assert value(target, "0301", 2019, Measure.SETTLED) == 0
    assert export(target, "csv", "figures") == exported
    source.store.close()
    target.store.close()


def test_the_figures_csv_is_wide_sorted_by_year_and_number(service):
    service.report_spare("Bergen", 45, ADMIN, year=2024)

    rows = list(csv.reader(io.StringIO(export(service, "csv", "figures"))))

    assert rows[0] == ["number", "name", "year", *(measure.value for measure in Measure)]
    keys = [(int(row[2]), row[0]) for row in rows[1:]]
    assert keys == sorted(keys)
    assert rows[-1] == ["4601", "Bergen", "2024", "", "", "", "", "", "", "", "45"]
    oslo = next(row for row in rows if (row[0], row[2]) == ("0301", "2020"))
    assert oslo == ["0301", "Oslo", "2020", "210", "138", "137", "129", "", "", "", "73"]


def make_batches(service: Capacity) -> None:
    batch = service.create_batch("Kvoten mai", 10, ADMIN, year=2020, scope="storbynettverket")
    service.allocate(batch.batch.id, "Oslo", 6, ADMIN)
    service.allocate(batch.batch.id, "Bergen", 4, ADMIN)
    service.create_batch('=HYPERLINK("x")', 3, ADMIN, year=2020, scope="storbynettverket")


@pytest.mark.slow
def test_json_export_holds_every_table_with_the_schema_version(service):
    make_batches(service)

    document = json.loads(export(service, "json"))

    assert document["format"] == "capacity-bot export"
    assert document["schema_version"] == len(document["migrations"]) == service.version()
    tables = document["tables"]
    assert len(tables["figures"]) == len(figures(service))
    assert len(tables["changes"]) == len(service.history())
    assert [b["name"] for b in tables["batches"]] == ["Kvoten mai", '=HYPERLINK("x")']
    assert len(tables["allocations"]) == 2
    assert "reserved" not in tables  # kept by triggers: rebuilt, not exported
    assert "allocated" not in tables["batches"][0]


@pytest.mark.slow
def test_json_views_of_history_and_batches_hold_one_table_each(service):
    make_batches(service)

    history = json.loads(export(service, "json", "history"))["history"]
    batches = json.loads(export(service, "json", "batches"))["batches"]

    assert len(history) == len(service.history())
    assert {change["entity"] for change in history} >= {"figure", "batch", "allocation"}
    first, second = batches
    assert first["name"] == "Kvoten mai"
    assert first["status"] == "allocated"
    assert [(a["number"], a["persons"]) for a in first["allocations"]] == [
        ("0301", 6),
        ("4601", 4),
    ]
    assert second["name"] == '=HYPERLINK("x")'
    assert second["allocations"] == []


@pytest.mark.slow
def test_json_export_of_one_table_holds_only_that_table(service):
    assert set(json.loads(export(service, "JSON", "figures"))) == {"figures"}


def test_json_figures_carry_their_attribution(service):
    document = json.loads(export(service, "json", "figures"))

    oslo = next(f for f in document["figures"] if (f["number"], f["measure"]) == ("0301", "spare"))
    assert oslo["value"] == 73
    assert oslo["source"].startswith("KS storbynettverk")
    assert oslo["actor"] == "ks-storbynettverk"  # as reported by KS, not by the install


@pytest.mark.slow
def test_history_csv_has_one_row_per_change_with_json_before_and_after(service):
    make_batches(service)

    rows = list(csv.DictReader(io.StringIO(export(service, "csv", "history"))))

    history = service.history()
    assert len(rows) == len(history)
    assert list(rows[0]) == [
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
    ]
    assert [int(row["id"]) for row in rows] == [change.id for change in history]
    assert (json.loads(rows[0]["before"]), json.loads(rows[0]["after"])) == ("absent", 210)
    allocation = next(row for row in rows if row["entity"] == "allocation")
    assert json.loads(allocation["after"])["persons"] == 6


def test_batches_csv_has_one_row_per_allocation_and_one_per_batch_without(service):
    make_batches(service)

    rows = list(csv.DictReader(io.StringIO(export(service, "csv", "batches"))))

    assert [(row["batch"], row["number"], row["allocated_persons"]) for row in rows] == [
        ("Kvoten mai", "0301", "6"),
        ("Kvoten mai", "4601", "4"),
        ('\'=HYPERLINK("x")', "", ""),
    ]
    assert rows[0]["municipality"] == "Oslo"
    assert rows[0]["active"] == "1"


@pytest.mark.slow
def test_csv_text_that_looks_like_a_formula_is_defused(service):
    service.report_spare("Oslo", 70, ADMIN, year=2020, reason="=1+1")

    rows = list(csv.DictReader(io.StringIO(export(service, "csv", "history"))))

    assert rows[-1]["reason"] == "'=1+1"
    assert json.loads(export(service, "json", "history"))["history"][-1]["reason"] == "=1+1"


def test_csv_export_of_all_tables_is_refused(service):
    with pytest.raises(errors.InvalidInput, match="figures, history or batches"):
        export(service, "csv", "all")


@pytest.mark.parametrize(("fmt", "what"), [("xlsx", "figures"), ("json", "roles")])
def test_an_unknown_export_is_refused(service, fmt, what):
    with pytest.raises(errors.InvalidInput):
        export(service, fmt, what)


# -- an empty database -----------------------------------------------------------------------


def test_an_empty_database_has_reference_data_and_no_figures():
    service = empty_database()

    assert figures(service) == set()
    assert service.history() == []
    assert service.municipality("Tromsø").number == "5501"
    assert service.geography.group("storbynettverket") is not None


@pytest.mark.slow
def test_an_empty_database_is_not_made_from_one_with_figures(tmp_path):
    database = tmp_path / "capacity.db"
    Capacity.open(str(database)).store.close()

    with pytest.raises(errors.InvalidInput, match="holds figures"):
        empty_database(database)
