"""Previews: what a Confirm button confirms, kept in the database under a key, so that
the button carries only the key (a plan for 356 municipalities, or 500 households, does
not fit in Slack's 2,000 characters of a button value). A preview expires after
`PREVIEW_TTL` unless it was applied; an applied one is kept for its Undo and so that a
repeated Confirm finds it applied, never reserving twice."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from capacity import errors
from capacity.domain.households import Unit
from capacity.models import Actor, Batch, Preview
from capacity.storage import batches as batches_db
from capacity.storage.store import Database
from capacity.usecases.core import Core, iso

PREVIEW_TTL = timedelta(hours=24)


def keep(
    core: Core,
    db: Database,
    kind: str,
    batch: Batch,
    lines: list[Any],
    actor: Actor,
    facts: dict[str, Any] | None = None,
) -> str:
    """Store a preview (inside the caller's write transaction); returns its key."""
    now = core.clock()
    batches_db.drop_previews(db, iso(now))
    key = uuid.uuid4().hex
    batches_db.add_preview(
        db, key, kind, batch.id, lines, facts or {}, actor.id, iso(now), iso(now + PREVIEW_TTL)
    )
    return key


def load(core: Core, db: Database, key: str, kind: str) -> Preview:
    """The preview of a key, or a refusal: unknown, of another kind, or expired before
    it was applied."""
    found = batches_db.preview(db, key)
    if found is None or found.kind != kind:
        raise errors.InvalidInput("preview_gone", field="preview")
    if found.applied_at is None and found.expires_at < core.clock():
        raise errors.InvalidInput("preview_gone", field="preview")
    return found


def line(number: str, persons: int, units: tuple[Unit, ...], room: int) -> dict[str, Any]:
    """One line of a preview as it is stored."""
    return {"n": number, "p": persons, "u": [list(unit) for unit in units], "r": room}


def units_of(stored: dict[str, Any]) -> tuple[Unit, ...]:
    return tuple(tuple(unit) for unit in stored["u"])
