"""What every use case works with: the store, the clock, the reference data, the
settings of the rules, and the hook that tells an adapter an alert was queued.

One `Core` per process, safe to share across threads; the use-case modules
(`queries`, `figures`, `batches`, `assignments`, `access`) are functions over it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from capacity.domain.clock import Clock, iso, utc_now
from capacity.domain.rules import DEFAULT_LOW_RATIO
from capacity.reference.geography import Geography
from capacity.storage import outbox, repository
from capacity.storage.outbox import Event
from capacity.storage.store import Database, Store

__all__ = ["Clock", "Core", "emit", "iso", "utc_now"]


class Core:
    def __init__(
        self, store: Store, *, clock: Clock = utc_now, low_ratio: float = DEFAULT_LOW_RATIO
    ) -> None:
        self.store = store
        self.clock = clock
        self.low_ratio = low_ratio
        self.on_alert_queued: Callable[[], None] | None = None  # set by an adapter
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
