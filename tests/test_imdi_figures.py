"""IMDi's figures for 2020–2023, as the bundled table and as IMDi's own download."""

from __future__ import annotations

from pathlib import Path

import pytest

from capacity.models import Measure
from capacity.transfer.imports import empty_database, import_file
from tests.conftest import CLI

RAW = Path(__file__).parent / "data" / "imdi_bosatt_anmodede_2023-09-25.csv"
YEARS = (2020, 2021, 2022, 2023)

# SOURCES.md: national sums of the published cells
SUMS = {
    2020: {"original_request": 5120, "request": 3602, "decision": 4838, "settled": 2759},
    2021: {"request": 5025, "decision": 4973, "settled": 4482},
    2022: {"original_request": 5500, "request": 35000, "decision": 35355, "settled": 31253},
    2023: {"request": 38000, "decision": 32732, "settled": 18851},
}


def figures_of(service, years=YEARS) -> dict[tuple[str, int, str], int | None]:
    return {
        (r["number"], r["year"], r["measure"]): r["value"]
        for r in service.figure_records()
        if r["year"] in years and r["measure"] != "spare"
    }


@pytest.mark.parametrize("year", YEARS)
def test_national_sums_per_year_equal_imdis_published_totals(fresh, year):
    totals = fresh.overview("norge", year).totals
    assert {m: totals[m].value for m in SUMS[year]} == SUMS[year]


def test_years_without_an_original_request_have_none_not_zero(fresh):
    for year in (2021, 2023):
        total = fresh.overview("norge", year).totals[Measure.ORIGINAL_REQUEST.value]
        assert not total.known and total.counted == 0


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    service = empty_database(tmp_path_factory.mktemp("raw") / "raw.db")
    summary = import_file(service, RAW, CLI)
    yield service, summary
    service.store.close()


@pytest.mark.slow  # imports the whole of IMDi's download (23,000 rows)
def test_importing_imdis_download_gives_the_bundled_figures(fresh, imported):
    service, summary = imported
    assert figures_of(service) == figures_of(fresh)
    assert summary.changed == summary.rows


@pytest.mark.slow  # imports the whole of IMDi's download (23,000 rows)
def test_the_download_tells_what_it_skipped_and_why(imported):
    _, summary = imported
    assert summary.skipped["percent"] == 36913  # every Prosent line
    assert summary.skipped["other_structure"] > 0  # e.g. 0104 Moss (t.o.m. 2019)
    assert summary.skipped["not_applicable"] > 0  # 2023 decisions not yet made: '.'
    assert summary.rows + sum(summary.skipped.values()) == 74898


@pytest.mark.slow  # imports the whole of IMDi's download (23,000 rows)
def test_figures_from_the_download_are_dated_by_its_name(imported):
    service, _ = imported
    line = service.capacity("Trondheim", 2023)
    assert line.partial == "2023-09-25"
    assert line.figures[Measure.SETTLED].source.startswith("import imdi_bosatt_anmodede")


@pytest.mark.slow
def test_only_the_years_asked_for_are_imported(tmp_path):
    service = empty_database(tmp_path / "years.db")
    summary = import_file(service, RAW, CLI, years=range(2021, 2024))
    assert {year for (_, year, _) in figures_of(service, range(1990, 2030))} == {2021, 2022, 2023}
    assert summary.skipped["outside_years"] > 0
    service.store.close()
