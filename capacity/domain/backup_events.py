"""The events of scheduled backups: the alert a failed one raises (through the outbox,
once per scheduled time) and what the last one says of itself. Apart from `backups.py`
so that `events.py` can name them without importing the rules."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from capacity.domain.clock import iso
from capacity.domain.figures import Model


class BackupFailed(Model):
    """A scheduled backup failed: the coordination channel is told once (its key is the
    time it was due). The older backups are untouched; the next one is tried at its
    time. `problem` and `facts` are the refusal that says why (its code and facts)."""

    kind: Literal["backup_failed"] = "backup_failed"
    due: datetime
    at: datetime
    directory: str
    problem: str
    facts: dict[str, str | int | None] = {}
    following: datetime | None = None  # when the next backup is due

    @property
    def dedupe_key(self) -> str:
        return f"backup_failed:{iso(self.due)}"


class LastBackup(Model):
    """The newest scheduled backup that finished: when it was due and when it finished,
    where it went and how big it is, or why it failed (a refusal's code and facts)."""

    due: datetime
    at: datetime
    ok: bool
    path: str = ""
    size: int = 0
    seconds: float = 0.0
    problem: str = ""
    facts: dict[str, str | int | None] = {}
    directory: str = ""

    def age_seconds(self, now: datetime) -> float:
        return max(0.0, (now - self.at).total_seconds())
