"""`capacity batch plan`, `batch allocate --auto` with the planner, linked households and
`capacity scores`, driven as a user types them."""

from __future__ import annotations

import json

import pytest

from capacity.planner.placement import greedy
from tests.test_cli import run  # noqa: F401 - the fixture

MORIA = "5,4,6,5,5,6,4,5,5,5"


def test_batch_plan_shows_the_fairest_plan_and_apply_reserves_all_of_it(run):  # noqa: F811
    run("batch", "new", "Moria 2020", "50", "--households", MORIA, "--year", "2020")
    shown = run("batch", "plan", "Moria 2020")
    assert shown.exit_code == 0, shown.output
    assert "50 of 50 placed" in shown.output and "13.7%" in shown.output
    assert "the lowest possible" in shown.output
    assert json.loads(run("show", "--json").output)["totals"]["remaining"]["value"] == 398
    applied = run("batch", "plan", "Moria 2020", "--apply")
    assert "Reserved 50 persons of 'Moria 2020' in 7 municipalities" in applied.output
    assert json.loads(run("show", "--json").output)["totals"]["remaining"]["value"] == 348
    again = run("batch", "plan", "Moria 2020")
    assert again.exit_code == 1 and "has a place already" in again.output


@pytest.mark.slow
def test_batch_plan_json_says_what_is_missing(run):  # noqa: F811
    for city in ("Oslo", "Bergen", "Trondheim", "Stavanger", "Bærum", "Kristiansand", "Tromsø"):
        run("report-spare", city, "8", "--source", "test", "--year", "2020")
    run("batch", "new", "Big", "65", "--households", "9+" + "4," * 13 + "4", "--year", "2020")
    data = json.loads(run("batch", "plan", "Big", "--json").output)
    assert data["placed"] == 52 and data["key"] is None and data["optimal"]
    assert data["missing"]["households"] == [[9, 4]]
    assert data["missing"]["too_large"] == [{"households": [9, 4], "size": 13, "largest_room": 8}]


@pytest.mark.slow
def test_auto_places_in_full_a_batch_largest_first_could_not(run):  # noqa: F811
    assert greedy([(3,), (3,), (2,), (2,)], {"0301": 6, "4601": 4}) is None
    for city in ("Trondheim", "Stavanger", "Bærum", "Kristiansand", "Tromsø"):
        run("report-spare", city, "0", "--source", "test", "--year", "2020")
    run("report-spare", "Oslo", "6", "--source", "test", "--year", "2020")
    run("report-spare", "Bergen", "4", "--source", "test", "--year", "2020")
    run("batch", "new", "Pakking", "10", "--households", "3,3,2,2", "--year", "2020")
    result = run("batch", "allocate", "Pakking", "--auto")
    assert result.exit_code == 0, result.output
    shown = json.loads(run("batch", "show", "Pakking", "--json").output)
    assert shown["allocated"] == 10 and shown["status"] == "allocated"
    assert sorted(a["persons"] for a in shown["allocations"]) == [4, 6]


def test_auto_that_does_not_fit_says_what_is_missing_and_reserves_nothing(run):  # noqa: F811
    run("batch", "new", "Big", "400", "--year", "2020")
    result = run("batch", "allocate", "Big", "--auto")
    assert result.exit_code == 1
    assert "Not placed: 2 persons" in result.output and "2 places short" in result.output
    assert "nothing was reserved" in result.output
    assert json.loads(run("show", "--json").output)["totals"]["remaining"]["value"] == 398


def test_linked_households_are_written_with_a_plus_and_kept_together(run):  # noqa: F811
    run("batch", "new", "Linked", "12", "--households", "5,4+3", "--year", "2020")
    assert "households 5,4+3" in run("batch", "show", "Linked").output
    split = run("batch", "allocate", "Linked", "Oslo", "--households", "4")
    assert split.exit_code == 1 and "families 4+3" in split.output
    together = run("batch", "allocate", "Linked", "Oslo", "--households", "4+3")
    assert together.exit_code == 0 and "Reserved 7" in together.output
    bad = run("batch", "new", "Bad", "7", "--households", "4+x")
    assert bad.exit_code == 1 and "like 5,4+3,6" in bad.output


def test_scores_are_imported_shown_and_cleared(run, tmp_path):  # noqa: F811
    file = tmp_path / "sysselsetting.csv"
    file.write_text("number;score\n0301;0,9\n4601;0,2\n", encoding="utf-8")
    imported = run("scores", "import", str(file))
    assert imported.exit_code == 0 and "Imported 2 scores from sysselsetting.csv" in imported.output
    rows = json.loads(run("scores", "show", "--json").output)
    assert [(r["number"], r["score"]) for r in rows] == [("0301", 0.9), ("4601", 0.2)]
    bad = tmp_path / "bad.csv"
    bad.write_text("number,score\n0301,high\n", encoding="utf-8")
    refused = run("scores", "import", str(bad))
    assert refused.exit_code == 1 and "line 2" in refused.output
    assert len(json.loads(run("scores", "show", "--json").output)) == 2
    assert "Cleared 2 scores" in run("scores", "clear").output


def test_allocate_without_households_picks_ones_that_add_up_as_in_slack(run):  # noqa: F811
    run("batch", "new", "Moria 2020", "50", "--households", "5,4+3,6,5,5,6,4,5,5,2")
    oslo = run("batch", "allocate", "Moria 2020", "Oslo", "10")
    assert oslo.exit_code == 0, oslo.output
    assert "Reserved 10 of 'Moria 2020' in Oslo (0301)" in oslo.output
    assert "Households picked: 5,5" in oslo.output
    bergen = run("batch", "allocate", "moria 2020", "Bergen", "7")
    assert "Households picked: 4+3" in bergen.output
    short = run("batch", "allocate", "Moria 2020", "Trondheim", "1")
    assert short.exit_code == 1 and "adds up to exactly 1" in short.output
    shown = run("batch", "show", "Moria 2020", "--json").output
    assert json.loads(shown)["allocated"] == 17
