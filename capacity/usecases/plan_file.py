"""A plan as it was shown, read back by its preview's key: every line, and the
municipalities with room it gave no one, for the whole plan as a file (a message
shows the first rows). A read: nothing changes."""

from __future__ import annotations

from dataclasses import dataclass

from capacity.models import Batch, Room
from capacity.usecases import previews
from capacity.usecases.assignments import place_of
from capacity.usecases.batches import load
from capacity.usecases.core import Core
from capacity.usecases.results import PlanLine


@dataclass(frozen=True)
class PlanFile:
    batch: Batch
    lines: tuple[PlanLine, ...]
    idle: tuple[Room, ...]  # with room, given no one
    smallest: int  # persons in the smallest household the plan had to place
    applied: bool


def plan_file(core: Core, key: str) -> PlanFile:
    """The plan kept under `key` (refused as gone when it expired unconfirmed)."""
    with core.store.read() as db:
        preview = previews.load(core, db, key, "plan")
        batch = load(core, db, preview.batch_id)
    lines = tuple(
        PlanLine(
            place_of(core, stored["n"], batch.year),
            previews.units_of(stored),
            stored["p"],
            stored["r"],
        )  # fmt: skip
        for stored in preview.lines
    )
    idle = tuple(
        Room(number=number, name=place_of(core, number, batch.year).name_no, remaining=room)
        for number, room in preview.facts.get("idle", [])
    )
    smallest = int(preview.facts.get("smallest", 0))
    return PlanFile(batch, lines, idle, smallest, preview.applied_at is not None)
