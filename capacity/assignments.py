"""Assigning a batch's persons to municipalities: reserve places (checked, idempotent),
spread a whole batch over its scope, and undo an assignment."""

from __future__ import annotations

from collections.abc import Sequence

from capacity import batch_repository as batches_db
from capacity import errors, queries, repository
from capacity import figure_repository as figures_db
from capacity.access import can_edit, require_admin, require_editor
from capacity.batches import find, follow, load, name_of, release_rows
from capacity.core import Core
from capacity.geography import structure_for
from capacity.models import Actor, Allocation, Batch, Kind
from capacity.outbox import emit
from capacity.packing import distribute
from capacity.results import AllocationResult
from capacity.rules import (
    assignment_persons,
    batch_event,
    check_assignment,
    check_households,
    check_open,
    fit_events,
    low_capacity_events,
    refused_event,
)


def allocate(
    core: Core,
    batch_ref: str | int,
    query: str,
    persons: int | None,
    actor: Actor,
    *,
    households: Sequence[int] = (),
    request_key: str | None = None,
    year: int | None = None,
    dry_run: bool = False,
) -> AllocationResult:
    """Reserve places of a batch in a municipality, or refuse with the numbers.

    `request_key` makes the request idempotent: the same key never reserves twice (a
    double click, a resubmitted form, Slack's retry). `dry_run` checks everything and
    reserves nothing: a refusal is still raised as an event, a fit is returned with
    `preview` set."""
    sizes = check_households(households)
    persons = assignment_persons(persons, sizes)
    with core.store.write() as db:
        batch = find(core, db, batch_ref, year)
        place = queries.municipality(core, query, batch.year)
        if request_key and (done := batches_db.allocation_by_key(db, request_key)) is not None:
            allocation = batches_db.allocation(db, done, name_of(core))
            assert allocation is not None
            there = core.geography.get(allocation.number, structure_for(batch.year)) or place
            line = figures_db.line(db, there, batch.year)
            return AllocationResult(
                batch, there, allocation.persons, True, line.remaining or 0, allocation,
                duplicate=True,
            )  # fmt: skip
        require_editor(core, actor, place)
        check_open(batch)
        members = queries.scope_members(core, batch.scope, batch.year)
        title = queries.scope_title(core, batch.scope)
        check_assignment(batch, place, members, persons, sizes, title)
        line = figures_db.line(db, place, batch.year)
        if line.remaining is None:
            raise errors.InvalidInput(
                "no_spare", field="municipality", municipality=place, year=batch.year
            )
        if persons > line.remaining:
            rooms = queries.rooms(core, db, batch)
            event = refused_event(batch, place, persons, line.remaining, rooms, actor)
            alerted = emit(core, db, [event])
            return AllocationResult(
                batch, place, persons, False, line.remaining, events=(event,), alerted=alerted
            )
        if dry_run:
            return AllocationResult(
                batch, place, persons, True, line.remaining - persons, preview=True
            )
        now = core.now()
        allocation_id = batches_db.add_allocation(
            db, now, batch.id, place.number, batch.year, persons, sizes, actor.id, request_key
        )
        repository.record(
            db,
            now,
            actor,
            "allocation",
            f"{place.number}/{batch.year}/allocation/{allocation_id}",
            None,
            {
                "batch": batch.name,
                "batch_id": batch.id,
                "persons": persons,
                "households": list(sizes),
            },
        )
        batch = follow(
            core,
            db,
            batch.model_copy(
                update={
                    "allocated": batch.allocated + persons,
                    "placed_households": batch.placed_households + sizes,
                }
            ),
            actor,
        )
        line = line.model_copy(update={"reserved": line.reserved + persons})
        events = low_capacity_events(line, actor, core.low_ratio)
        alerted = emit(core, db, events)
        allocation = Allocation(
            id=allocation_id,
            batch_id=batch.id,
            number=place.number,
            municipality=place.name_no,
            persons=persons,
            households=sizes,
            active=True,
            created_at=now,
            created_by=actor.id,
        )
    return AllocationResult(
        batch, place, persons, True, line.remaining or 0, allocation, tuple(events), alerted
    )


def allocate_auto(core: Core, batch_ref: str | int, actor: Actor) -> list[AllocationResult]:
    """Spread a batch's unassigned persons over its scope, households whole. All or
    nothing: when the batch does not fit, nothing is reserved and the shortfall is
    raised as an event."""
    require_admin(core, actor, "distribute_batches")
    with core.store.write() as db:
        batch = find(core, db, batch_ref)
        rooms = queries.rooms(core, db, batch)
        title = queries.scope_title(core, batch.scope)
        events = fit_events(batch, rooms, actor, title)
        if events:
            emit(core, db, events)
            return []
        plan = distribute(batch, rooms)
        if plan is None:  # the households cannot be packed whole into the rooms left
            total = sum(r.remaining for r in rooms)
            persons = sum(batch.unplaced_households)
            event = batch_event(
                Kind.HOUSEHOLDS_DO_NOT_FIT, batch, rooms, actor, persons, total, title
            )
            emit(core, db, [event])
            return []
        return [
            allocate(core, batch.id, number, persons, actor, households=sizes, year=batch.year)
            for number, persons, sizes in plan
        ]


def release(core: Core, allocation_id: int, actor: Actor, *, reason: str = "") -> Batch:
    """Undo an assignment: its places go back to the municipality."""
    with core.store.write() as db:
        found = batches_db.allocation_place(db, allocation_id)
        if found is None:
            raise errors.InvalidInput("no_assignment", field="allocation", id=allocation_id)
        batch_id, number, year, _, active = found
        batch = load(core, db, batch_id)
        place = core.geography.get(number, structure_for(year))
        if place is None or not can_edit(core, actor, place):
            require_admin(core, actor, "undo_assignments")
        check_open(batch, "assignments_final")
        if active:
            release_rows(core, db, [allocation_id], actor, reason or "undone")
            follow(core, db, load(core, db, batch_id), actor)
        return load(core, db, batch_id, allocations=True)
