"""What every use case works with: the store, the clock, the reference data, the
settings of the rules, and the hook that tells an adapter an alert was queued.

One `Core` per process, safe to share across threads; the use-case modules
(`queries`, `figures`, `batches`, `assignments`, `access`) are functions over it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from capacity.domain.rules import DEFAULT_LOW_RATIO
from capacity.reference.geography import Geography
from capacity.storage import repository
from capacity.storage.store import Store

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """Timestamps are stored as UTC ISO-8601 text, which sorts in time order."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


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
