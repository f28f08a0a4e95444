"""Pace through the year through the facade: three snapshots of 2023 (31 March and 30
June made from IMDi's download with settled scaled to a quarter and a half; 25 September
bundled) and one of 2022 (20 September, three quarters), every number checked against a
hand computation; the network ordered by who is furthest behind; unknown named apart;
the bot's own settled batches beside IMDi's; the lines of the summary and the Home tab.

2023 has 365 days: the end of 25 September is day 268, and 97 days are left."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from fractions import Fraction

import pytest

from bot.home_blocks import home_view
from bot.i18n import Texts
from bot.pace_blocks import pace_message
from bot.summary_blocks import summary_message
from capacity import errors
from capacity.domain.pace_scope import summed_intervals
from capacity.storage import snapshots as snapshots_db
from capacity.texts import pace as said
from capacity.texts.i18n import catalogue
from capacity.transfer.snapshots import import_snapshot_file
from tests.conftest import ADMIN, CLI, FakeClock, seeded_in_memory
from tests.snapshot_files import NETWORK, NETWORK_2023, snapshot
from tests.test_catalogues import bokmal_words

MAR_31, JUN_30, SEP_25 = date(2023, 3, 31), date(2023, 6, 30), date(2023, 9, 25)


def shown(blocks: list) -> str:
    """Every text in the blocks, as a reader sees it (headers, sections, contexts)."""
    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("text"), str):
                found.append(value["text"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(blocks)
    return "\n".join(found)


def half_up(numerator: int, denominator: int) -> int:
    """The hand computation's rounding: to the nearest whole, halves up."""
    return int(Fraction(numerator, denominator) + Fraction(1, 2))


@pytest.fixture(scope="module")
def paced(_seeded_template, _seeded_geography, tmp_path_factory):
    """A seeded database with the snapshots of the module's docstring; tests only read."""
    service = seeded_in_memory(_seeded_template, _seeded_geography, clock=FakeClock())
    directory = tmp_path_factory.mktemp("snapshots")
    for path in (
        snapshot(directory, "2023-03-31", Fraction(1, 4), numbers=NETWORK),
        snapshot(directory, "2023-06-30", Fraction(1, 2), numbers=NETWORK),
        snapshot(directory, "2022-09-20", Fraction(3, 4), year="2022", years=("2022",),
                 numbers=NETWORK),
    ):  # fmt: skip
        import_snapshot_file(service, path, CLI)
    return service


def test_trondheim_2023_is_476_of_730_at_73_percent_of_the_year_60_behind_the_line(paced):
    found = paced.pace("Trondheim", 2023)
    p = found.pace
    assert (p.day, p.settled, p.decision) == (SEP_25, 476, 730)
    assert p.share == half_up(100 * 476, 730) == 65  # 65.2 %
    assert (p.elapsed, p.length, p.year_share) == (268, 365, half_up(100 * 268, 365)) == (
        268, 365, 73)  # fmt: skip
    assert p.line == half_up(730 * 268, 365) == 536
    assert p.ahead == 476 - 536 == -60
    assert p.needed == half_up((730 - 476) * 365, 12 * 97) == 80  # 79.65 a month
    assert [pt.settled for pt in found.points] == [476 // 4, 476 // 2, 476] == [119, 238, 476]


def test_trondheims_pace_between_snapshots_and_its_projection(paced):
    p = paced.pace("Trondheim", 2023).pace
    first, second = p.intervals
    assert (first.start, first.end, first.delta) == (MAR_31, JUN_30, 238 - 119)
    assert half_up(119 * 365, 12 * 91) == round(first.per_month) == 40  # 91 days
    assert half_up(238 * 365, 12 * 87) == round(second.per_month) == 83  # 87 days
    assert p.projection is not None
    assert p.projection.low == 476 + half_up(119 * 97, 91) == 603
    assert p.projection.high == 476 + half_up(238 * 97, 87) == 741


def test_last_years_snapshot_within_two_weeks_is_the_comparison(paced):
    last = paced.pace("Trondheim", 2023).pace.last_year
    assert last is not None
    # 20.09.2022, day 263: 667 × 3/4 = 500 of 740; the line 740 × 263 / 365 = 533.2
    assert (last.day, last.settled, last.decision) == (date(2022, 9, 20), 667 * 3 // 4, 740)
    assert (last.line, last.ahead, last.share) == (half_up(740 * 263, 365), 500 - 533, 68)


def test_a_year_that_is_over_is_settled_against_decision_as_a_share(paced):
    p = paced.pace("Trondheim", 2022).pace
    assert p.over and (p.settled, p.decision) == (667, 740)
    assert p.share == half_up(100 * 667, 740) == 90
    assert p.day == SEP_25  # 2022's final figures are IMDi's of 25 September 2023
    assert paced.pace("Trondheim").pace.year == paced.planning_year() == 2020


def test_the_network_is_ordered_by_who_is_furthest_behind(paced):
    found = paced.pace(None, 2023)
    lines = {name: half_up(decision * 268, 365) for name, (_, decision) in NETWORK_2023.items()}
    behind = {name: NETWORK_2023[name][0] - lines[name] for name in NETWORK_2023}
    # Oslo 2000 → 1468 (−338), Tromsø 580 → 426 (−162), Bergen 1000 → 734 (−143), …
    expected = sorted(NETWORK_2023, key=lambda name: behind[name])
    assert [s.name for s in found.by_persons] == expected == [
        "Oslo", "Tromsø", "Bergen", "Kristiansand", "Bærum", "Stavanger", "Trondheim"]  # fmt: skip
    assert [s.ahead for s in found.by_persons] == [behind[n] for n in expected]
    shares = {n: half_up(100 * s, d) for n, (s, d) in NETWORK_2023.items()}
    assert [s.share for s in found.by_share] == sorted(shares.values())
    total = found.total
    settled = sum(s for s, _ in NETWORK_2023.values())
    decision = sum(d for _, d in NETWORK_2023.values())
    assert (total.settled, total.decision) == (settled, decision) == (3423, 6000)
    assert total.line == half_up(6000 * 268, 365) == 4405
    assert total.ahead == -982 and found.behind == 7
    assert total.needed == half_up((6000 - 3423) * 365, 12 * 97) == 808


def test_the_networks_pace_between_snapshots_sums_the_cities(paced):
    p = paced.pace("storbynettverket", 2023).total
    march = sum(s // 4 for s, _ in NETWORK_2023.values())
    june = sum(s // 2 for s, _ in NETWORK_2023.values())
    assert (march, june) == (854, 1710)
    assert [i.delta for i in p.intervals] == [june - march, 3423 - june] == [856, 1713]
    assert p.projection is not None
    assert (p.projection.low, p.projection.high) == (
        3423 + half_up(856 * 97, 91), 3423 + half_up(1713 * 97, 87)) == (4335, 5333)  # fmt: skip


def test_a_county_by_name_or_number_and_an_unknown_county_refused(paced):
    by_name = paced.pace("fylke Vestland", 2023)
    assert by_name.title == "Vestland" and by_name.scope == "fylke:46"
    assert paced.pace("county 46", 2023) == by_name
    assert "Bergen" in [s.name for s in by_name.standings]
    assert all(s.number.startswith("46") for s in by_name.standings)
    with pytest.raises(errors.InvalidInput) as refused:
        paced.pace("fylke Atlantis", 2023)
    assert str(refused.value) == (
        "No county is called 'Atlantis' in 2023; give its name (Vestland) or number (46)"
    )


def test_unknown_figures_are_named_apart_never_counted_as_0(paced):
    found = paced.pace("norge", 2023)
    # IMDi's download: 11 municipalities without a 2023 decision ('.'), 8 with settled ':'
    assert len(found.no_decision) == 11 and "Bykle" in found.no_decision
    assert len(found.unknown_settled) == 8 and "Grue" in found.unknown_settled
    counted = found.standings
    assert {s.name for s in counted}.isdisjoint(found.no_decision + found.unknown_settled)
    assert found.total.settled == sum(s.settled or 0 for s in counted)
    assert found.total.decision == sum(s.decision or 0 for s in counted)
    assert len(counted) + 11 + 8 == 356
    grue = paced.pace("Grue", 2023).pace
    assert (grue.problem, grue.share, grue.ahead) == ("unknown_settled", None, None)


def test_the_countrys_stored_paces_are_the_sums_of_its_municipalities(paced):
    db = paced.store.db
    days = [d for d, _ in snapshots_db.days(db, 2023)]
    numbers = [m.number for m in paced.geography.all(2020)]
    series = {
        number: {p.day: p.settled for p in points}
        for number, points in snapshots_db.points(db, 2023, numbers).items()
    }
    latest = snapshots_db.points_on(db, 2023, days[-1])
    counted = [n for n, (settled, decision) in latest.items() if settled is not None and decision]
    assert snapshots_db.paces(db, 2023) == summed_intervals(days, series, counted)
    assert paced.pace("norge", 2023).total.intervals == snapshots_db.paces(db, 2023)


def test_a_year_without_a_snapshot_says_so(paced):
    year = paced.clock().year + 1
    found = paced.pace("Trondheim", year).pace
    assert found.day is None and found.settled is None
    text = said.municipality(catalogue("en", "plain"), paced.pace("Trondheim", year))
    assert text.lines == [
        f"No snapshot of IMDi's figures for {year} yet. An admin adds them with "
        "`capacity import FILE --as-of 2023-09-25`."
    ]


def test_the_bots_settled_batches_are_shown_beside_imdis_never_added(fresh, clock):
    clock.now = datetime(2023, 6, 15, 10, 0, tzinfo=UTC)
    fresh.report_spare("Trondheim", 100, ADMIN, year=2023)
    fresh.create_batch("Ukraina juni", 20, ADMIN, year=2023)
    fresh.allocate("Ukraina juni", "Trondheim", 20, ADMIN)
    fresh.set_status("Ukraina juni", "arrived", ADMIN)
    fresh.set_status("Ukraina juni", "settled", ADMIN)
    found = fresh.pace("Trondheim", 2023)
    assert found.pace.settled == 476  # IMDi's, as it was
    assert (found.settled_by_batches, found.batches) == (20, ((date(2023, 6, 15), 20),))
    assert fresh.pace(None, 2023).settled_by_batches == 20
    text = said.municipality(catalogue("en", "plain"), found)
    assert (
        "Settled through the bot's batches in 2023: *20* (shown beside IMDi's figures, "
        "never added to them)." in text.notes
    )


@pytest.mark.parametrize(
    "language,expected",
    [
        ("nb", ["*476* av 730 bosatt (*65\u00a0%* av vedtaket) per 25.09.2023, da *73\u00a0%* "
                "av året var gått (dag 268 av 365).", "på *536* ved utgangen av 25.09.2023: "
                "*60 bak*.", "trengs *80 i måneden*", "40 i måneden (31.03.2023–30.06.2023), "
                "83 i måneden (30.06.2023–25.09.2023)", "*Framskriving, ikke et løfte*",
                "mellom *603* og *741* bosatte", "I fjor per 20.09.2022: 500 av 740 bosatt "
                "(68\u00a0%); linja var da på 533: 33 bak."]),
        ("nn", ["*476* av 730 busett (*65\u00a0%* av vedtaket) per 25.09.2023, då *73\u00a0%* "
                "av året var gått (dag 268 av 365).", "*60 bak*", "trengst *80 i månaden*",
                "*Framskriving, ikkje ein lovnad*", "mellom *603* og *741* busette"]),
        ("en", ["*476* of 730 settled (*65%* of the decision) as of 25.09.2023, when *73%* of "
                "the year had passed (day 268 of 365).", "was at *536* at the end of "
                "25.09.2023: *60 behind*.", "takes *80 a month*", "40 a month (31.03.2023–"
                "30.06.2023), 83 a month", "*A projection, not a promise*",
                "between *603* and *741* settled", "Last year as of 20.09.2022: 500 of 740 "
                "settled (68%); the line was then at 533: 33 behind."]),
    ],
)  # fmt: skip
def test_trondheims_pace_reads_in_bokmal_nynorsk_and_english(paced, language, expected):
    message = pace_message(paced.pace("Trondheim", 2023), Texts(language))
    text = shown(message.blocks)
    for words in expected:
        assert words in text, words
    method = message.blocks[3]["elements"][0]["text"]
    # two sentences (a full stop before a capital; "1. januar" is a date)
    assert len(re.findall(r"[a-zæøå)]\. [A-ZÆØÅ]", method)) == 1 and method.endswith(".")
    if language == "nn":
        assert bokmal_words(text) == set()


@pytest.mark.slow  # two pages of the whole country
def test_the_countrys_pace_pages_through_its_municipalities(paced):
    first = pace_message(paced.pace("norge", 2023), Texts("en"), 1)
    second = pace_message(paced.pace("norge", 2023), Texts("en"), 2)
    text = shown(first.blocks)
    assert "Furthest behind, in persons" in text
    assert "Page 1 of 34: 1–10 of 337 municipalities" in text
    assert "no decision (11): Bykle" in text
    assert first.blocks[-1]["elements"][0]["value"] == '{"s": "norge", "y": 2023, "p": 2}'
    assert "Page 2 of 34: 11–20" in shown(second.blocks)


def test_the_weekly_summary_and_the_home_tab_show_the_networks_pace_in_one_line(fresh):
    fresh.set_planning_year(2023, ADMIN)
    line = (
        "Tempo 2023 for KS storbynettverk per 25.09.2023: 3\u00a0423 av 6\u00a0000 bosatt "
        "(57\u00a0%), 982 bak; 7 av 7 kommuner bak linja."
    )
    summary = summary_message(fresh.summary(), Texts("nb"))
    assert line in shown(summary.blocks).splitlines()
    view = home_view(fresh.home(ADMIN.id), Texts("nb"), datetime(2026, 12, 7, tzinfo=UTC))
    assert line in shown(view["blocks"]).splitlines()


@pytest.mark.parametrize(
    "text,request_",
    [
        ("tempo", ("pace", "", None, 1)),
        ("tempo Trondheim 2023", ("pace", "Trondheim", 2023, 1)),
        ("pace Trondheim year 2023", ("pace", "Trondheim", 2023, 1)),
        ("tempo norge 2023 3", ("pace", "norge", 2023, 3)),
        ("tempo fylke Vestland", ("pace", "fylke Vestland", None, 1)),
        ("Trondheim tempo graf", ("pace_chart", "Trondheim", None, 1)),
    ],
)
def test_tempo_is_read_in_any_order_and_a_misspelt_name_carries_the_pace_on(text, request_):
    from bot.parse import capacity_text, parse

    found = parse(text)
    assert (found.kind, found.target, found.year, found.page) == request_
    assert capacity_text(parse("tempo Trondhiem 2023"), "Trondhiem", "5001") == "tempo 5001 2023"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nb", "holder tempoet seg, ender 2023 på *649* bosatte (89\u00a0% av vedtaket på 730)"),
        ("nn", "held tempoet seg, endar 2023 på *649* busette (89\u00a0% av vedtaket på 730)"),
        ("en", "if the pace holds, 2023 ends at *649* settled (89% of the decision of 730)"),
    ],
)
def test_a_projection_whose_slowest_and_fastest_ends_are_alike_says_one_number(
    paced, language, expected
):
    p = paced.pace("Trondheim", 2023).pace
    assert p.projection is not None
    alike = p.model_copy(
        update={"projection": p.projection.model_copy(update={"low": 649, "high": 649})}
    )
    said_lines = said.projection_lines(catalogue(language), alike)
    assert expected in said_lines[0] and "649 og" not in said_lines[0]
