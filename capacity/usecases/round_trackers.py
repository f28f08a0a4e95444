"""The tracker: one message per round in the coordination channel, kept current.

This side decides which trackers need writing and who may write them; the Slack adapter
(`bot.round_tracker`) renders and posts them. A tracker needs writing when what it shows
is not what the round is now (its version moves with every answer and the closing; the
deadline passing changes it too) or it has no message yet. One process writes each
tracker: a lease in the database, taken when free or run out, renewed with each write;
times for the lease and for Slack's rate limit are wall-clock seconds (the process's
own, never the rehearsal clock).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from capacity.storage import rounds as rounds_db
from capacity.usecases.core import Core


@dataclass(frozen=True)
class Tracker:
    round_id: int
    channel: str
    ts: str
    posts: int
    shown: str  # the state it shows
    wanted: str  # the state it should show
    written_at: float

    @property
    def current(self) -> bool:
        return bool(self.ts) and self.shown == self.wanted


def _wanted(row: dict[str, Any], now: str) -> str:
    past = int(row["status"] == "open" and now > row["deadline"])
    return f"{row['version']}:{row['status']}:{past}"


def due(core: Core, channel: str) -> list[Tracker]:
    """The trackers that need writing (an open round without one gets one, in this
    channel)."""
    db = core.store.db
    if rounds_db.open_without_tracker(db):
        with core.store.write() as db:
            for round_id in rounds_db.open_without_tracker(db):
                rounds_db.add_tracker(db, round_id, channel)
    now = core.now()
    found = [
        Tracker(
            round_id=row["round_id"],
            channel=row["channel"],
            ts=row["ts"],
            posts=row["posts"],
            shown=row["shown"],
            wanted=_wanted(row, now),
            written_at=row["written_at"],
        )
        for row in rounds_db.trackers(db)
    ]
    return [tracker for tracker in found if not tracker.current]


def take_lease(core: Core, round_id: int, owner: str, now: float, seconds: float) -> bool:
    with core.store.write() as db:
        return rounds_db.take_lease(db, round_id, owner, now, now + seconds)


def posting(core: Core, round_id: int, owner: str) -> int:
    """Count a post about to be made; more than one: an earlier one may be in Slack."""
    with core.store.write() as db:
        return rounds_db.tracker_posting(db, round_id, owner)


def written(core: Core, round_id: int, owner: str, ts: str, shown: str, at: float) -> bool:
    with core.store.write() as db:
        return rounds_db.tracker_written(db, round_id, owner, ts, shown, at)


def replaced(core: Core, round_id: int, owner: str) -> None:
    """Its message was deleted in Slack: the next write posts a new one."""
    with core.store.write() as db:
        rounds_db.tracker_replaced(db, round_id, owner)
