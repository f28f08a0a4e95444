"""Planning and picking in the core: a whole batch placed fairly with one Confirm,
households picked to add up exactly, several assignments in one transaction, linked
households kept together, scores, previews and pages. Every plan is checked here from
the database, independently of the planner."""

from __future__ import annotations

from collections import Counter

import pytest

from capacity import Actor, BatchStatus, errors
from capacity.planner.placement import greedy
from tests.conftest import ADMIN, CLI

NETWORK = "storbynettverket"
MORIA = (5, 4, 6, 5, 5, 6, 4, 5, 5, 5)
CITIES = ("Oslo", "Bergen", "Trondheim", "Stavanger", "Bærum", "Kristiansand", "Tromsø")


def remaining_in_network(service) -> int:
    return service.overview(NETWORK, 2020).totals["remaining"].value


def assert_placed_soundly(service, name: str) -> None:
    """From the database: room never exceeded, every household whole and in exactly one
    place, linked ones together, every person accounted for."""
    batch = service.batch(name)
    for line in service.overview("norge", batch.year).lines:
        if line.spare is not None:
            assert line.reserved <= line.spare, line.municipality.name
    active = [a for a in batch.allocations if a.active]
    placed = Counter(unit for a in active for unit in a.units)
    assert placed + Counter(batch.unplaced_units) == Counter(batch.units)
    for a in active:
        assert a.persons == sum(map(sum, a.units)) or not batch.units
    assert sum(a.persons for a in active) + batch.unallocated == batch.persons
    assert batch.allocated == sum(a.persons for a in active)


def only_oslo_and_bergen(service, oslo: int, bergen: int) -> None:
    for city in CITIES[2:]:
        service.report_spare(city, 0, CLI, year=2020, source="test")
    service.report_spare("Oslo", oslo, CLI, year=2020, source="test")
    service.report_spare("Bergen", bergen, CLI, year=2020, source="test")


def test_the_moria_50_is_placed_across_the_network_with_one_plan_and_one_confirm(fresh):
    fresh.create_batch("Moria 2020", 50, ADMIN, year=2020, households=MORIA)
    plan = fresh.plan_batch("Moria 2020", ADMIN)
    assert (plan.placed, plan.persons, plan.missing, plan.room) == (50, 50, None, 398)
    assert plan.optimal and plan.key
    assert max(line.share for line in plan.lines) == pytest.approx(10 / 73)  # Oslo 5+5
    assert remaining_in_network(fresh) == 398  # a preview reserves nothing
    applied = fresh.apply_plan(plan.key, ADMIN)
    assert applied.placed == 50 and not applied.duplicate
    assert remaining_in_network(fresh) == 348
    assert fresh.batch("Moria 2020").status is BatchStatus.ALLOCATED
    assert_placed_soundly(fresh, "Moria 2020")


def test_confirming_a_plan_twice_reserves_once_and_undo_releases_all_of_it(fresh):
    fresh.create_batch("Moria 2020", 50, ADMIN, year=2020, households=MORIA)
    key = fresh.plan_batch("Moria 2020", ADMIN).key
    fresh.apply_plan(key, ADMIN)
    again = fresh.apply_plan(key, ADMIN)
    assert again.duplicate and again.placed == 50
    assert remaining_in_network(fresh) == 348
    undone = fresh.undo_plan(key, ADMIN)
    assert (undone.persons, undone.batch.unallocated) == (50, 50)
    assert remaining_in_network(fresh) == 398
    assert fresh.undo_plan(key, ADMIN).released == 0
    assert fresh.batch("Moria 2020").status is BatchStatus.PLANNED


def test_a_room_changed_between_plan_and_confirm_refuses_with_the_numbers(fresh):
    fresh.create_batch("Moria 2020", 50, ADMIN, year=2020, households=MORIA)
    fresh.create_batch("Other", 10, ADMIN, year=2020)
    plan = fresh.plan_batch("Moria 2020", ADMIN)
    oslo = next(line for line in plan.lines if line.municipality.name_no == "Oslo")
    fresh.allocate("Other", "Oslo", 2, ADMIN)
    with pytest.raises(errors.InvalidInput) as refused:
        fresh.apply_plan(plan.key, ADMIN)
    assert refused.value.code == "room_changed"
    [change] = refused.value.facts["changes"]
    assert (change["municipality"].name_no, change["now"], change["planned"]) == ("Oslo", 71, 73)
    assert "Oslo: 71 spare now, planned with 73" in str(refused.value)
    assert oslo.room == 73
    assert remaining_in_network(fresh) == 396  # only the other batch's 2
    assert fresh.batch("Moria 2020").allocated == 0


@pytest.mark.parametrize(
    ("rooms", "households"),
    [
        ((6, 4), (3, 3, 2, 2)),
        ((12, 4), (2, 2, 3, 2, (1, 6))),
    ],
)
def test_a_batch_largest_first_cannot_pack_is_placed_in_full_by_auto_and_by_plan(
    fresh, rooms, households
):
    units = [(h,) if isinstance(h, int) else tuple(h) for h in households]
    assert greedy(units, {"0301": rooms[0], "4601": rooms[1]}) is None
    only_oslo_and_bergen(fresh, *rooms)
    persons = sum(map(sum, units))
    fresh.create_batch("Auto", persons, ADMIN, year=2020, households=households)
    fresh.create_batch("Planned", persons, ADMIN, year=2020, households=households)
    results = fresh.allocate_auto("Auto", ADMIN)
    assert results and all(r.granted for r in results)
    assert fresh.batch("Auto").unallocated == 0
    assert_placed_soundly(fresh, "Auto")
    fresh.set_status("Auto", "cancelled", ADMIN)
    plan = fresh.plan_batch("Planned", ADMIN)
    assert plan.placed == persons and plan.missing is None
    fresh.apply_plan(plan.key, ADMIN)
    assert fresh.batch("Planned").unallocated == 0
    assert_placed_soundly(fresh, "Planned")


def test_linked_households_go_to_the_same_municipality_in_every_plan(fresh):
    only_oslo_and_bergen(fresh, 8, 8)
    fresh.create_batch("Linked", 15, ADMIN, year=2020, households=(5, (4, 3), 3))
    plan = fresh.plan_batch("Linked", ADMIN)
    assert plan.placed == 15
    assert any((4, 3) in line.units for line in plan.lines)
    fresh.apply_plan(plan.key, ADMIN)
    assert_placed_soundly(fresh, "Linked")
    [together] = [a for a in fresh.batch("Linked").allocations if (4, 3) in a.units]
    assert together.persons == 7 and sorted(together.households) == [3, 4]


def test_a_household_named_alone_that_is_linked_is_refused_and_changes_nothing(fresh):
    fresh.create_batch("Linked", 12, ADMIN, year=2020, households=(5, (4, 3)))
    with pytest.raises(errors.InvalidInput) as refused:
        fresh.allocate("Linked", "Oslo", None, ADMIN, households=(4,))
    assert refused.value.code == "linked" and "families 4+3" in str(refused.value)
    assert fresh.allocate("Linked", "Oslo", None, ADMIN, households=((3, 4),)).granted
    assert fresh.batch("Linked").unplaced_units == ((5,),)


def test_a_plan_says_exactly_what_is_missing(fresh):
    for city in CITIES:
        fresh.report_spare(city, 8, CLI, year=2020, source="test")
    fresh.create_batch("Too big", 65, ADMIN, year=2020, households=(9,) + (4,) * 14)
    plan = fresh.plan_batch("Too big", ADMIN)
    assert plan.placed == 56 and plan.missing.persons == 9
    assert plan.missing.room_short == 9
    assert [(t.size, t.largest_room) for t in plan.missing.too_large] == [(9, 8)]
    assert plan.left == ((9,),)
    assert plan.key  # what fits can be confirmed; the rest stays unassigned


def test_tildel_without_households_picks_the_six_for_bergen_and_ten_for_oslo(fresh):
    fresh.create_batch("Moria 2020", 50, ADMIN, year=2020, households=MORIA)
    bergen = fresh.preview_assignment("Moria 2020", [("Bergen", 6, ())], ADMIN)
    assert bergen.picked and [line.units for line in bergen.lines] == [((6,),)]
    oslo = fresh.preview_assignment("Moria 2020", [("Oslo", 10, ())], ADMIN)
    assert sorted(oslo.lines[0].units) in ([(5,), (5,)], [(4,), (6,)])
    done = fresh.confirm_assignment(oslo.key, ADMIN)
    assert done.granted and fresh.capacity("Oslo").reserved == 10
    assert fresh.confirm_assignment(oslo.key, ADMIN).duplicate
    assert fresh.capacity("Oslo").reserved == 10
    assert_placed_soundly(fresh, "Moria 2020")


def test_no_combination_that_adds_up_gives_the_nearest_totals_and_changes_nothing(fresh):
    fresh.create_batch("Moria 2020", 50, ADMIN, year=2020, households=MORIA)
    with pytest.raises(errors.InvalidInput) as refused:
        fresh.preview_assignment("Moria 2020", [("Oslo", 7, ())], ADMIN)
    facts = refused.value.facts
    assert (refused.value.code, facts["below"], facts["above"]) == (
        "no_exact_total_belowabove",
        6,
        8,
    )
    assert "the nearest that do are 6 and 8" in str(refused.value)
    assert fresh.capacity("Oslo").reserved == 0


def test_several_assignments_at_once_are_one_preview_and_one_transaction(fresh):
    fresh.create_batch("Moria 2020", 50, ADMIN, year=2020, households=MORIA)
    targets = [("Oslo", 10, ()), ("Bergen", 6, ()), ("Trondheim", 14, ())]
    preview = fresh.preview_assignment("Moria 2020", targets, ADMIN)
    assert [line.persons for line in preview.lines] == [10, 6, 14]
    assert preview.unassigned == 20 and sum(map(sum, preview.left)) == 20
    done = fresh.confirm_assignment(preview.key, ADMIN)
    assert done.granted and len(done.results) == 3
    assert remaining_in_network(fresh) == 368
    assert_placed_soundly(fresh, "Moria 2020")


def test_several_assignments_of_which_one_no_longer_fits_reserve_nothing(fresh):
    fresh.create_batch("Moria 2020", 50, ADMIN, year=2020, households=MORIA)
    fresh.create_batch("Other", 30, ADMIN, year=2020)
    preview = fresh.preview_assignment("Moria 2020", [("Oslo", 10, ()), ("Bærum", 10, ())], ADMIN)
    fresh.allocate("Other", "Bærum", 25, ADMIN)
    done = fresh.confirm_assignment(preview.key, ADMIN)
    assert not done.granted
    [refused] = done.results
    assert (refused.municipality.name_no, refused.persons, refused.remaining) == ("Bærum", 10, 5)
    assert fresh.capacity("Oslo").reserved == 0
    assert fresh.batch("Moria 2020").allocated == 0


def test_a_preview_expires_and_then_confirms_nothing(fresh, clock):
    fresh.create_batch("Moria 2020", 50, ADMIN, year=2020, households=MORIA)
    preview = fresh.preview_assignment("Moria 2020", [("Bergen", 6, ())], ADMIN)
    clock.advance(hours=25)
    with pytest.raises(errors.InvalidInput, match="expired"):
        fresh.confirm_assignment(preview.key, ADMIN)
    assert fresh.capacity("Bergen").reserved == 0


def test_a_preview_of_500_households_keeps_only_its_key_for_the_button(fresh):
    fresh.report_spare("Trondheim", 600, CLI, year=2020, source="test")
    fresh.create_batch("Stor", 500, ADMIN, year=2020, households=(1,) * 500)
    preview = fresh.preview_assignment("Stor", [("Trondheim", 500, ())], ADMIN)
    assert len(preview.key) == 32 and len(preview.lines[0].units) == 500
    assert fresh.confirm_assignment(preview.key, ADMIN).granted
    assert fresh.capacity("Trondheim").reserved == 500


def test_scores_are_kept_with_their_source_and_decide_between_equally_fair_plans(fresh, tmp_path):
    only_oslo_and_bergen(fresh, 10, 10)
    fresh.report_spare("Trondheim", 10, CLI, year=2020, source="test")
    fresh.create_batch("Two", 10, ADMIN, year=2020, households=(5, 5))
    csv = b"number,score\n0301,0.9\n4601,0.1\n5001,0.5\n"
    imported = fresh.import_scores(csv, "sysselsetting.csv", CLI)
    assert imported.count == 3 and imported.source.startswith("sysselsetting.csv (sha256 ")
    plan = fresh.plan_batch("Two", ADMIN)
    assert sorted(line.municipality.name_no for line in plan.lines) == ["Oslo", "Trondheim"]
    assert plan.scores == imported.source
    with pytest.raises(errors.InvalidImportFile) as bad:
        fresh.import_scores(b"number,score\n9999,x\n", "bad.csv", CLI)
    assert [line for line, _ in bad.value.problems] == [2, 2]
    assert len(fresh.scores()) == 3  # nothing imported from the bad file
    assert fresh.clear_scores(CLI) == 3 and fresh.plan_batch("Two", ADMIN).scores is None


def test_rows_from_before_linked_households_read_as_households_alone(fresh):
    fresh.create_batch("Old", 9, ADMIN, year=2020, households=(5, 4))
    fresh.allocate("Old", "Oslo", None, ADMIN, households=(5,))
    fresh.store.db.execute("UPDATE batches SET units = NULL")
    fresh.store.db.execute("UPDATE allocations SET units = NULL")
    batch = fresh.batch("Old")
    assert batch.units == ((5,), (4,)) and batch.unplaced_units == ((4,),)
    assert batch.allocations[0].units == ((5,),)


def test_cancelling_says_how_many_places_it_releases_and_cancels_once(fresh):
    fresh.create_batch("Moria 2020", 50, ADMIN, year=2020, households=MORIA)
    plan = fresh.plan_batch("Moria 2020", ADMIN)
    fresh.apply_plan(plan.key, ADMIN)
    preview = fresh.preview_cancel("Moria 2020", ADMIN, reason="plans changed")
    assert (preview.persons, preview.municipalities) == (50, len(plan.lines))
    assert remaining_in_network(fresh) == 348  # asking changes nothing
    batch, now = fresh.confirm_cancel(preview.key, ADMIN)
    assert now and batch.status is BatchStatus.CANCELLED
    assert fresh.confirm_cancel(preview.key, ADMIN)[1] is False
    assert remaining_in_network(fresh) == 398


def test_a_page_of_assignments_counts_from_aggregates(fresh):
    fresh.create_batch("Many", 30, ADMIN, year=2020)
    for _ in range(25):
        fresh.allocate("Many", "Trondheim", 1, ADMIN)
    page = fresh.batch_page("Many", 3)
    assert (page.page, page.pages, page.total, page.active) == (3, 3, 25, 25)
    assert len(page.allocations) == 5 and page.municipalities == 1
    assert page.batch.allocations == ()  # the batch itself is loaded without its rows
    assert fresh.batch_page("Many", 99).page == 3
    assert fresh.batches_page(page=1).total == 1


def test_room_for_a_household_of_6_lists_the_places_most_room_first(fresh):
    year, rooms = fresh.room_for(6)
    assert year == 2020
    assert [r.name for r in rooms][:2] == ["Trondheim", "Oslo"]
    assert all(r.remaining >= 6 for r in rooms) and len(rooms) == 7
    fresh.report_spare("Bærum", 5, CLI, year=2020, source="test")
    assert "Bærum" not in [r.name for r in fresh.room_for(6)[1]]
    with pytest.raises(errors.InvalidInput):
        fresh.room_for(0)


def test_a_preview_is_kept_only_for_what_the_user_may_do(fresh):
    fresh.create_batch("Moria 2020", 50, ADMIN, year=2020, households=MORIA)
    nobody = Actor(id="U_NOBODY", name="Nobody")
    with pytest.raises(errors.PermissionDenied):
        fresh.plan_batch("Moria 2020", nobody)
    with pytest.raises(errors.PermissionDenied):
        fresh.preview_assignment("Moria 2020", [("Oslo", 10, ())], nobody)
    key = fresh.plan_batch("Moria 2020", ADMIN).key
    with pytest.raises(errors.PermissionDenied):
        fresh.apply_plan(key, nobody)
    assert remaining_in_network(fresh) == 398
