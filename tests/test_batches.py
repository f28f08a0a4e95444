"""Relocation batches against the network's capacity: the seed scenario and its edges."""

from __future__ import annotations

import pytest

from capacity import Actor, BatchStatus, Measure, errors
from capacity.models import Kind
from tests.conftest import ADMIN, CLI

NETWORK = "storbynettverket"
MORIA_FAMILIES = (5, 4, 6, 5, 5, 6, 4, 5, 5, 5)


def remaining_in_network(service) -> int:
    return service.overview(NETWORK, 2020).totals["remaining"].value


def outbox(service) -> list:
    return service.alerts()


def test_a_50_person_moria_batch_fits_the_network_without_an_event(fresh):
    result = fresh.create_batch("Moria 2020", 50, ADMIN, year=2020, households=MORIA_FAMILIES)
    assert result.fits
    assert result.events == ()
    assert result.room == 398
    assert result.batch.status is BatchStatus.PLANNED
    assert outbox(fresh) == []


def test_allocating_moria_across_the_network_leaves_348(fresh):
    fresh.create_batch("Moria 2020", 50, ADMIN, year=2020, households=MORIA_FAMILIES)
    results = fresh.allocate_auto("Moria 2020", ADMIN)
    assert all(r.granted for r in results)
    assert sum(r.persons for r in results) == 50
    assert remaining_in_network(fresh) == 348
    batch = fresh.batch("Moria 2020")
    assert batch.status is BatchStatus.ALLOCATED
    assert sorted(h for a in batch.allocations for h in a.households) == sorted(MORIA_FAMILIES)
    assert len({a.number for a in batch.allocations}) > 1  # spread, not all in one city


def test_allocating_moria_by_hand_city_by_city_leaves_348(fresh):
    fresh.create_batch("Moria 2020", 50, ADMIN, year=2020)
    for city, persons in [
        ("Oslo", 10),
        ("Bergen", 7),
        ("Trondheim", 15),
        ("Stavanger", 6),
        ("Bærum", 3),
        ("Kristiansand", 3),
        ("Tromsø", 6),
    ]:
        assert fresh.allocate("Moria 2020", city, persons, ADMIN).granted
    assert remaining_in_network(fresh) == 348
    assert fresh.capacity("Trondheim").remaining == 100


def test_a_400_person_batch_emits_the_exceeded_event_and_reserves_nothing(fresh):
    result = fresh.create_batch("Big", 400, ADMIN, year=2020)
    assert not result.fits
    [event] = result.events
    assert event.kind is Kind.BATCH_EXCEEDS
    assert (event.persons, event.remaining, event.scope) == (400, 398, NETWORK)
    assert event.rooms[0].name == "Trondheim" and event.rooms[0].remaining == 115
    assert result.alerted
    assert remaining_in_network(fresh) == 398
    assert fresh.allocate_auto("Big", ADMIN) == []
    assert remaining_in_network(fresh) == 398
    [alert] = outbox(fresh)
    assert alert.event.kind is Kind.BATCH_EXCEEDS


def test_the_same_condition_is_queued_once(fresh):
    fresh.create_batch("Big", 400, ADMIN, year=2020)
    fresh.allocate_auto("Big", ADMIN)
    fresh.allocate_auto("Big", ADMIN)
    assert len(outbox(fresh)) == 1


def test_a_household_of_9_against_rooms_of_8_is_refused(fresh):
    for city in ("Oslo", "Bergen", "Trondheim", "Stavanger", "Bærum", "Kristiansand", "Tromsø"):
        fresh.report_spare(city, 8, CLI, year=2020, source="test")
    result = fresh.create_batch("Family", 12, ADMIN, year=2020, households=(9, 3))
    kinds = [e.kind for e in result.events]
    assert kinds == [Kind.HOUSEHOLD_TOO_LARGE]
    assert result.events[0].persons == 9 and result.events[0].remaining == 8
    assert fresh.allocate_auto("Family", ADMIN) == []
    refused = fresh.allocate("Family", "Trondheim", 9, ADMIN, households=(9,))
    assert not refused.granted
    assert refused.remaining == 8
    assert remaining_in_network(fresh) == 56


def test_an_assignment_larger_than_the_room_is_refused_with_the_numbers(fresh):
    fresh.create_batch("Moria 2020", 50, ADMIN, year=2020)
    fresh.create_batch("Second", 100, ADMIN, year=2020)
    fresh.allocate("Moria 2020", "Bærum", 25, ADMIN)
    result = fresh.allocate("Second", "Bærum", 10, ADMIN)
    assert not result.granted
    assert (result.persons, result.remaining) == (10, 5)
    assert result.alerted
    assert fresh.capacity("Bærum").reserved == 25
    assert Kind.ALLOCATION_REFUSED in [a.event.kind for a in outbox(fresh)]


def test_households_are_never_split(fresh):
    fresh.create_batch("Families", 11, ADMIN, year=2020, households=(6, 5))
    with pytest.raises(errors.InvalidInput, match="households"):
        fresh.allocate("Families", "Oslo", 3, ADMIN)
    with pytest.raises(errors.InvalidInput, match="no unplaced household of 4"):
        fresh.allocate("Families", "Oslo", 4, ADMIN, households=(4,))
    assert fresh.allocate("Families", "Oslo", None, ADMIN, households=(6,)).granted
    assert fresh.batch("Families").unplaced_households == (5,)


def test_the_same_request_key_never_reserves_twice(fresh):
    fresh.create_batch("Moria 2020", 50, ADMIN, year=2020)
    first = fresh.allocate("Moria 2020", "Trondheim", 20, ADMIN, request_key="abc")
    again = fresh.allocate("Moria 2020", "Trondheim", 20, ADMIN, request_key="abc")
    assert first.granted and again.granted and again.duplicate
    assert fresh.capacity("Trondheim").reserved == 20


def test_cancelling_releases_every_reservation(fresh):
    fresh.create_batch("Moria 2020", 50, ADMIN, year=2020)
    fresh.allocate_auto("Moria 2020", ADMIN)
    assert remaining_in_network(fresh) == 348
    batch = fresh.set_status("Moria 2020", "cancelled", ADMIN, reason="plans changed")
    assert batch.status is BatchStatus.CANCELLED
    assert remaining_in_network(fresh) == 398
    with pytest.raises(errors.InvalidTransition):
        fresh.set_status("Moria 2020", "arrived", ADMIN)


def test_settling_counts_the_persons_as_settled_by_batches_and_leaves_imdis_figure(fresh):
    fresh.create_batch("Moria 2020", 20, ADMIN, year=2020)
    fresh.allocate("Moria 2020", "Trondheim", 20, ADMIN)
    fresh.set_status("Moria 2020", "arrived", ADMIN)
    fresh.set_status("Moria 2020", "settled", ADMIN)
    line = fresh.capacity("Trondheim")
    assert line.value(Measure.SETTLED) == 86  # IMDi's published figure, as published
    assert (line.settled, line.reserved_open) == (20, 0)  # used by a settled batch
    assert line.remaining == 95  # settling itself does not change the room
    assert [c for c in fresh.history("Trondheim") if c.key == "5001/2020/settled"] == [
        c for c in fresh.history("Trondheim") if c.key == "5001/2020/settled" and c.actor == "imdi"
    ]
    status = [c for c in fresh.history() if c.entity == "batch"][-1]
    assert status.actor == ADMIN.id and status.after == {"status": "settled"}


def test_an_undo_releases_one_assignment(fresh):
    fresh.create_batch("Moria 2020", 50, ADMIN, year=2020)
    result = fresh.allocate("Moria 2020", "Tromsø", 20, ADMIN)
    fresh.release(result.allocation.id, ADMIN)
    assert fresh.capacity("Tromsø").remaining == 50
    assert fresh.batch("Moria 2020").unallocated == 50


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(name="", persons=5), "must not be empty"),
        (dict(name="x" * 81, persons=5), "longer than"),
        (dict(name="A", persons=0), "persons"),
        (dict(name="A", persons=10_001), "persons"),
        (dict(name="A", persons=10, households=(5, 4)), "add up to 9"),
        (dict(name="A", persons=10, year=1900), "Year"),
        (dict(name="A", persons=10, scope="Atlantis"), "No municipality"),
    ],
)
def test_bad_batch_input_is_refused_and_changes_nothing(fresh, kwargs, message):
    before = fresh.store.db.execute("SELECT count(*) FROM changes").fetchone()[0]
    with pytest.raises(errors.CapacityError, match=message):
        fresh.create_batch(actor=ADMIN, **kwargs)
    assert fresh.batches() == []
    assert fresh.store.db.execute("SELECT count(*) FROM changes").fetchone()[0] == before


def test_a_duplicate_batch_name_is_refused(fresh):
    fresh.create_batch("Moria 2020", 50, ADMIN, year=2020)
    with pytest.raises(errors.BatchExists):
        fresh.create_batch("Moria 2020", 10, ADMIN, year=2020)


def test_only_admins_register_batches_and_refusals_change_nothing(fresh):
    nobody = Actor(id="U_NOBODY", name="Nobody")
    with pytest.raises(errors.PermissionDenied):
        fresh.create_batch("Moria 2020", 50, nobody, year=2020)
    assert fresh.batches() == []


def test_a_municipality_outside_the_scope_is_refused(fresh):
    fresh.create_batch("Moria 2020", 50, ADMIN, year=2020)
    with pytest.raises(errors.InvalidInput, match="outside the batch's scope"):
        fresh.allocate("Moria 2020", "Bodø", 5, ADMIN)


def test_low_remaining_capacity_raises_an_event(fresh):
    fresh.create_batch("Moria 2020", 50, ADMIN, year=2020)
    result = fresh.allocate("Moria 2020", "Bærum", 28, ADMIN)
    assert result.granted
    assert [e.kind for e in result.events] == [Kind.CAPACITY_LOW]
    assert result.events[0].threshold == 3


def test_households_that_fit_one_by_one_but_not_together_are_refused_with_an_event(fresh):
    for city in ("Trondheim", "Stavanger", "Bærum", "Kristiansand", "Tromsø"):
        fresh.report_spare(city, 0, CLI, year=2020, source="test")
    fresh.report_spare("Oslo", 5, CLI, year=2020, source="test")
    fresh.report_spare("Bergen", 5, CLI, year=2020, source="test")
    result = fresh.create_batch("Packing", 10, ADMIN, year=2020, households=(4, 4, 2))
    assert result.fits  # 10 persons, 10 places, no household larger than 5
    assert fresh.allocate_auto("Packing", ADMIN) == []
    [alert] = fresh.alerts()
    assert alert.event.kind is Kind.HOUSEHOLDS_DO_NOT_FIT
    assert (alert.event.persons, alert.event.remaining) == (10, 10)
    assert remaining_in_network(fresh) == 10
