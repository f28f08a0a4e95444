"""Releasing an assignment safely, as a plan is applied: first what it would release
(how many persons, which households, where the places go back to), kept as a preview
for one Confirm; then the release, with an Undo that reserves the same households in
the same municipality again, when the room and the households are still there.

The keys make each step idempotent: confirming twice releases once, undoing twice
reserves once (the Undo's reservation carries the preview's key)."""

from __future__ import annotations

from dataclasses import dataclass

from capacity import errors
from capacity.domain.rules import check_open
from capacity.models import Actor, Allocation, Batch, Municipality
from capacity.reference.geography import structure_for
from capacity.storage import batches as batches_db
from capacity.storage import figures as figures_db
from capacity.storage.store import Database
from capacity.usecases import previews
from capacity.usecases.access import can_edit, require_admin
from capacity.usecases.assignments import allocate, place_of
from capacity.usecases.batches import follow, load, name_of, release_rows, released
from capacity.usecases.core import Core
from capacity.usecases.results import AllocationResult, Stamp


@dataclass(frozen=True)
class ReleasePreview:
    """What releasing an assignment would do; `key` confirms it. An assignment released
    already has no key, and says when and by whom (`released`)."""

    batch: Batch
    allocation: Allocation
    place: Municipality
    key: str | None
    room_after: int  # the municipality's room once the places are back
    released: Stamp | None = None


@dataclass(frozen=True)
class ReleaseDone:
    """A release confirmed: the batch and the municipality's room as they are now. A
    Confirm of a release done before (`duplicate`) says when and by whom (`released`)."""

    batch: Batch
    allocation: Allocation
    place: Municipality
    key: str
    remaining: int
    duplicate: bool = False
    released: Stamp | None = None


def _allowed(core: Core, actor: Actor, place: Municipality | None) -> None:
    """An assignment is released by an editor of its municipality, or an admin."""
    if place is None or not can_edit(core, actor, place):
        require_admin(core, actor, "undo_assignments")


def _found(core: Core, db: Database, allocation_id: int) -> tuple[Allocation, Batch, Municipality]:
    found = batches_db.allocation(db, allocation_id, name_of(core))
    if found is None:
        raise errors.InvalidInput("no_assignment", field="allocation", id=allocation_id)
    batch = load(core, db, found.batch_id)
    place = core.geography.get(found.number, structure_for(batch.year))
    if place is None:
        raise errors.MunicipalityNotFound("not_found", query=found.number)
    return found, batch, place


def _room(db: Database, place: Municipality, year: int) -> int:
    return figures_db.line(db, place, year).remaining or 0


def preview_release(core: Core, allocation_id: int, actor: Actor) -> ReleasePreview:
    """What releasing an assignment would release, kept for one Confirm."""
    with core.store.write() as db:
        allocation, batch, place = _found(core, db, allocation_id)
        _allowed(core, actor, place)
        check_open(batch, "assignments_final")
        room = _room(db, place, batch.year)
        if not allocation.active:
            stamp = released(db, allocation.id)
            return ReleasePreview(batch, allocation, place, None, room, stamp)
        line = previews.line(place.number, allocation.persons, allocation.units, room)
        key = previews.keep(core, db, "release", batch, [{**line, "a": allocation.id}], actor)
    return ReleasePreview(batch, allocation, place, key, room + allocation.persons)


def confirm_release(core: Core, key: str, actor: Actor) -> ReleaseDone:
    """Release a previewed assignment, once: a second Confirm changes nothing and says
    when it was released; an assignment released meanwhile (by a plan's Undo, another
    click) is not released again, and says by whom."""
    with core.store.write() as db:
        preview = previews.load(core, db, key, "release")
        allocation, batch, place = _found(core, db, preview.lines[0]["a"])
        _allowed(core, actor, place)
        if preview.applied_at is not None or not allocation.active:
            stamp = released(db, allocation.id)
            batch = load(core, db, batch.id)
            room = _room(db, place, batch.year)
            return ReleaseDone(batch, allocation, place, key, room, True, stamp)
        check_open(batch, "assignments_final")
        release_rows(core, db, [allocation.id], actor, "released in Slack")
        follow(core, db, load(core, db, batch.id), actor)
        batches_db.mark_applied(db, key, core.now(), actor.id, [allocation.id])
        batch = load(core, db, batch.id)
        return ReleaseDone(batch, allocation, place, key, _room(db, place, batch.year))


def undo_release(core: Core, key: str, actor: Actor) -> AllocationResult:
    """The released households reserved again where they were (checked like any
    assignment: the room, the batch open, the households not placed since); refused
    with the numbers when they no longer fit. Undoing twice reserves once."""
    with core.store.write() as db:
        preview = previews.load(core, db, key, "release")
        if preview.applied_at is None:
            raise errors.InvalidInput("release_not_applied", field="preview")
        stored = preview.lines[0]
        batch = load(core, db, preview.batch_id)
        place = place_of(core, stored["n"], batch.year)
        return allocate(
            core,
            batch.id,
            place.number,
            stored["p"],
            actor,
            households=previews.units_of(stored),
            request_key=f"{key}/undo",
            year=batch.year,
        )
