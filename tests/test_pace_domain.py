"""Pace through the year as pure rules: every number against a hand computation written
beside it. 2023 has 365 days; the end of 25 September is day 268 (31+28+31+30+31+30+31+
31 = 243 days to the end of August, + 25)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from capacity import errors
from capacity.domain.pace import (
    Point,
    comparison,
    day_of_year,
    interval,
    line_at,
    nearest,
    needed,
    pace,
    percent,
    projection,
    ratio,
)
from capacity.domain.pace_scope import Member, scope_pace, summed_intervals
from capacity.domain.snapshots import check_day, day_in_name, parse_day, recorded_at

SEP_25 = date(2023, 9, 25)
JUN_30 = date(2023, 6, 30)  # day 181
MAR_31 = date(2023, 3, 31)  # day 90
TRONDHEIM = [Point(day=MAR_31, settled=119, decision=730), Point(day=JUN_30, settled=238,
             decision=730), Point(day=SEP_25, settled=476, decision=730)]  # fmt: skip


def test_the_end_of_25_september_2023_is_day_268_of_365_and_in_a_leap_year_269_of_366():
    assert day_of_year(SEP_25) == 243 + 25 == 268
    assert day_of_year(date(2024, 9, 25)) == 244 + 25 == 269
    assert pace(2024, [Point(day=date(2024, 9, 25), settled=1, decision=2)]).length == 366


@pytest.mark.parametrize(
    "decision,day,line",
    [
        (730, SEP_25, 536),  # 730 × 268 / 365 = 536 exactly
        (2000, SEP_25, 1468),  # 2000 × 268 / 365 = 1468.49…
        (1000, SEP_25, 734),  # 1000 × 268 / 365 = 734.25
        (730, JUN_30, 362),  # 730 × 181 / 365 = 362 exactly
        (2, date(2023, 7, 2), 1),  # 2 × 183 / 365 = 1.0027…
        (10, date(2023, 12, 31), 10),  # the line ends at the decision
        (73, date(2023, 1, 5), 1),  # 73 × 5 / 365 = 1 exactly
    ],
)
def test_the_straight_line_runs_from_0_on_1_january_to_the_decision_on_31_december(
    decision, day, line
):
    assert line_at(decision, day) == line


def test_whole_numbers_are_rounded_halves_up():
    assert [ratio(1, 2), ratio(3, 2), ratio(5, 4), ratio(-1, 2), ratio(-3, 2)] == [1, 2, 1, 0, -1]
    assert percent(476, 730) == 65  # 65.2 %
    assert percent(268, 365) == 73  # 73.4 %
    assert percent(667, 740) == 90  # 90.1 %
    assert percent(1, 200) == 1  # 0.5 % rounds up


def test_trondheim_stands_at_476_of_730_when_73_percent_of_the_year_had_passed_60_behind():
    found = pace(2023, TRONDHEIM)
    assert (found.settled, found.decision, found.share) == (476, 730, 65)
    assert (found.elapsed, found.length, found.year_share) == (268, 365, 73)
    assert (found.line, found.ahead, found.left) == (536, 476 - 536, 730 - 476)
    # 254 left in 97 days; a month is 365/12 days: 254 × 365 / (12 × 97) = 79.65
    assert found.needed == 80
    assert not found.over and found.problem == "" and found.snapshots == 3


def test_the_pace_between_snapshots_is_the_change_over_the_days_between_them_a_month():
    first, second = pace(2023, TRONDHEIM).intervals
    # 31.03 → 30.06: 91 days, +119: 119 × 365 / (12 × 91) = 39.78 a month
    assert (first.days, first.delta, round(first.per_month, 2)) == (91, 119, 39.78)
    # 30.06 → 25.09: 87 days, +238: 238 × 365 / (12 × 87) = 83.21 a month
    assert (second.days, second.delta, round(second.per_month, 2)) == (87, 238, 83.21)


def test_with_three_snapshots_the_projection_runs_from_the_slowest_to_the_fastest_pace():
    found = pace(2023, TRONDHEIM).projection
    assert found is not None and found.intervals == 2
    # 97 days left: 476 + 119/91 × 97 = 476 + 126.85 = 603; 476 + 238/87 × 97 = 476 + 265.36
    assert (found.low, found.high) == (603, 741)
    assert (round(found.slowest, 2), round(found.fastest, 2)) == (39.78, 83.21)


def test_one_snapshot_has_no_pace_between_snapshots_and_two_have_no_projection():
    one = pace(2023, TRONDHEIM[-1:])
    two = pace(2023, TRONDHEIM[1:])
    assert (one.intervals, one.projection, one.line) == ((), None, 536)
    assert len(two.intervals) == 1 and two.projection is None


def test_a_correction_downwards_counts_as_no_pace_in_the_projection():
    found = projection(100, SEP_25, [interval(MAR_31, JUN_30, -10), interval(JUN_30, SEP_25, 87)])
    # slowest 0 a day: 100; fastest 87/87 = 1 a day × 97 days: 197
    assert found is not None and (found.low, found.high, found.slowest) == (100, 197, 0.0)


def test_a_decision_reached_needs_no_more_pace():
    assert needed(800, 730, SEP_25) == 0
    assert needed(700, 730, date(2023, 12, 31)) is None  # no days left


def test_a_year_that_is_over_is_settled_against_decision_as_a_share():
    found = pace(2022, [], over=Point(day=SEP_25, settled=667, decision=740))
    assert found.over and (found.settled, found.decision, found.share) == (667, 740, 90)
    assert (found.line, found.ahead, found.needed, found.projection) == (740, -73, None, None)


@pytest.mark.parametrize(
    "settled,decision,problem",
    [
        (476, None, "no_decision"),
        (None, None, "no_decision"),
        (476, 0, "no_decision"),
        (None, 730, "unknown_settled"),
    ],  # fmt: skip
)
def test_unknown_stays_unknown_never_0_or_0_percent(settled, decision, problem):
    found = pace(2023, [Point(day=SEP_25, settled=settled, decision=decision)])
    assert found.problem == problem
    assert (found.share, found.ahead, found.line, found.needed, found.left) == (None,) * 5


def test_the_pace_between_snapshots_skips_a_snapshot_where_settled_is_unknown():
    points = [Point(day=MAR_31, settled=5), Point(day=JUN_30), Point(day=SEP_25, settled=9)]
    assert pace(2023, points).intervals == ()


def test_last_years_snapshot_within_two_weeks_of_the_same_date_is_compared():
    last_year = [Point(day=date(2022, 6, 30), settled=300, decision=740),
                 Point(day=date(2022, 9, 20), settled=500, decision=740)]  # fmt: skip
    found = comparison(SEP_25, last_year)
    # 20.09.2022 is day 263: 740 × 263 / 365 = 533.2; 500 / 740 = 67.6 %
    assert found is not None
    assert (found.day, found.settled, found.line, found.ahead, found.share) == (
        date(2022, 9, 20), 500, 533, -33, 68,
    )  # fmt: skip
    assert nearest(SEP_25, [date(2022, 9, 10)]) is None  # 15 days off
    assert nearest(SEP_25, [date(2022, 9, 11), date(2022, 10, 9)]) == date(2022, 9, 11)
    assert nearest(date(2024, 2, 29), [date(2023, 2, 28)]) == date(2023, 2, 28)


def test_a_scope_sums_the_municipalities_counted_and_names_the_others():
    members = [
        Member(number="0301", name="Oslo", settled=1130, decision=2000),
        Member(number="5001", name="Trondheim", settled=476, decision=730),
        Member(number="1111", name="Sokndal", settled=None, decision=10),
        Member(number="0941", name="Bykle", settled=3, decision=None),
    ]
    found = scope_pace("x", "X", 2023, members, day=SEP_25, dates=[SEP_25])
    total = found.total
    # 1130 + 476 of 2000 + 730; the line 2730 × 268 / 365 = 2004.49
    assert (total.settled, total.decision, total.line, total.ahead) == (1606, 2730, 2004, -398)
    assert found.unknown_settled == ("Sokndal",) and found.no_decision == ("Bykle",)
    # Oslo: 2000 × 268/365 = 1468, −338; Trondheim −60
    assert [(s.name, s.ahead, s.share) for s in found.by_persons] == [
        ("Oslo", -338, 57), ("Trondheim", -60, 65)]  # fmt: skip
    assert found.behind == 2


def test_the_pace_of_a_sum_counts_only_municipalities_known_at_both_ends():
    series = {"a": {MAR_31: 10, JUN_30: 20}, "b": {MAR_31: None, JUN_30: 30}, "c": {JUN_30: 4}}
    [found] = summed_intervals([MAR_31, JUN_30], series, ["a", "b", "c"])
    assert found.delta == 10  # b was unknown and c had no figure on 31 March


def test_by_share_orders_by_the_lowest_share_of_the_decision():
    members = [Member(number="1", name="A", settled=50, decision=100),
               Member(number="2", name="B", settled=10, decision=40),
               Member(number="3", name="C", settled=200, decision=500)]  # fmt: skip
    found = scope_pace("x", "X", 2023, members, day=SEP_25, dates=[SEP_25])
    assert [s.name for s in found.by_share] == ["B", "C", "A"]  # 25 %, 40 %, 50 %
    # lines 73, 29, 367: behind by 23, 19, 167
    assert [s.name for s in found.by_persons] == ["C", "A", "B"]


# -- the snapshot's day --------------------------------------------------------------------

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def test_a_snapshots_day_is_written_either_way_and_read_from_imdis_file_names():
    assert parse_day("2023-09-25") == parse_day("25.09.2023") == SEP_25
    assert day_in_name("imdi_bosatt_anmodede_2023-09-25.csv") == SEP_25
    assert day_in_name("bosatt_anmodede.csv") is None
    assert day_in_name("x_2023-13-45.csv") is None
    for text in ("2023-13-01", "25/09/2023", "i går", "20230925"):
        with pytest.raises(errors.InvalidInput) as refused:
            parse_day(text)
        assert refused.value.code == "snapshot_date"


def test_a_snapshot_is_recorded_at_the_end_of_its_day_norwegian_time_or_now_if_today():
    # the end of 25 September is 23:59:59.999999 in Oslo, summer time: 21:59:59.999999 UTC
    assert recorded_at(SEP_25, NOW) == "2023-09-25T21:59:59.999999+00:00"
    assert recorded_at(date(2026, 12, 7), NOW) == "2026-12-07T12:00:00.000000+00:00"


@pytest.mark.parametrize(
    "day,year,code",
    [(date(2026, 12, 8), 2026, "snapshot_future"), (date(2022, 6, 30), 2023, "snapshot_year"),
     (date(2024, 1, 15), 2023, "snapshot_year"), (SEP_25, None, "snapshot_no_settled")],
)  # fmt: skip
def test_a_snapshots_day_has_come_and_falls_in_the_files_year(day, year, code):
    with pytest.raises(errors.InvalidInput) as refused:
        check_day(day, year, NOW, "f.csv")
    assert refused.value.code == code
    assert check_day(date(2026, 12, 7), 2026, NOW, "f.csv") == date(2026, 12, 7)
