"""What every use case works with: the store, the clock, the reference data, the
settings of the rules, and the hook that tells an adapter an alert was queued.

One `Core` per process, safe to share across threads; the use-case modules
(`queries`, `figures`, `batches`, `assignments`, `access`) are functions over it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from capacity.domain.clock import Clock, iso, utc_now
from capacity.domain.rules import DEFAULT_LOW_RATIO
from capacity.reference.geography import Geography
from capacity.storage import outbox, repository
from capacity.storage.outbox import Event
from capacity.storage.store import Database, Store

if TYPE_CHECKING:
    from capacity.planner.plans import Choice, Plan

__all__ = ["Clock", "Core", "Solved", "Solver", "emit", "iso", "utc_now"]


Solved = Callable[[str, float], None]
"""Told of each solve: which (`plan`, `choose`) and how many seconds it took."""


class Solver:
    """The placement planner's solves (`capacity.planner.placement`, HiGHS): a port, so
    that a test can hold a solve. The planner is imported with HiGHS and numpy when the
    first solve is made: a question never needs them (they add ~0.3 s and ~50 MiB to a
    start).

    Each solve is timed here, and the time handed to `on_solved` when an adapter set it
    (the bot's metrics): the core itself keeps no metrics."""

    on_solved: Solved | None = None  # set on the instance by an adapter

    def _solved(self, which: str, began: float) -> None:
        if self.on_solved is not None:
            self.on_solved(which, time.perf_counter() - began)

    def plan(
        self,
        units: Sequence[Sequence[int]],
        rooms: Mapping[str, int],
        *,
        scores: Mapping[str, float] | None = None,
        time_limit: float = 10.0,
    ) -> Plan:
        from capacity.planner import placement

        began = time.perf_counter()
        try:
            return placement.plan(units, rooms, scores=scores, time_limit=time_limit)
        finally:  # a solve that found no plan took its time too
            self._solved("plan", began)

    def choose(
        self,
        units: Sequence[Sequence[int]],
        targets: Mapping[str, int],
        rooms: Mapping[str, int] | None = None,
        *,
        time_limit: float = 10.0,
    ) -> Choice:
        from capacity.planner import placement

        began = time.perf_counter()
        try:
            return placement.choose(units, targets, rooms, time_limit=time_limit)
        finally:
            self._solved("choose", began)


class Core:
    def __init__(
        self, store: Store, *, clock: Clock = utc_now, low_ratio: float = DEFAULT_LOW_RATIO
    ) -> None:
        self.store = store
        self.clock = clock
        self.low_ratio = low_ratio
        self.on_alert_queued: Callable[[], None] | None = None  # set by an adapter
        self.solver = Solver()
        self._geography: Geography | None = None

    def now(self) -> str:
        return iso(self.clock())

    @property
    def geography(self) -> Geography:
        if self._geography is None:
            self._geography = repository.load_geography(self.store.db)
        return self._geography

    def reload(self) -> None:
        self._geography = None


def emit(core: Core, db: Database, events: Sequence[Event]) -> bool:
    """Queue events in the caller's transaction (the outbox); an event whose condition
    was announced before (same key) is not queued again. The adapter's worker is woken
    once the change has committed, never before and never if it rolled back. True when
    the events are (or were) queued."""
    queued = outbox.queue(db, events, core.now())
    if queued and core.on_alert_queued is not None:
        core.store.after_commit(core.on_alert_queued)
    return queued or (bool(events) and outbox.announced(db, [e.dedupe_key for e in events]))
