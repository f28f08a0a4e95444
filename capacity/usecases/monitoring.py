"""The figures an operator watches that live in the database, read in one snapshot for
a metrics scrape (`GET /metrics`): the outbox's backlog and the last backup."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from capacity.storage import monitoring as monitoring_db
from capacity.usecases.core import Core


@dataclass(frozen=True)
class Backlog:
    """Unsent messages of one status in the outbox."""

    count: int
    oldest_seconds: float | None  # how long the oldest has waited; None when there are none


@dataclass(frozen=True)
class LastBackup:
    """The newest backup the bot knows of: when it was taken and whether it passed its
    check."""

    at: datetime
    ok: bool
    age_seconds: float


@dataclass(frozen=True)
class Monitoring:
    outbox: dict[str, Backlog]  # by status: pending, failed
    last_backup: LastBackup | None  # None: no backup recorded (`storage.monitoring.newest_backup`)


def monitoring(core: Core) -> Monitoring:
    now = core.clock()
    with core.store.read() as db:
        backlog = monitoring_db.outbox_backlog(db)
        backup = monitoring_db.newest_backup(db)
    return Monitoring(
        outbox={
            status: Backlog(count, _age(now, oldest)) for status, (count, oldest) in backlog.items()
        },
        last_backup=None if backup is None else _backup(now, *backup),
    )


def _backup(now: datetime, at: str, ok: bool) -> LastBackup:
    moment = _moment(at)
    return LastBackup(moment, ok, max(0.0, (now - moment).total_seconds()))


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _age(now: datetime, oldest: str | None) -> float | None:
    if oldest is None:
        return None
    return max(0.0, (now - _moment(oldest)).total_seconds())
