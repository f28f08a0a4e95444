"""Issue 15 in the core and its pure renderers: one definition of what is left (never below
0, overbooked apart, reserved and settled via batches apart, a total that adds up and is
unknown when nothing is known), as the domain, the CLI's JSON and tables, the charts'
model and the texts give it; roles, weeks and impossible dates in Norwegian words.
(`tests/test_e2e_surfaces.py` tries the same over signed HTTP.)"""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from bot.i18n import Texts
from bot.parse import parse
from bot.standing_blocks import table
from capacity import errors
from capacity.charts import Labels, NetworkChart, NetworkRow, Planning, alt_text
from capacity.cli import cli
from capacity.domain.role_words import role_of
from capacity.domain.rules import parse_moment, parse_role
from capacity.domain.totals import room_left, totals
from capacity.models import Role
from capacity.texts import standing
from capacity.texts.i18n import catalogue
from tests.conftest import ADMIN


@pytest.fixture
def overbooked(fresh):
    """Trondheim reported 10 with 20 reserved; Bergen's 15 settled through a batch."""
    fresh.create_batch("Moria 2020", 20, ADMIN, year=2020)
    fresh.allocate("Moria 2020", "Trondheim", 20, ADMIN)
    fresh.report_spare("Trondheim", 10, ADMIN, force=True)
    fresh.create_batch("Lesvos 2020", 15, ADMIN, year=2020)  # 15 persons, no households
    fresh.allocate("Lesvos 2020", "Bergen", 15, ADMIN)
    fresh.set_status("Lesvos 2020", "arrived", ADMIN)
    fresh.set_status("Lesvos 2020", "settled", ADMIN)
    return fresh


def test_an_overbooked_municipality_has_0_left_and_says_by_how_many(overbooked):
    line = overbooked.capacity("Trondheim")
    assert (line.spare, line.reserved_open, line.remaining, line.overbooked) == (10, 20, 0, 10)


def test_a_settled_batch_is_settled_not_reserved_and_uses_the_places(overbooked):
    line = overbooked.capacity("Bergen")
    assert (line.reserved_open, line.settled, line.remaining) == (0, 15, 35)


def test_the_networks_total_is_reported_less_every_place_held_never_below_0(overbooked):
    found = overbooked.overview("storbynettverket").totals
    values = {key: found[key].value for key in
              ("spare", "reserved", "settled_by_batches", "remaining", "overbooked")}  # fmt: skip
    assert values == {"spare": 293, "reserved": 20, "settled_by_batches": 15,
                      "remaining": 258, "overbooked": 10}  # fmt: skip
    lines = overbooked.overview("storbynettverket").lines
    assert room_left(lines) == 268  # the column of places left: 10 of them are needed


def test_a_total_of_nothing_known_is_unknown_not_0(fresh):
    found = fresh.overview("norge", 2021).totals
    assert found["original_request"].value is None and found["original_request"].counted == 0
    assert found["spare"].value is None and found["remaining"].value is None
    assert found["reserved"].value == 0  # reservations are never unknown
    assert totals([])["remaining"].value is None


@pytest.fixture
def run(overbooked, tmp_path):
    """The CLI on a file holding the `overbooked` state."""
    path = tmp_path / "state.db"
    overbooked.store.db.conn.execute("VACUUM INTO ?", [str(path)])
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, ["--db", str(path), *args], catch_exceptions=False)


def test_the_clis_json_has_0_left_and_overbooked_like_the_totals(run):
    data = json.loads(run("show", "Trondheim", "--json").output)
    assert {k: data[k] for k in ("spare", "reserved", "settled_by_batches", "remaining",
                                 "overbooked")} == {"spare": 10, "reserved": 20,
                                                    "settled_by_batches": 0, "remaining": 0,
                                                    "overbooked": 10}  # fmt: skip
    network = json.loads(run("show", "storbynettverket", "--json").output)
    assert network["totals"]["remaining"]["value"] == 258
    assert network["totals"]["overbooked"]["value"] == 10
    assert min(m["remaining"] for m in network["municipalities"]) == 0


def test_the_clis_json_total_of_unknown_figures_is_null(run):
    data = json.loads(run("show", "norge", "--year", "2021", "--json").output)
    assert data["totals"]["original_request"]["value"] is None
    assert data["totals"]["decision"]["value"] == 4973


def test_the_clis_table_adds_up_and_never_shows_a_negative_number(run):
    output = run("show", "storbynettverket").output
    assert (
        "Total: 258 spare of 293 reported (20 reserved, 15 settled through batches; "
        "Trondheim overbooked by 10)"
    ) in output
    assert "overbooked 10" not in output and " -10" not in output


def test_the_clis_machine_readable_csv_export_is_unchanged(run):
    text = run("export", "--format", "csv", "--what", "batches").output
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:5] == ["batch_id", "batch", "year", "persons", "households"]
    assert rows[0][-3:] == ["active", "allocated_at", "allocated_by"]
    assert rows[1][5] == "storbynettverket" and rows[1][7].endswith("+00:00")


# -- the same sentences on every surface --------------------------------------------------


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("nb", "*Totalt*: 258 ledige av 293 rapportert (20 reservert, 15 bosatt via grupper; "
               "Trondheim overbooket med 10)"),
        ("nn", "*Totalt*: 258 ledige av 293 rapportert (20 reserverte, 15 busette via grupper; "
               "Trondheim overbooka med 10)"),
        ("en", "*Total*: 258 spare of 293 reported (20 reserved, 15 settled through batches; "
               "Trondheim overbooked by 10)"),
    ],
)  # fmt: skip
def test_the_total_line_adds_up_on_its_face(overbooked, language, said):
    overview = overbooked.overview("storbynettverket")
    t = Texts(language)
    over = standing.overbooked_of(overview.lines)
    label = standing.text(t, "total_label")
    assert standing.total_line(t, overview.totals, over, 2020, label) == said


def test_a_year_with_nothing_reported_says_so_in_the_total(fresh):
    overview = fresh.overview("storbynettverket", 2022)
    t = Texts("nb")
    found = standing.total_line(t, overview.totals, [], 2022, "Totalt")
    assert found == "*Totalt*: ingen ledige plasser er rapportert for 2022"


def test_the_network_table_keeps_settled_and_overbooked_in_columns_of_their_own(overbooked):
    lines = list(overbooked.overview("storbynettverket").lines)
    rows = table(lines, Texts("nb")).strip("`\n").splitlines()
    assert rows[0].split() == ["Kommune", "Ledig", "Rapp.", "Res.", "Bos.", "Overb."]
    assert next(r for r in rows if r.startswith("Trondheim")).split()[1:] == [
        "0", "10", "20", "0", "10"]  # fmt: skip
    plain = table([ln for ln in lines if ln.municipality.name_no == "Oslo"], Texts("nb"))
    assert "Bos." not in plain and "Overb." not in plain  # only when any has them


def test_the_charts_show_0_left_and_overbooked_never_below_0():
    rows = [NetworkRow("Oslo", 73, 0, 73), NetworkRow("Bergen", 50, 0, 35, settled=15),
            NetworkRow("Trondheim", 10, 20, 0, overbooked=10)]  # fmt: skip
    chart = NetworkChart("KS 2020", rows, Labels.nb())
    assert chart.totals().remaining.known == 133 - 35  # 133 reported, 35 held: 98
    text = alt_text(chart)
    assert "ledige nå 98 (overbooket med 10)." in text
    assert "Trondheim: ledige plasser (rapportert) 10, reservert 20, bosatt via grupper 0, " \
           "ledige nå 0 (overbooket med 10)." in text  # fmt: skip
    assert "−" not in text and "-1" not in text
    planning = Planning(2020, 30, 45)
    assert (planning.remaining, planning.overbooked) == (0, 15)


# -- Norwegian words ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "role"),
    [("redaktør", Role.EDITOR), ("Redaktør", Role.EDITOR), ("editor", Role.EDITOR),
     ("redigerar", Role.EDITOR), ("administrator", Role.ADMIN), ("admin", Role.ADMIN)],
)  # fmt: skip
def test_role_words_are_understood_in_every_language(word, role):
    assert role_of(word) is role and parse_role(word) is role
    assert parse(f"grant <@U1|x> {word} Trondheim").role == role.value


def test_an_unknown_role_is_refused_in_norwegian_words():
    with pytest.raises(errors.InvalidInput) as refused:
        parse_role("sjef")
    said = catalogue("nb", "plain").refusal(refused.value)
    assert said == "ukjent rolle «sjef»: bruk administrator eller redaktør"


@pytest.mark.parametrize(
    ("typed", "code"),
    [("31.2.2020", "moment_no_day"), ("2021-02-29", "moment_no_day"),
     ("1.13.2020", "moment_no_month"), ("2020-10-01 24:00", "moment_no_time"),
     ("1.10.20", "moment_format"), ("9999-12-31", "moment_format")],
)  # fmt: skip
def test_a_date_that_does_not_exist_is_refused_with_why(typed, code):
    with pytest.raises(errors.InvalidInput) as refused:
        parse_moment(typed)
    assert refused.value.code == code


def test_a_week_is_said_in_words():
    assert standing.week(catalogue("nb"), "2026-W50") == "uke 50, 2026"
    assert standing.week(catalogue("nn"), "2026-W05") == "veke 5, 2026"
    assert standing.week(catalogue("en"), "2026-W50") == "week 50, 2026"


def test_haram_in_2020_names_alesund_and_why(fresh):
    line = fresh.capacity("Haram", 2020)
    assert line.municipality.number == "1507" and line.split
    assert line.named is not None and line.named.number == "1580"
    assert fresh.capacity("5501", 2020).named.number == "5501"  # type: ignore[union-attr]
    assert fresh.capacity("Tromsø", 2020).named is None
    assert fresh.capacity("Haram", 2024).named is None


def test_a_misspelling_suggests_the_planning_years_number(fresh):
    with pytest.raises(errors.MunicipalityNotFound) as refused:
        fresh.capacity("Romsa")
    numbers = [m.number for m in refused.value.facts["suggestions"]]
    assert "5401" in numbers and "5501" not in numbers
