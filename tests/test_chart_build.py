"""Charts made from the core's answers (`capacity.charts.build`) and `capacity chart`:
the figures on the chart are the core's, texts are the catalogue's, and a name that is no
municipality is refused with suggestions and writes nothing."""

from __future__ import annotations

import shutil
import struct

import pytest
from click.testing import CliRunner

from capacity import errors
from capacity.charts import MunicipalityChart, NetworkChart, render
from capacity.charts.build import build
from capacity.cli import cli
from capacity.models import Measure
from tests.conftest import ADMIN


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


def test_a_municipality_chart_has_imdis_years_and_the_planning_years_places(fresh):
    fresh.create_batch("Moria 2020", 20, ADMIN, year=2020)
    fresh.allocate("Moria 2020", "Trondheim", 20, ADMIN)
    built = build(fresh, "Tråante", None, "nb")
    chart = built.chart
    assert isinstance(chart, MunicipalityChart)
    assert (built.what, built.filename, built.year) == (
        "Trondheim (5001)",
        "trondheim-5001-2020.png",
        2020,
    )
    assert [y.year for y in chart.years] == [2020, 2021, 2022, 2023]
    first, last = chart.years[0], chart.years[-1]
    assert (first.request, first.decision, first.settled) == (102, 155, 86)
    assert (last.request, last.decision, last.settled) == (790, 730, 476)
    assert first.note is None and last.note == "per 25.09.2023"
    assert (chart.planning.spare, chart.planning.reserved, chart.planning.remaining) == (
        115,
        20,
        95,
    )
    assert chart.labels.request == "Revidert anmodning" and chart.caption.startswith("Kilde: IMDi")


def test_unknown_figures_stay_unknown_on_the_chart(fresh):
    years = {y.year: y for y in build(fresh, "Utsira", None, "en").chart.years}
    line = fresh.capacity("Utsira", 2021)
    assert years[2021].decision == line.value(Measure.DECISION)
    assert None in {v for y in years.values() for v in (y.request, y.decision, y.settled)}


@pytest.mark.slow
def test_the_network_and_the_country(fresh):
    network = build(fresh, "", None, "en")
    assert isinstance(network.chart, NetworkChart)
    assert network.chart.title == "KS storbynettverk 2020"
    rows = {row.name: row for row in network.chart.rows}
    assert (rows["Trondheim"].reported, rows["Trondheim"].remaining) == (115, 115)
    assert build(fresh, "network", 2020, "nb").chart.rows == network.chart.rows

    country = build(fresh, "noreg", None, "nn")
    assert country.what == "Noreg" and country.chart.title == "Noreg"
    totals = fresh.overview("norge", 2022).totals
    y2022 = next(y for y in country.chart.years if y.year == 2022)
    assert y2022.decision == totals["decision"].value == 35355
    assert country.chart.labels.settled == "Busett"
    assert build(fresh, "country", None, "en").chart.labels.total == "Total"


def test_a_name_that_is_no_municipality_is_refused_with_suggestions(fresh):
    with pytest.raises(errors.MunicipalityNotFound) as refused:
        build(fresh, "Tromsoo", None, "nb")
    assert [m.name_no for m in refused.value.facts["suggestions"]][:1] == ["Tromsø"]


@pytest.mark.slow
def test_the_charts_render_at_slacks_preview_size(fresh):
    for target in ("Trondheim", "", "norge"):
        rendered = render(build(fresh, target, None, "nb").chart)
        assert png_size(rendered.png) == (rendered.width, rendered.height)
        assert rendered.width == 1200 and 700 <= rendered.height <= 800
        assert rendered.alt_text.startswith("Søylediagram: ")


@pytest.fixture
def run(_seeded_template, tmp_path):
    path = tmp_path / "cli.db"
    shutil.copy(_seeded_template, path)

    def invoke(*args: str):
        return CliRunner().invoke(cli, ["--db", str(path), *args], catch_exceptions=False)

    return invoke


@pytest.mark.slow
def test_capacity_chart_writes_the_png_and_says_where(run, tmp_path):
    out = tmp_path / "trondheim.png"
    result = run("chart", "Trondheim", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert png_size(out.read_bytes()) == (1200, 700)
    assert f"Wrote the chart of Trondheim (5001) to {out.resolve()} (1200×700 pixels)" in (
        result.output
    )
    network = tmp_path / "network.png"
    result = run("chart", "storbynettverket", "--year", "2020", "--language", "en", "--out",
                 str(network))  # fmt: skip
    assert result.exit_code == 0 and "KS storbynettverk" in result.output
    assert png_size(network.read_bytes())[0] == 1200


def test_capacity_chart_refuses_an_unknown_name_and_writes_nothing(run, tmp_path):
    out = tmp_path / "x.png"
    result = run("chart", "Tromsoo", "--out", str(out))
    assert result.exit_code == 1
    assert "Did you mean Tromsø (5401)?" in result.output
    assert not out.exists()
