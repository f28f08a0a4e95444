"""Relocation batches: register one against its scope's remaining capacity, find them,
and move them through their life (arrived, settled, cancelled)."""

from __future__ import annotations

from typing import Any

from capacity import errors
from capacity.domain.households import Households, as_units, linked, text
from capacity.domain.rules import (
    MAX_BATCH_PERSONS,
    MAX_NAME_LENGTH,
    check_batch_households,
    check_count,
    check_text,
    check_transition,
    check_year,
    fit_events,
    follow_allocation,
    parse_status,
)
from capacity.models import Actor, Batch, BatchStatus
from capacity.reference.geography import structure_for
from capacity.storage import batches as batches_db
from capacity.storage import repository
from capacity.storage.store import Database
from capacity.usecases import previews, queries
from capacity.usecases.access import require_admin
from capacity.usecases.core import Core, emit
from capacity.usecases.results import BatchPage, BatchResult, CancelPreview, Stamp


def name_of(core: Core):
    """(number, year) → the municipality's name in that year's structure."""

    def name(number: str, year: int) -> str:
        place = core.geography.get(number, structure_for(year))
        return place.name_no if place else number

    return name


def state(batch: Batch) -> dict[str, Any]:
    """A batch as its history records keep it."""
    found = {
        "name": batch.name,
        "year": batch.year,
        "persons": batch.persons,
        "households": list(batch.households),
        "scope": batch.scope,
        "status": batch.status.value,
    }
    if linked(batch.units):
        found["linked"] = text(batch.units)
    return found


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
    households: Households = (),
    scope: str | None = None,
) -> BatchResult:
    """Register a relocation batch and check it against its scope's remaining room.

    A batch that does not fit is still registered (it is a plan to be worked out),
    and the shortfall is raised as an event for the coordination channel. Linked
    households (`(5, (4, 3))`, written 5,4+3) are kept together in every assignment."""
    name = check_text(name, "batch_name", maximum=MAX_NAME_LENGTH)
    check_count(persons, "persons", minimum=1, maximum=MAX_BATCH_PERSONS)
    year = check_year(year if year is not None else queries.default_year(core))
    units = as_units(households)
    check_batch_households(units, persons)
    scope_key, title, _ = queries.scope(core, scope)
    require_admin(core, actor, "register_batches")
    with core.store.write() as db:
        if batches_db.batch_exists(db, name, year):
            raise errors.BatchExists("batch_exists", name=name, year=year)
        now = core.now()
        batch_id = batches_db.add_batch(db, now, name, year, persons, units, scope_key, actor.id)
        batch = load(core, db, batch_id)
        repository.record(db, now, actor, "batch", f"batch/{batch_id}", None, state(batch))
        rooms, remaining = queries.room_and_remaining(core, db, batch)
        events = fit_events(batch, rooms, actor, title, remaining)
        alerted = emit(core, db, events)
    return BatchResult(batch, tuple(events), alerted, room=remaining)


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


def released(db: Database, allocation_id: int) -> Stamp | None:
    """When an assignment was released and by whom (its history's last record, written
    by `release_rows`); None while it is active."""
    found = batches_db.allocation_place(db, allocation_id)
    if found is None or found[4]:
        return None
    _, number, year, _, _ = found
    change = repository.latest_change(
        db, "allocation", f"{number}/{year}/allocation/{allocation_id}"
    )
    if change is None:  # every release writes one; a database edited by hand may not
        return Stamp(at=batches_db.released_at(db, allocation_id), by="", by_name="")
    return Stamp(at=change.at, by=change.actor, by_name=change.actor_name)


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


# -- pages ---------------------------------------------------------------------------------

PAGE_SIZE = 10


def _pages(total: int, page: int, size: int) -> tuple[int, int]:
    pages = max(1, -(-total // size))
    return min(max(1, page), pages), pages


def batch_page(core: Core, ref: str | int, page: int = 1, *, size: int = PAGE_SIZE) -> BatchPage:
    """A batch with one page of its assignments (active first); the counts come from
    aggregates, so a page costs the same however many assignments the batch has."""
    db = core.store.db
    found = find(core, db, ref)
    total, active, places = batches_db.allocation_counts(db, found.id)
    page, pages = _pages(total, page, size)
    rows = batches_db.allocations_page(db, found.id, name_of(core), (page - 1) * size, size)
    return BatchPage(found, rows, (), page, pages, total, active, places)


def batches_page(
    core: Core, year: int | None = None, page: int = 1, *, size: int = PAGE_SIZE
) -> BatchPage:
    """One page of the batches, newest first, each with its totals (no assignment rows)."""
    db = core.store.db
    total = batches_db.count_batches(db, year)
    page, pages = _pages(total, page, size)
    ids = batches_db.batch_ids_page(db, year, (page - 1) * size, size)
    return BatchPage(None, (), tuple(load(core, db, i) for i in ids), page, pages, total)


# -- cancelling, confirmed ---------------------------------------------------------------


def preview_cancel(core: Core, ref: str | int, actor: Actor, *, reason: str = "") -> CancelPreview:
    """What cancelling a batch would release, kept as a preview to confirm."""
    require_admin(core, actor, "mark_batches")
    reason = check_text(reason, "reason", required=False)
    with core.store.write() as db:
        found = find(core, db, ref)
        check_transition(found, BatchStatus.CANCELLED)
        _, active, places = batches_db.allocation_counts(db, found.id)
        key = previews.keep(core, db, "cancel", found, [], actor, {"reason": reason})
    return CancelPreview(found, key, found.allocated, active, places)


def confirm_cancel(core: Core, key: str, actor: Actor) -> tuple[Batch, bool]:
    """Cancel a batch as previewed: (the batch, whether it was cancelled just now)."""
    with core.store.write() as db:
        preview = previews.load(core, db, key, "cancel")
        if preview.applied_at is not None:
            return load(core, db, preview.batch_id, allocations=False), False
        reason = preview.facts.get("reason", "")
        batch = set_status(core, preview.batch_id, BatchStatus.CANCELLED, actor, reason=reason)
        batches_db.mark_applied(db, key, core.now(), actor.id, [])
    return batch, True
