"""Planning a whole batch over its scope with the placement planner (`placement.plan`):
the plan as a preview, applied in one transaction (or not at all when the room changed
meanwhile), undone as a whole; and `allocate_auto`, plan and reserve at once.

A batch's year decides its rooms: the remaining room of every municipality of its scope
in that year. Its unassigned households are the units (linked ones together), and
persons without a known household are units of one. Scores, when imported
(`capacity scores import`), are the plan's third stage.

The solver never runs inside a write transaction: a plan is made from one read (the
batch, the rooms, the scores), solved with no lock held, and kept as a preview in a
short write that first reads the batch and the rooms again; when they changed
meanwhile, the plan is refused with the numbers (as a Confirm is) and nothing is kept.
Other writers (a report, an assignment) never wait for a solve.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from statistics import fmean

from capacity import errors
from capacity.domain import households
from capacity.domain.households import Unit
from capacity.domain.rules import batch_event, check_open, fit_events, low_capacity_events
from capacity.models import Actor, Batch, Kind, Room
from capacity.planner.plans import Plan
from capacity.reference.geography import structure_for
from capacity.storage import batches as batches_db
from capacity.storage import figures as figures_db
from capacity.storage import repository
from capacity.storage.store import Database
from capacity.usecases import previews, queries
from capacity.usecases.access import require_admin
from capacity.usecases.assignments import allocate, place_of, reserve
from capacity.usecases.batches import find, follow, load, release_rows, released
from capacity.usecases.core import Core, emit
from capacity.usecases.results import (
    AllocationResult,
    PlanApplied,
    PlanLine,
    PlanResult,
    PlanUndone,
    Stamp,
)

PLAN_SECONDS = 10.0
"""Solver time per stage; a plan stopped by it is still sound, and says it is unproven."""


def units_of(batch: Batch) -> list[Unit]:
    """What the planner places: the unassigned households, and persons without one."""
    return [*batch.unplaced_units, *[(1,)] * batch.singles_left]


def scores_for(core: Core, db: Database, rooms: list[Room], year: int):
    """(score per municipality with room, the scores' source), or (None, None) when no
    scores are imported for any of them. A municipality renumbered since is scored by
    its predecessor or successor; one without any score gets the mean of the others."""
    known, source = repository.scores(db)
    if not known:
        return None, None
    found: dict[str, float] = {}
    for room in rooms:
        place = core.geography.get(room.number, structure_for(year))
        numbers = core.geography.lineage_numbers(place) if place else (room.number,)
        values = [known[n] for n in (room.number, *numbers) if n in known]
        if values:
            found[room.number] = values[0]
    if not found:
        return None, None
    mean = fmean(found.values())
    return {room.number: found.get(room.number, mean) for room in rooms}, source


@dataclass(frozen=True)
class Inputs:
    """What a plan is made from, as one read saw it."""

    batch: Batch
    rooms: tuple[Room, ...]
    scores: Mapping[str, float] | None
    source: str | None


def inputs(core: Core, db: Database, batch: Batch) -> Inputs:
    rooms = queries.rooms(core, db, batch)
    scores, source = scores_for(core, db, rooms, batch.year)
    return Inputs(batch, tuple(rooms), scores, source)


def solve(core: Core, seen: Inputs, time_limit: float) -> Plan:
    """The planner over what was read; called outside any transaction."""
    rooms = {r.number: r.remaining for r in seen.rooms}
    return core.solver.plan(units_of(seen.batch), rooms, scores=seen.scores, time_limit=time_limit)


def check_still(core: Core, db: Database, seen: Inputs) -> Batch:
    """In the write that acts on a plan: the batch as it is now, when it is still open
    and its households and its scope's rooms are what the plan was made from; else the
    refusal with the numbers (the scores only order equally fair plans: a plan made
    with the scores it names stands)."""
    batch = load(core, db, seen.batch.id)
    check_open(batch)
    was = seen.batch
    if (batch.unplaced_units, batch.singles_left) != (was.unplaced_units, was.singles_left):
        raise errors.InvalidInput("plan_stale", field="plan", batch=batch.name)
    before = {r.number: r.remaining for r in seen.rooms}
    now = {r.number: r.remaining for r in queries.rooms(core, db, batch)}
    changes = [
        {
            "municipality": place_of(core, number, batch.year),
            "now": now.get(number, 0),
            "planned": before.get(number, 0),
        }
        for number in [*before, *(n for n in now if n not in before)]
        if now.get(number, 0) != before.get(number, 0)
    ]
    if changes:
        raise errors.InvalidInput("room_changed", field="plan", batch=batch.name, changes=changes)
    return batch


def _lines(core: Core, batch: Batch, result: Plan) -> tuple[PlanLine, ...]:
    """The planner's lines as plan lines: households (none for persons without one)."""
    lines = []
    for line in sorted(result.lines, key=lambda ln: (-ln.persons, ln.number)):
        units = tuple(line.units) if batch.units else ()
        place = place_of(core, line.number, batch.year)
        lines.append(PlanLine(place, units, line.persons, line.room))
    return tuple(lines)


def plan_batch(
    core: Core,
    batch_ref: str | int,
    actor: Actor,
    *,
    year: int | None = None,
    time_limit: float = PLAN_SECONDS,
    keep: bool = True,
) -> PlanResult:
    """The fairest plan for a batch's unassigned persons: the most persons placed, then
    the lowest highest share of room used, then (with scores) the best score; kept as a
    preview to confirm (unless `keep` is False) when it places anyone."""
    require_admin(core, actor, "distribute_batches")
    with core.store.read() as db:
        batch = find(core, db, batch_ref, year)
        check_open(batch)
        if batch.unallocated <= 0:
            raise errors.InvalidInput("nothing_to_plan", field="batch", batch=batch.name)
        seen = inputs(core, db, batch)
    result = solve(core, seen, time_limit)  # no transaction: no writer waits for it
    lines = _lines(core, batch, result)
    given = {line.municipality.number for line in lines}
    idle = tuple(room for room in seen.rooms if room.number not in given and room.remaining > 0)
    smallest = min((sum(unit) for unit in units_of(batch)), default=0)
    key = None
    if keep and lines:
        with core.store.write() as db:
            check_still(core, db, seen)
            stored = [
                previews.line(ln.municipality.number, ln.persons, ln.units, ln.room) for ln in lines
            ]
            facts = {"idle": [[room.number, room.remaining] for room in idle], "smallest": smallest}
            key = previews.keep(core, db, "plan", batch, stored, actor, facts)
    return PlanResult(
        batch=batch,
        key=key,
        lines=lines,
        persons=batch.unallocated,
        placed=result.placed,
        room=sum(r.remaining for r in seen.rooms),
        municipalities=len(seen.rooms),
        max_share=result.max_share,
        optimal=result.optimal,
        missing=result.missing,
        left=tuple(u for u in result.unplaced if batch.units),
        scores=seen.source,
        idle=idle,
        smallest=smallest,
    )


def apply_plan(core: Core, key: str, actor: Actor) -> PlanApplied:
    """Reserve every line of a plan in one transaction; or nothing, refused with the
    numbers, when the room of a municipality in it changed since the plan was made or
    its households were assigned meanwhile. Applying it again reserves nothing more."""
    require_admin(core, actor, "distribute_batches")
    with core.store.write() as db:
        preview = previews.load(core, db, key, "plan")
        batch = load(core, db, preview.batch_id)
        lines = tuple(
            PlanLine(place_of(core, s["n"], batch.year), previews.units_of(s), s["p"], s["r"])
            for s in preview.lines
        )
        if preview.applied_at is not None:
            placed = tuple(
                PlanLine(ln.municipality, ln.units, ln.persons, ln.room, allocation_id)
                for ln, allocation_id in zip(lines, preview.allocations, strict=False)
            )
            confirmed = Stamp(preview.applied_at, preview.applied_by or "")
            undone = tuple(released(db, allocation_id) for allocation_id in preview.allocations)
            return PlanApplied(
                batch, key, placed, duplicate=True, confirmed=confirmed, undone=undone
            )
        check_open(batch)
        _check_unchanged(db, batch, lines)
        now, placed, events = core.now(), [], []
        for i, line in enumerate(lines):
            allocation = reserve(
                core,
                db,
                batch,
                line.municipality,
                line.persons,
                line.units,
                actor,
                f"{key}/{i}",
                reason=f"plan {key}",
            )
            placed.append(
                PlanLine(line.municipality, line.units, line.persons, line.room, allocation.id)
            )
            after = figures_db.line(db, line.municipality, batch.year)
            events += low_capacity_events(after, actor, core.low_ratio)
        batches_db.mark_applied(db, key, now, actor.id, [ln.allocation_id for ln in placed])
        batch = follow(core, db, load(core, db, batch.id), actor)
        alerted = emit(core, db, events)
    return PlanApplied(batch, key, tuple(placed), events=tuple(events), alerted=alerted)


def _check_unchanged(db: Database, batch: Batch, lines: tuple[PlanLine, ...]) -> None:
    """The plan stands only on the room and the households it was made with."""
    changes = []
    for line in lines:
        now = figures_db.line(db, line.municipality, batch.year).remaining
        if now != line.room:
            changes.append(
                {"municipality": line.municipality, "now": now or 0, "planned": line.room}
            )
    if changes:
        raise errors.InvalidInput("room_changed", field="plan", batch=batch.name, changes=changes)
    planned = [unit for line in lines for unit in line.units]
    singles = sum(line.persons for line in lines if not line.units)
    try:
        households.take(planned, batch.unplaced_units)
    except errors.InvalidInput:
        raise errors.InvalidInput("plan_stale", field="plan", batch=batch.name) from None
    if singles > batch.singles_left:
        raise errors.InvalidInput("plan_stale", field="plan", batch=batch.name)


def undo_plan(core: Core, key: str, actor: Actor) -> PlanUndone:
    """Release every assignment a plan made that is still active, in one transaction."""
    require_admin(core, actor, "undo_assignments")
    with core.store.write() as db:
        preview = previews.load(core, db, key, "plan")
        if preview.applied_at is None:
            raise errors.InvalidInput("plan_not_applied", field="plan")
        batch = load(core, db, preview.batch_id)
        check_open(batch, "assignments_final")
        active = []
        for allocation_id in preview.allocations:
            found = batches_db.allocation_place(db, allocation_id)
            if found is not None and found[4]:
                active.append((allocation_id, found[3]))
        release_rows(core, db, [a for a, _ in active], actor, f"plan {key} undone")
        batch = follow(core, db, load(core, db, batch.id), actor)
    return PlanUndone(batch, len(active), sum(persons for _, persons in active))


AUTO_TRIES = 3
"""Plans `allocate_auto` makes before it gives up on a scope whose room keeps changing."""
STALE = ("room_changed", "plan_stale")


def allocate_auto(core: Core, batch_ref: str | int, actor: Actor) -> list[AllocationResult]:
    """Spread a batch's unassigned persons over its scope with the planner, households
    whole. All or nothing: when the batch does not fit, nothing is reserved and what is
    missing is raised as an event. The plan is solved outside the write; when the room
    or the batch changed meanwhile, it is made again from what is there now (at most
    `AUTO_TRIES` times, then refused with the numbers)."""
    require_admin(core, actor, "distribute_batches")
    for _ in range(AUTO_TRIES - 1):
        try:
            return _allocate_auto(core, batch_ref, actor)
        except errors.InvalidInput as error:
            if error.code not in STALE:
                raise
    return _allocate_auto(core, batch_ref, actor)


def _allocate_auto(core: Core, batch_ref: str | int, actor: Actor) -> list[AllocationResult]:
    with core.store.read() as db:
        batch = find(core, db, batch_ref)
        seen = inputs(core, db, batch)
        remaining = queries.room_and_remaining(core, db, batch)[1]  # the scope's total left
    title = queries.scope_title(core, batch.scope)
    rooms = list(seen.rooms)
    fits = not fit_events(batch, rooms, actor, title, remaining)
    result = solve(core, seen, PLAN_SECONDS) if fits else None
    with core.store.write() as db:
        batch = check_still(core, db, seen)
        if result is None:
            emit(core, db, fit_events(batch, rooms, actor, title, remaining))
            return []
        if result.missing is not None:  # each fits, but not all at once
            total = sum(r.remaining for r in rooms)
            kind = Kind.HOUSEHOLDS_DO_NOT_FIT
            emit(
                core, db, [batch_event(kind, batch, rooms, actor, batch.unallocated, total, title)]
            )
            return []
        return [
            allocate(
                core,
                batch.id,
                line.municipality.number,
                line.persons,
                actor,
                households=line.units,
                year=batch.year,
            )
            for line in _lines(core, batch, result)
        ]
