"""The bundled data: what `capacity init` loads, checked against the public figures."""

from __future__ import annotations

import csv

import pytest

from capacity import Capacity, Measure
from capacity.storage.store import data_dir
from capacity.usecases.seed import seed


def test_loads_both_municipality_lists_and_the_crosswalk(fresh):
    geo = fresh.geography
    assert len(geo.all(2020)) == 356
    assert len(geo.all(2024)) == 357
    assert [m.number for m in geo.project(geo.get("3024", 2020), 2024)] == ["3201"]
    assert [m.number for m in geo.project(geo.get("5401", 2020), 2024)] == ["5501"]
    assert sorted(m.number for m in geo.project(geo.get("1507", 2020), 2024)) == ["1508", "1580"]
    assert geo.get("5001", 2024).name == "Trondheim - Tråante"
    assert geo.get("4221", 2024) is not None or geo.get("4221", 2020) is not None


def test_national_sums_equal_imdis_published_totals(fresh):
    totals = fresh.overview("norge", 2020).totals
    assert totals[Measure.ORIGINAL_REQUEST].value == 5120
    assert totals[Measure.REQUEST].value == 3602
    assert totals[Measure.DECISION].value == 4838
    assert totals[Measure.SETTLED].value == 2759


def test_unknown_figures_are_counted_as_unknown_never_as_zero(fresh):
    with open(data_dir() / "imdi_bosetting_2020.csv", encoding="utf-8") as handle:
        imdi = list(csv.DictReader(handle))
    unpublished = sum(1 for row in imdi if row["vedtak"] == ":")
    totals = fresh.overview("norge", 2020).totals
    assert totals[Measure.DECISION].unknown == unpublished > 0
    assert totals[Measure.DECISION].counted + unpublished == 356
    row = next(row for row in imdi if row["bosatt"] == ":")
    line = fresh.capacity(row["number"], 2020)
    assert line.figures[Measure.SETTLED].value is None
    assert not line.known(Measure.SETTLED)


@pytest.mark.parametrize(
    ("city", "spare"),
    [
        ("Oslo", 73),
        ("Bergen", 50),
        ("Trondheim", 115),
        ("Stavanger", 50),
        ("Bærum", 30),
        ("Kristiansand", 30),
        ("Tromsø", 50),
    ],
)
def test_spare_capacity_of_the_ks_letter_is_attributed_to_the_letter(fresh, city, spare):
    line = fresh.capacity(city)
    assert line.year == 2020
    assert line.spare == spare
    assert "KS storbynettverk" in line.spare_report.source


def test_the_network_reports_398_spare_places(fresh):
    overview = fresh.overview("storbynettverket", 2020)
    assert len(overview.lines) == 7
    assert overview.totals[Measure.SPARE].value == 398
    assert overview.totals["remaining"].value == 398


def test_trondheims_figures_in_2020(fresh):
    line = fresh.capacity("Trondheim")
    assert (line.year, line.spare, line.remaining) == (2020, 115, 115)
    assert line.value(Measure.DECISION) == 155
    assert line.value(Measure.REQUEST) == 102
    assert line.decision_minus_request == 53


def test_seeding_twice_changes_nothing(on_disk):
    before = on_disk.store.db.execute("SELECT count(*) FROM changes").fetchone()[0]
    seed(on_disk.core)
    Capacity.open(on_disk.store.path)
    after = on_disk.store.db.execute("SELECT count(*) FROM changes").fetchone()[0]
    assert before == after
    assert on_disk.overview("storbynettverket", 2020).totals[Measure.SPARE].value == 398


@pytest.mark.slow
def test_a_missing_database_is_created_and_seeded(tmp_path):
    service = Capacity.open(str(tmp_path / "new" / "capacity.db"))
    assert service.capacity("Trondheim").spare == 115
