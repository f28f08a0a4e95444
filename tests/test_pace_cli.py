"""`capacity import … --as-of` and `capacity pace`, typed as an admin types them."""

from __future__ import annotations

import json
import shutil
from fractions import Fraction

import pytest
from click.testing import CliRunner

from capacity.cli import cli
from tests.snapshot_files import NETWORK, snapshot


@pytest.fixture
def run(_seeded_template, tmp_path):
    path = tmp_path / "cli.db"
    shutil.copy(_seeded_template, path)
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, ["--db", str(path), *args], catch_exceptions=False)

    return invoke


@pytest.mark.slow  # two imports and three answers in one database file
def test_snapshots_imported_with_their_days_give_trondheims_pace(run, tmp_path):
    march = snapshot(tmp_path, "2023-03-31", Fraction(1, 4), numbers=NETWORK)
    june = snapshot(tmp_path, "", Fraction(1, 2), numbers=NETWORK, name="bosatt_juni.csv")
    imported = run("import", str(march))
    assert imported.exit_code == 0
    assert imported.output.startswith(
        f"{march.name}: IMDi's figures as of 31.03.2023 (a snapshot of 2023): "
    )
    assert "kept in the history" in imported.output  # 25 September stays the current one
    undated = run("import", str(june))
    assert undated.exit_code == 1 and "has no date in its name" in undated.output
    assert run("import", str(june), "--as-of", "30.06.2023").exit_code == 0
    again = run("import", str(june), "--as-of", "2023-06-30")
    assert "are imported already; nothing changed" in again.output

    answer = run("pace", "Trondheim", "--year", "2023")
    assert answer.output.splitlines()[:4] == [
        "Pace 2023: Trondheim (5001)",
        "476 of 730 settled (65% of the decision) as of 25.09.2023, when 73% of the year had "
        "passed (day 268 of 365).",
        "The straight line to the decision was at 536 at the end of 25.09.2023: 60 behind.",
        "To reach the decision by 31 December takes 80 a month.",
    ]
    assert "2023 ends between 603 and 741 settled" in answer.output
    assert "Method: the line runs straight from 0 on 1 January" in answer.output

    data = json.loads(run("pace", "Trondheim", "--year", "2023", "--json").output)
    pace = data["pace"]
    assert (pace["settled"], pace["decision"], pace["share"], pace["year_share"]) == (
        476, 730, 65, 73)  # fmt: skip
    assert (pace["line"], pace["ahead"], pace["needed"]) == (536, -60, 80)
    assert [p["settled"] for p in data["points"]] == [119, 238, 476]
    assert (pace["projection"]["low"], pace["projection"]["high"]) == (603, 741)


@pytest.mark.slow
def test_the_network_and_the_country_with_those_furthest_behind(run):
    network = run("pace", "--year", "2023")
    assert network.exit_code == 0
    assert "Furthest behind, in persons" in network.output
    lines = network.output.splitlines()
    start = lines.index("Furthest behind, in persons")
    assert lines[start + 1].split() == ["Municipality", "Settled", "Decision", "Line", "+/−",
                                        "Share"]  # fmt: skip
    assert lines[start + 2].split() == ["Oslo", "1,130", "2,000", "1,468", "−338", "57%"]
    data = json.loads(run("pace", "norge", "--year", "2023", "--json").output)
    assert (data["scope"], len(data["municipalities"])) == ("norge", 337)
    assert data["municipalities"][0]["name"] == "Oslo"
    assert len(data["no_decision"]) == 11 and len(data["unknown_settled"]) == 8


def test_a_file_that_is_not_imdis_is_refused_with_as_of(run, tmp_path):
    wide = tmp_path / "figures.csv"
    wide.write_text("number,year,settled\n5001,2023,300\n")
    refused = run("import", str(wide), "--as-of", "2023-06-30")
    assert refused.exit_code == 1
    assert "is not IMDi's download" in refused.output and "Nothing was imported" in refused.output


@pytest.mark.slow  # matplotlib
def test_the_pace_chart_is_written_as_a_png(run, tmp_path):
    out = tmp_path / "tempo.png"
    written = run("chart", "Trondheim", "--pace", "--year", "2023", "--out", str(out))
    assert written.exit_code == 0 and out.read_bytes().startswith(b"\x89PNG")
    refused = run("chart", "norge", "--pace", "--out", str(tmp_path / "x.png"))
    assert refused.exit_code == 1 and "The pace chart is per municipality" in refused.output
