"""Relocation batches: register one against its scope's remaining capacity, find them,
and move them through their life (arrived, settled, cancelled)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlite_utils import Database

from capacity import batch_repository as batches_db
from capacity import errors, queries, repository
from capacity.access import require_admin
from capacity.core import Core
from capacity.geography import structure_for
from capacity.models import Actor, Batch, BatchStatus
from capacity.outbox import emit
from capacity.results import BatchResult
from capacity.rules import (
    MAX_BATCH_PERSONS,
    MAX_NAME_LENGTH,
    check_batch_households,
    check_count,
    check_households,
    check_text,
    check_transition,
    check_year,
    fit_events,
    follow_allocation,
    parse_status,
)


def name_of(core: Core):
    """(number, year) → the municipality's name in that year's structure."""

    def name(number: str, year: int) -> str:
        place = core.geography.get(number, structure_for(year))
        return place.name_no if place else number

    return name


def state(batch: Batch) -> dict[str, Any]:
    """A batch as its history records keep it."""
    return {
        "name": batch.name,
        "year": batch.year,
        "persons": batch.persons,
        "households": list(batch.households),
        "scope": batch.scope,
        "status": batch.status.value,
    }


def load(core: Core, db: Database, batch_id: int, *, allocations: bool = False) -> Batch:
    return batches_db.batch(db, batch_id, name_of(core), allocations=allocations)


def find(
    core: Core, db: Database, ref: str | int, year: int | None = None, *, allocations: bool = False
) -> Batch:
    batch_id = batches_db.find_batch_id(db, ref, year)
    if batch_id is None:
        raise errors.BatchNotFound("batch_not_found", name=str(ref))
    return load(core, db, batch_id, allocations=allocations)


def create_batch(
    core: Core,
    name: str,
    persons: int,
    actor: Actor,
    *,
    year: int | None = None,
    households: Sequence[int] = (),
    scope: str | None = None,
) -> BatchResult:
    """Register a relocation batch and check it against its scope's remaining room.

    A batch that does not fit is still registered (it is a plan to be worked out),
    and the shortfall is raised as an event for the coordination channel."""
    name = check_text(name, "batch_name", maximum=MAX_NAME_LENGTH)
    check_count(persons, "persons", minimum=1, maximum=MAX_BATCH_PERSONS)
    year = check_year(year if year is not None else queries.default_year(core))
    sizes = check_households(households)
    check_batch_households(sizes, persons)
    scope_key, title, _ = queries.scope(core, scope)
    require_admin(core, actor, "register_batches")
    with core.store.write() as db:
        if batches_db.batch_exists(db, name, year):
            raise errors.BatchExists("batch_exists", name=name, year=year)
        now = core.now()
        batch_id = batches_db.add_batch(db, now, name, year, persons, sizes, scope_key, actor.id)
        batch = load(core, db, batch_id)
        repository.record(db, now, actor, "batch", f"batch/{batch_id}", None, state(batch))
        room = queries.rooms(core, db, batch)
        events = fit_events(batch, room, actor, title)
        alerted = emit(core, db, events)
    return BatchResult(batch, tuple(events), alerted, room=sum(r.remaining for r in room))


def batch(core: Core, ref: str | int, year: int | None = None) -> Batch:
    """A batch by id or name (the newest year with that name unless `year`)."""
    return find(core, core.store.db, ref, year, allocations=True)


def batches(core: Core, year: int | None = None, *, include_cancelled: bool = True) -> list[Batch]:
    db = core.store.db
    ids = batches_db.batch_ids(db, year, include_cancelled=include_cancelled)
    return [load(core, db, batch_id, allocations=True) for batch_id in ids]


def record_status(
    core: Core, db: Database, batch: Batch, target: BatchStatus, actor: Actor, reason: str = ""
) -> Batch:
    batches_db.set_status(db, batch.id, target)
    repository.record(
        db,
        core.now(),
        actor,
        "batch",
        f"batch/{batch.id}",
        {"status": batch.status.value},
        {"status": target.value},
        reason=reason,
    )
    return batch.model_copy(update={"status": target})


def follow(core: Core, db: Database, batch: Batch, actor: Actor) -> Batch:
    """planned ⇄ allocated, recorded, as the batch's assignments change."""
    target = follow_allocation(batch)
    if target is batch.status:
        return batch
    return record_status(core, db, batch, target, actor)


def release_rows(core: Core, db: Database, ids: list[int], actor: Actor, reason: str) -> None:
    now = core.now()
    for allocation_id in ids:
        batch_id, number, year, persons, _ = batches_db.allocation_place(db, allocation_id)  # type: ignore[misc]
        batches_db.release(db, allocation_id, now)
        before = {"batch_id": batch_id, "persons": persons, "active": True}
        repository.record(
            db,
            now,
            actor,
            "allocation",
            f"{number}/{year}/allocation/{allocation_id}",
            before,
            {**before, "active": False},
            reason=reason,
        )


def set_status(
    core: Core, ref: str | int, status: BatchStatus | str, actor: Actor, *, reason: str = ""
) -> Batch:
    """Move a batch through its life: arrived, settled, or cancelled.

    Cancelling releases every reservation. Settling keeps them: the places are then
    used by a settled batch ("bosatt via grupper"); IMDi's published figures are never
    changed by our own work."""
    status = parse_status(status)
    require_admin(core, actor, "mark_batches")
    reason = check_text(reason, "reason", required=False)
    with core.store.write() as db:
        found = find(core, db, ref)
        check_transition(found, status)
        if status is BatchStatus.CANCELLED:
            ids = batches_db.active_ids(db, found.id)
            release_rows(core, db, ids, actor, reason or f"batch '{found.name}' cancelled")
        record_status(core, db, found, status, actor, reason)
        return load(core, db, found.id, allocations=True)
