"""The placement planner: households whole, rooms never exceeded, objectives proven.

Every plan goes through `assert_sound`, a checker written here from the rules, not from
the module. Optimality is compared with brute force on small instances.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capacity.planner.placement import Plan, choose, greedy, plan

# The KS city network's spare room in 2020 and the Moria batch.
KS_2020 = {
    "0301": 73,  # Oslo
    "4601": 50,  # Bergen
    "5001": 115,  # Trondheim
    "1103": 50,  # Stavanger
    "3024": 30,  # Bærum
    "4204": 30,  # Kristiansand
    "5401": 50,  # Tromsø
}
MORIA = [(5,), (4,), (6,), (5,), (5,), (6,), (4,), (5,), (5,), (5,)]


def assert_sound(result: Plan, units, rooms) -> None:
    """Room never exceeded, every unit whole in exactly one place (linked households
    are one unit, so they stay together), every person accounted for."""
    placed = [unit for line in result.lines for unit in line.units]
    assert Counter(placed) + Counter(result.unplaced) == Counter(map(tuple, units))
    assert len({line.number for line in result.lines}) == len(result.lines)
    for line in result.lines:
        load = sum(sum(unit) for unit in line.units)
        assert line.units and line.persons == load
        assert line.room == rooms[line.number] > 0
        assert load <= rooms[line.number]
        assert line.room_after == rooms[line.number] - load
        assert line.share == pytest.approx(load / rooms[line.number])
    asked = sum(sum(unit) for unit in units)
    assert result.persons == asked
    assert result.placed == sum(line.persons for line in result.lines)
    assert result.placed + sum(sum(unit) for unit in result.unplaced) == asked
    assert result.max_share == max((line.share for line in result.lines), default=0.0)
    assert (result.missing is None) == (not result.unplaced)


def exact_share(result: Plan) -> Fraction:
    return max((Fraction(line.persons, line.room) for line in result.lines), default=Fraction(0))


def brute_force(units, rooms, scores=None):
    """(most persons, lowest highest share, highest score) over every assignment."""
    usable = [n for n in rooms if rooms[n] > 0]
    best = None
    for places in itertools.product([None, *usable], repeat=len(units)):
        load = dict.fromkeys(usable, 0)
        for unit, number in zip(units, places, strict=True):
            if number is not None:
                load[number] += sum(unit)
        if any(load[n] > rooms[n] for n in usable):
            continue
        share = max((Fraction(load[n], rooms[n]) for n in usable), default=Fraction(0))
        score = sum(load[n] * scores[n] for n in usable) if scores else 0
        key = (sum(load.values()), -share, score)
        best = key if best is None else max(best, key)
    return best[0], -best[1], best[2]


def subset_sums(units) -> set[int]:
    sums = {0}
    for unit in units:
        sums |= {s + sum(unit) for s in sums}
    return sums


def test_places_every_household_whole_in_the_seed_scenario_with_the_lowest_highest_share():
    result = plan(MORIA, KS_2020)
    assert_sound(result, MORIA, KS_2020)
    assert result.placed == result.persons == 50
    assert result.optimal and result.missing is None
    assert exact_share(result) == lowest_share_by_counts(MORIA, KS_2020) == Fraction(10, 73)


def lowest_share_by_counts(units, rooms) -> Fraction:
    """Everyone placed: the first share, over all k/room, under which the size counts
    can be split over the municipalities (a search over count vectors)."""
    sizes = sorted(Counter(map(sum, units)).items())
    full = tuple(count for _, count in sizes)
    total = sum(rooms.values())
    persons = sum(map(sum, units))
    shares = sorted({Fraction(k, r) for r in rooms.values() for k in range(r + 1)})
    for share in (s for s in shares if s * total >= persons):
        states = {full}
        for room in rooms.values():
            cap = share * room
            states = {
                tuple(a - b for a, b in zip(state, take, strict=True))
                for state in states
                for take in itertools.product(*(range(c + 1) for c in state))
                if sum(t * size for t, (size, _) in zip(take, sizes, strict=True)) <= cap
            }
        if tuple(0 for _ in full) in states:
            return share
    raise AssertionError("no share fits")


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(
    units=st.lists(
        st.lists(st.integers(1, 4), min_size=1, max_size=2).map(tuple), min_size=1, max_size=6
    ),
    rooms=st.dictionaries(
        st.sampled_from(["0301", "4601", "5001", "1103"]), st.integers(-1, 9), min_size=1
    ),
    weights=st.lists(st.integers(0, 5), min_size=4, max_size=4),
)
def test_every_stage_matches_brute_force_on_small_batches(units, rooms, weights):
    scores = dict(zip(sorted(rooms), weights, strict=False))
    most, lowest, best = brute_force(units, rooms, scores)
    result = plan(units, rooms, scores=scores)
    assert_sound(result, units, rooms)
    assert result.optimal and result.gap == 0.0
    assert result.placed == most
    assert exact_share(result) == lowest
    assert result.score == pytest.approx(best)


@pytest.mark.parametrize(
    ("rooms", "units"),
    [
        ({"A": 6, "B": 4}, [(3,), (3,), (2,), (2,)]),
        ({"A": 6, "B": 8, "C": 5}, [(5,), (3,), (5,), (2,), (4,)]),
        ({"A": 20, "B": 7}, [(5,), (5,), (6,), (4,), (3,), (3, 1)]),
        ({"A": 12, "B": 4}, [(2,), (2,), (3,), (2,), (1, 6)]),
    ],
)
def test_places_every_household_whole_when_a_packing_exists_that_greedy_misses(rooms, units):
    assert greedy(units, rooms) is None
    result = plan(units, rooms)
    assert_sound(result, units, rooms)
    assert result.placed == result.persons and not result.unplaced


def test_the_two_threes_share_a_municipality_and_the_two_twos_the_other():
    result = plan([(3,), (3,), (2,), (2,)], {"A": 6, "B": 4})
    assert {line.number: line.units for line in result.lines} == {
        "A": ((3,), (3,)),
        "B": ((2,), (2,)),
    }


def test_greedy_places_what_it_can_find_like_the_service_did():
    placed = greedy(MORIA, KS_2020)
    assert placed is not None
    assert Counter(u for units in placed.values() for u in units) == Counter(MORIA)
    assert all(sum(map(sum, units)) <= KS_2020[n] for n, units in placed.items())


def test_linked_households_move_together_or_not_at_all():
    units = [(4, 3), (5,), (2,)]
    result = plan(units, {"A": 5, "B": 6})
    assert_sound(result, units, {"A": 5, "B": 6})
    assert result.unplaced == ((4, 3),)
    assert result.missing.too_large[0].unit == (4, 3)
    assert result.missing.too_large[0].largest_room == 6


def test_reports_a_household_larger_than_every_room_with_its_size_and_the_largest_room():
    units = [(9,), (3,), (2,)]
    rooms = {"A": 8, "B": 5, "C": 0}
    result = plan(units, rooms)
    assert_sound(result, units, rooms)
    assert result.placed == 5
    (too_large,) = result.missing.too_large
    assert (too_large.unit, too_large.size, too_large.largest_room) == ((9,), 9, 8)
    assert result.missing.persons == 9 and result.missing.room_short == 1


def test_reports_the_persons_short_and_the_households_left_when_the_scope_is_too_small():
    units = [(5,)] * 80  # 400 persons against 398 places
    result = plan(units, KS_2020)
    assert_sound(result, units, KS_2020)
    assert result.missing.room_short == 2
    # Whole households of five: 395 of the 398 places can be used, one household is left.
    assert result.placed == 395 and result.missing.persons == 5
    assert result.missing.units == ((5,),) and result.missing.too_large == ()
    assert result.optimal


def test_persons_without_a_household_count_as_households_of_one():
    units = [(4,), (4,)] + [(1,)] * 5
    rooms = {"A": 6, "B": 7}
    result = plan(units, rooms)
    assert_sound(result, units, rooms)
    assert result.placed == 13 and exact_share(result) == 1


def test_zero_and_negative_rooms_are_never_used():
    units = [(2,), (1,)]
    rooms = {"A": 0, "B": -4, "C": 3}
    result = plan(units, rooms)
    assert_sound(result, units, rooms)
    assert [line.number for line in result.lines] == ["C"]


def test_the_same_batch_gives_the_same_plan():
    first, second = plan(MORIA * 3, KS_2020), plan(MORIA * 3, KS_2020)
    assert (first.lines, first.unplaced) == (second.lines, second.unplaced)


def test_with_scores_the_best_scoring_of_the_equally_spread_plans_is_chosen():
    units = [(5,), (5,)]
    rooms = {"A": 10, "B": 10, "C": 10}  # one household each in two of the three
    result = plan(units, rooms, scores={"A": 0.9, "B": 0.1, "C": 0.5})
    assert_sound(result, units, rooms)
    assert exact_share(result) == Fraction(1, 2)
    assert [line.number for line in result.lines] == ["A", "C"]
    assert result.score == pytest.approx(7.0) and result.gap == 0.0
    result = plan(units, rooms, scores={"A": 0.1, "B": 0.9, "C": 0.5})
    assert [line.number for line in result.lines] == ["B", "C"]


def test_scores_never_cost_a_person_or_a_higher_share():
    scores = {"0301": 0.7, "4601": 0.2, "5001": 0.1, "1103": 0.9}
    rooms = {n: KS_2020[n] for n in scores}
    without, with_scores = plan(MORIA, rooms), plan(MORIA, rooms, scores=scores)
    assert_sound(with_scores, MORIA, rooms)
    assert with_scores.placed == without.placed
    assert exact_share(with_scores) == exact_share(without)
    assert without.score is None and with_scores.score is not None


def best_loads_score(result: Plan, rooms, scores) -> float:
    """The score no plan of that share and that many persons can pass: each municipality
    filled to its cap under the share, best scored first (households left out)."""
    share, left, best = exact_share(result), result.placed, 0.0
    for number in sorted((n for n in rooms if rooms[n] > 0), key=lambda n: -scores[n]):
        take = min(left, int(share * rooms[number]))
        best, left = best + take * scores[number], left - take
    return best


def test_a_large_scored_batch_reaches_the_highest_score_any_loads_could_give_proven():
    rng = random.Random(3)
    rooms = {f"{i:04d}": rng.randint(1, 60) for i in range(120)}
    units = [(rng.choice([1, 1, 1, 2, 2, 3, 4, 5, 6, 7, 9]),) for _ in range(1000)]
    units += [(2, 3)] * 20
    scores = {n: round(rng.uniform(0.3, 0.8), 2) for n in rooms}  # many ties
    result = plan(units, rooms, scores=scores)
    assert_sound(result, units, rooms)
    assert result.optimal and result.gap == 0.0
    assert result.placed == result.persons
    assert result.score == pytest.approx(best_loads_score(result, rooms, scores))
    assert result.score == pytest.approx(sum(ln.persons * scores[ln.number] for ln in result.lines))


def test_a_plan_stopped_by_its_time_limit_is_still_sound_and_says_what_it_proved():
    rng = random.Random(1)
    rooms = {f"{i:04d}": 5 + i % 40 for i in range(300)}
    units = [(rng.choice([1, 2, 2, 3, 3, 4, 5, 6, 7]),) for _ in range(1500)]
    scores = {n: rng.random() for n in rooms}
    result = plan(units, rooms, scores=scores, time_limit=0.001)
    assert_sound(result, units, rooms)
    assert result.score is not None and result.gap is not None and result.gap >= 0
    if result.placed < result.persons:
        assert result.missing.persons == result.persons - result.placed


def test_scores_must_cover_every_municipality_with_room():
    with pytest.raises(ValueError, match="4601"):
        plan(MORIA, {"0301": 10, "4601": 10}, scores={"0301": 0.5})


def test_a_household_needs_at_least_one_person():
    with pytest.raises(ValueError):
        plan([(3,), (0,)], KS_2020)


def test_choose_picks_the_single_six_for_bergen_six():
    choice = choose(MORIA, {"4601": 6})
    assert choice.ok
    (pick,) = choice.picks
    assert (pick.number, pick.units, pick.persons) == ("4601", ((6,),), 6)


def test_choose_picks_households_adding_up_to_exactly_ten_for_oslo():
    (pick,) = choose(MORIA, {"0301": 10}).picks
    assert sorted(pick.units) in ([(5,), (5,)], [(4,), (6,)])


def test_choose_meets_several_targets_at_once_with_disjoint_households():
    targets = {"0301": 10, "4601": 6, "5001": 14}
    choice = choose(MORIA, targets)
    assert choice.ok and not choice.unmet
    assert {p.number: sum(map(sum, p.units)) for p in choice.picks} == targets
    picked = Counter(u for p in choice.picks for u in p.units)
    assert picked + Counter(choice.left) == Counter(MORIA)


@pytest.mark.parametrize(("target", "below", "above"), [(7, 6, 8), (3, None, 4), (51, 50, None)])
def test_choose_gives_the_nearest_totals_that_can_be_met(target, below, above):
    choice = choose(MORIA, {"0301": target})
    assert not choice.ok and not choice.picks
    (unmet,) = choice.unmet
    sums = subset_sums(MORIA)
    assert unmet.below == max((s for s in sums if 0 < s < target), default=None) == below
    assert unmet.above == min((s for s in sums if s > target), default=None) == above


def test_choose_meets_what_it_can_and_computes_the_rest_beside_it():
    choice = choose(MORIA, {"0301": 6, "4601": 6, "5001": 6})
    assert [p.number for p in choice.picks] == ["0301", "4601"]
    (unmet,) = choice.unmet
    rest = subset_sums(choice.left)  # the two sixes are taken
    assert unmet.number == "5001"
    assert unmet.below == max(s for s in rest if 0 < s < 6) == 5
    assert unmet.above == min(s for s in rest if s > 6) == 8


def test_choose_keeps_linked_households_whole():
    units = [(4, 3), (5,), (2,)]
    assert choose(units, {"0301": 7}).picks[0].units in (((4, 3),), ((5,), (2,)))
    choice = choose(units, {"0301": 4})
    assert (choice.unmet[0].below, choice.unmet[0].above) == (2, 5)


def test_choose_never_goes_above_a_room_given():
    choice = choose(MORIA, {"0301": 10}, rooms={"0301": 9})
    (unmet,) = choice.unmet
    assert (unmet.below, unmet.above) == (9, None)


@settings(max_examples=40, deadline=None)
@given(
    units=st.lists(st.integers(1, 7).map(lambda s: (s,)), min_size=0, max_size=6),
    target=st.integers(1, 30),
)
def test_choose_agrees_with_every_subset_sum(units, target):
    sums = subset_sums(units)
    choice = choose(units, {"0301": target})
    assert choice.ok == (target in sums)
    if not choice.ok:
        (unmet,) = choice.unmet
        assert unmet.below == max((s for s in sums if 0 < s < target), default=None)
        assert unmet.above == min((s for s in sums if s > target), default=None)
    else:
        assert sum(map(sum, choice.picks[0].units)) == target
