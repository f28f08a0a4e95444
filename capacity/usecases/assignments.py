"""Assigning a batch's persons to municipalities: reserve places (checked, idempotent),
preview assignments to one or several municipalities at once (picking households that
add up exactly when none are named) and confirm them in one transaction, and undo an
assignment. Spreading a whole batch is `planning`."""

from __future__ import annotations

from collections.abc import Sequence

from capacity import errors
from capacity.domain import households
from capacity.domain.households import Households, Unit, as_units
from capacity.domain.rules import (
    assignment_persons,
    check_assignment,
    check_open,
    low_capacity_events,
    refused_event,
)
from capacity.models import Actor, Allocation, Batch, CapacityLine, Municipality
from capacity.reference.geography import structure_for
from capacity.storage import batches as batches_db
from capacity.storage import figures as figures_db
from capacity.storage import repository
from capacity.storage.store import Database
from capacity.usecases import previews, queries
from capacity.usecases.access import can_edit, require_admin, require_editor
from capacity.usecases.batches import find, follow, load, name_of, release_rows, released
from capacity.usecases.core import Core, emit
from capacity.usecases.results import AllocationResult, AssignmentDone, AssignmentPreview, PlanLine

Target = tuple[str, int | None, Households]  # (municipality text, persons, households)
PICK_SECONDS = 2.0


def reserve(
    core: Core,
    db: Database,
    batch: Batch,
    place: Municipality,
    persons: int,
    units: tuple[Unit, ...],
    actor: Actor,
    request_key: str | None,
    reason: str = "",
) -> Allocation:
    """Write one allocation and its history record (the caller has checked it)."""
    now = core.now()
    allocation_id = batches_db.add_allocation(
        db, now, batch.id, place.number, batch.year, persons, units, actor.id, request_key
    )
    after = {
        "batch": batch.name,
        "batch_id": batch.id,
        "persons": persons,
        "households": list(households.flat(units)),
    }
    if households.linked(units):
        after["linked"] = households.text(units)
    key = f"{place.number}/{batch.year}/allocation/{allocation_id}"
    repository.record(db, now, actor, "allocation", key, None, after, reason=reason)
    return Allocation(
        id=allocation_id,
        batch_id=batch.id,
        number=place.number,
        municipality=place.name_no,
        persons=persons,
        households=households.flat(units),
        units=units,
        active=True,
        created_at=now,
        created_by=actor.id,
    )


def allocate(
    core: Core,
    batch_ref: str | int,
    query: str,
    persons: int | None,
    actor: Actor,
    *,
    households: Households = (),
    request_key: str | None = None,
    year: int | None = None,
    dry_run: bool = False,
) -> AllocationResult:
    """Reserve places of a batch in a municipality, or refuse with the numbers.

    `households` names the households placed (linked ones as a tuple: `(5, (4, 3))`).
    `request_key` makes the request idempotent: the same key never reserves twice (a
    double click, a resubmitted form, Slack's retry). `dry_run` checks everything and
    reserves nothing: a refusal is still raised as an event, a fit is returned with
    `preview` set."""
    units = as_units(households)
    persons = assignment_persons(persons, units)
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
                duplicate=True, undone=released(db, allocation.id),
            )  # fmt: skip
        require_editor(core, actor, place)
        check_open(batch)
        members = queries.scope_members(core, batch.scope, batch.year)
        title = queries.scope_title(core, batch.scope)
        check_assignment(batch, place, members, persons, units, title)
        line = _room(db, place, batch.year)
        if persons > (line.remaining or 0):
            return _refused(core, db, batch, place, persons, line.remaining or 0, actor)
        if dry_run:
            return AllocationResult(
                batch, place, persons, True, (line.remaining or 0) - persons, preview=True
            )
        allocation = reserve(core, db, batch, place, persons, units, actor, request_key)
        update = {
            "allocated": batch.allocated + persons,
            "placed_units": batch.placed_units + units,
        }
        batch = follow(core, db, batch.model_copy(update=update), actor)
        line = line.model_copy(update={"reserved": line.reserved + persons})
        events = low_capacity_events(line, actor, core.low_ratio)
        alerted = emit(core, db, events)
    return AllocationResult(
        batch, place, persons, True, line.remaining or 0, allocation, tuple(events), alerted
    )


def _room(db: Database, place: Municipality, year: int) -> CapacityLine:
    line = figures_db.line(db, place, year)
    if line.remaining is None:
        raise errors.InvalidInput("no_spare", field="municipality", municipality=place, year=year)
    return line


def _refused(
    core: Core,
    db: Database,
    batch: Batch,
    place: Municipality,
    persons: int,
    remaining: int,
    actor: Actor,
) -> AllocationResult:
    """Does not fit: refused with the numbers, and raised as an event."""
    event = refused_event(batch, place, persons, remaining, queries.rooms(core, db, batch), actor)
    alerted = emit(core, db, [event])
    return AllocationResult(
        batch, place, persons, False, remaining, events=(event,), alerted=alerted
    )


Resolved = tuple[Municipality, int, tuple[Unit, ...], CapacityLine]
PREVIEW_TRIES = 3
"""Picks `preview_assignment` makes outside its write; the last one is made inside."""


def preview_assignment(
    core: Core, batch_ref: str | int, targets: Sequence[Target], actor: Actor
) -> AssignmentPreview:
    """Assignments of a batch to one or several municipalities as they would be, kept
    as a preview for one Confirm. A target without households, in a batch with
    households, gets households that add up to exactly its persons (linked ones whole);
    when none do, the refusal gives the nearest totals that can be met. A target that
    does not fit its municipality's room is refused with the numbers (and an event).

    The households are picked (a solve) after a read, with no lock held; the write that
    keeps the preview reads everything again, and when something changed meanwhile the
    pick is made again (the last time inside the write, so that an answer comes)."""
    wanted = []
    for query, persons, given in targets:
        units = as_units(given)
        wanted.append((query, assignment_persons(persons, units), units))
    for _ in range(PREVIEW_TRIES - 1):
        with core.store.read() as db:
            seen = _resolve(core, db, batch_ref, wanted, actor)
        picks = _pick(core, *seen) if _fit(seen) else None
        kept = _keep_preview(core, batch_ref, wanted, actor, seen, picks)
        if kept is not None:
            return kept
    kept = _keep_preview(core, batch_ref, wanted, actor, None, None)
    assert kept is not None  # nothing seen before: nothing to have changed
    return kept


def _keep_preview(
    core: Core,
    batch_ref: str | int,
    wanted,
    actor: Actor,
    seen: tuple[Batch, tuple[Resolved, ...]] | None,
    picks: dict[str, tuple[Unit, ...]] | None,
) -> AssignmentPreview | None:
    """The preview kept (or refused with the numbers) in one write; None when what was
    `seen` changed meanwhile. Households are picked here when `picks` is None."""
    with core.store.write() as db:
        batch, resolved = now = _resolve(core, db, batch_ref, wanted, actor)
        if seen is not None and now != seen:
            return None
        for place, persons, _, line in resolved:
            if persons > (line.remaining or 0):
                refused = _refused(core, db, batch, place, persons, line.remaining or 0, actor)
                return AssignmentPreview(batch, None, (), refused=refused)
        picks = _pick(core, *now) if picks is None else picks
        lines = tuple(
            PlanLine(place, picks.get(place.number, units), persons, line.remaining or 0)
            for place, persons, units, line in resolved
        )
        stored = [
            previews.line(ln.municipality.number, ln.persons, ln.units, ln.room) for ln in lines
        ]
        key = previews.keep(core, db, "assign", batch, stored, actor, {"picked": bool(picks)})
    return AssignmentPreview(batch, key, lines, picked=bool(picks))


def _resolve(
    core: Core, db: Database, batch_ref: str | int, wanted, actor: Actor
) -> tuple[Batch, tuple[Resolved, ...]]:
    """The batch and each target checked: place, persons, households, room line."""
    batch = find(core, db, batch_ref)
    check_open(batch)
    members = queries.scope_members(core, batch.scope, batch.year)
    title = queries.scope_title(core, batch.scope)
    resolved: list[Resolved] = []
    for query, persons, units in wanted:
        place = queries.municipality(core, query, batch.year)
        if any(place == other for other, *_ in resolved):
            raise errors.InvalidInput("same_place_twice", field="municipality", name=place)
        require_editor(core, actor, place)
        picked = not units and bool(batch.unplaced_units)
        check_assignment(batch, place, members, persons, units, title, picked=picked)
        resolved.append((place, persons, units, _room(db, place, batch.year)))
    named = [unit for _, _, units, _ in resolved for unit in units]
    households.take(named, batch.unplaced_units)
    total = sum(persons for _, persons, _, _ in resolved)
    if total > batch.unallocated:
        raise errors.InvalidInput(
            "over_unallocated", field="persons", unallocated=batch.unallocated,
            persons=batch.persons,
        )  # fmt: skip
    return batch, tuple(resolved)


def _fit(seen: tuple[Batch, tuple[Resolved, ...]]) -> bool:
    return all(persons <= (line.remaining or 0) for _, persons, _, line in seen[1])


def _pick(core: Core, batch: Batch, resolved: tuple[Resolved, ...]) -> dict[str, tuple[Unit, ...]]:
    """Households adding up to each target named without households, when the batch has
    households; {} when there is nothing to pick (persons without a household)."""
    targets = {place.number: persons for place, persons, units, _ in resolved if not units}
    if not targets or not batch.unplaced_units:
        return {}
    named = [unit for _, _, units, _ in resolved for unit in units]
    pool = households.take(named, batch.unplaced_units)
    choice = core.solver.choose(pool, targets, time_limit=PICK_SECONDS)
    if choice.unmet:
        unmet = choice.unmet[0]
        place = next(place for place, *_ in resolved if place.number == unmet.number)
        sides = ("below" if unmet.below else "") + ("above" if unmet.above else "")
        raise errors.InvalidInput(
            f"no_exact_total{'_' + sides if sides else ''}",
            field="households",
            municipality=place,
            persons=unmet.target,
            below=unmet.below,
            above=unmet.above,
            households=households.said(pool),
        )
    return {pick.number: pick.units for pick in choice.picks}


def confirm_assignment(core: Core, key: str, actor: Actor) -> AssignmentDone:
    """Reserve a previewed assignment: every line in one transaction, or none of them
    when one no longer fits (refused with the numbers, as events). The key makes it
    idempotent: confirming twice reserves once."""
    with core.store.write() as db:
        preview = previews.load(core, db, key, "assign")
        batch = load(core, db, preview.batch_id)
        lines = preview.lines
        keys = [key] if len(lines) == 1 else [f"{key}/{i}" for i in range(len(lines))]
        if batches_db.allocation_by_key(db, keys[0]) is None:
            refused = []
            for stored in lines:
                place = place_of(core, stored["n"], batch.year)
                remaining = _room(db, place, batch.year).remaining or 0
                if stored["p"] > remaining:
                    refused.append(_refused(core, db, batch, place, stored["p"], remaining, actor))
            if refused:
                return AssignmentDone(load(core, db, batch.id), tuple(refused))
        results = tuple(
            allocate(
                core,
                batch.id,
                stored["n"],
                stored["p"],
                actor,
                households=previews.units_of(stored),
                request_key=line_key,
                year=batch.year,
            )  # fmt: skip
            for stored, line_key in zip(lines, keys, strict=True)
        )
        if preview.applied_at is None and all(r.granted for r in results):
            ids = [r.allocation.id for r in results if r.allocation is not None]
            batches_db.mark_applied(db, key, core.now(), actor.id, ids)
        return AssignmentDone(load(core, db, batch.id), results)


def place_of(core: Core, number: str, year: int) -> Municipality:
    place = core.geography.get(number, structure_for(year))
    if place is None:
        raise errors.MunicipalityNotFound("not_found", query=number)
    return place


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
