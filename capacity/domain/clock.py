"""Time as the core keeps it: a clock that can be replaced in tests, and the one text
form of a moment that is stored (UTC ISO-8601, which sorts in time order)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """Timestamps are stored as UTC ISO-8601 text, which sorts in time order."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")
