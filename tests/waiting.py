"""Waiting on a condition with a deadline, never for a fixed time: for what a bot process
does after its answer (a row written, a request seen, the outbox delivered)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def wait_until(
    check: Callable[[], T], what: str, timeout: float = 20.0, interval: float = 0.02
) -> T:
    """`check()`'s first truthy value, asked every `interval` s; an AssertionError naming
    `what` when `timeout` s pass without one."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def outbox(db: Path) -> list[tuple[str, str, int]]:
    """The outbox's rows as (kind, status, attempts), oldest first, read as another
    process would (what the bot process queued and what its worker made of each)."""
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as conn:
        return conn.execute("SELECT kind, status, attempts FROM outbox ORDER BY id").fetchall()


def outbox_delivered(db: Path) -> bool:
    """Nothing in the outbox is left to deliver: every row is sent, or failed for good.
    Deliveries happen only while a row is pending, so from then on nothing more of it
    reaches Slack; what a worker queues later is a new pending row."""
    return all(status != "pending" for _, status, _ in outbox(db))


def wait_delivered(db: Path, timeout: float = 20.0) -> None:
    wait_until(lambda: outbox_delivered(db), "the outbox to be delivered", timeout)
