"""A clock that can be moved: for rehearsing a round's schedule (and for the end-to-end
tests, which drive a bot process's time). With CAPACITY_CLOCK_FILE set, the bot's "now"
is the moment written in that file (ISO 8601, with its time zone), running on from when
the file was last written as the wall clock does; writing a later moment moves the
bot's time forward at once. Without the file (or while it holds no moment), real time.
Rate limits and leases always use the real wall clock.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path


class FileClock:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._seen: int | None = None
        self._offset = timedelta()

    def __call__(self) -> datetime:
        try:
            written = os.stat(self.path).st_mtime_ns
        except OSError:
            return datetime.now(UTC)
        if written != self._seen:
            try:
                moment = datetime.fromisoformat(self.path.read_text().strip())
            except (OSError, ValueError):
                return datetime.now(UTC) + self._offset
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            self._offset = moment - datetime.fromtimestamp(written / 1e9, UTC)
            self._seen = written
        return datetime.now(UTC) + self._offset


def set_clock(path: str | Path, moment: datetime) -> None:
    """Move a FileClock's time to `moment` (written whole, then renamed into place)."""
    path = Path(path)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(moment.isoformat())
    os.replace(temporary, path)
