"""Requests answered once: a copy of a request is answered with the first one's answer,
and never run again.

A request Slack signed can be captured and sent again within its 5-minute window, with
`X-Slack-Retry-Num` added (the header is not signed); Slack itself sends an Events API
delivery again, newly signed, when it did not hear the first answer in time; Socket
Mode delivers an envelope again (`retry_attempt`). Each would run its work a second
time: a report of 55 replayed after a report of 70 would set the figure back to 55. So
the first request's answer is kept under the request's keys (its signature, its
`event_id`; in Socket Mode a digest of its payload) for the window, and a copy gets
that answer: the work is done once, and what Slack shows is what the first one did.

Bounded in count and in bytes: at most `max_keys` keys (each kept WINDOW seconds; past
the maximum the oldest are forgotten first, and the log says so once), and at most
`max_bytes` of kept answers; past that only the fact that a request was done is kept,
and a copy of it gets an empty 200, never a second run. A copy that arrives while the
first is still being answered waits for that answer (at most WAIT seconds, well within
Slack's 3) and is never dispatched itself.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

log = logging.getLogger("bot.replays")

WINDOW = 300  # seconds: Slack's limit on a request's age, and how long answers are kept
MAX_KEYS = 20_000  # keys kept at most (66 requests a second for WINDOW seconds)
MAX_BYTES = 4 * 1024 * 1024  # kept answers' bodies at most; past it, only "it was done"
WAIT = 2.5  # seconds a copy waits for the first one's answer

Key = int | str


@dataclass(frozen=True, slots=True)
class Answer:
    """What a request was answered: an HTTP status, its content type and body (Socket
    Mode keeps its ack's payload as JSON, status 200)."""

    status: int
    body: bytes = b""
    content_type: str = "text/plain"


DONE = Answer(200)
"""A request that was done and whose answer was not kept (past the byte budget, or its
first run ended without one): its copies get an empty 200."""


class Entry:
    """One request's answer, under one or more keys; pending until the first is answered."""

    __slots__ = ("answer", "expiry", "refs", "size", "_ready")

    def __init__(self, expiry: float) -> None:
        self.answer: Answer | None = None
        self.expiry = expiry
        self.refs = 0  # keys that lead here
        self.size = 0  # bytes of `answer` counted against the budget
        self._ready: asyncio.Event | None = None  # made only when a copy waits

    def ready(self) -> asyncio.Event:
        if self._ready is None:
            self._ready = asyncio.Event()
            if self.answer is not None:
                self._ready.set()
        return self._ready


def signature_key(signature: str) -> Key:
    """128 bits of a verified `v0=` signature, as a number (not the 67-character text)."""
    try:
        return int(signature[3:35], 16)
    except ValueError:
        return signature[:67]


def event_key(event_id: object) -> Key | None:
    """The key of an Events API delivery (Slack's retries are signed anew, same id)."""
    if isinstance(event_id, str) and 0 < len(event_id) <= 100:
        return "event:" + event_id
    return None


def digest_key(raw: bytes) -> Key:
    """128 bits of a payload's digest (Socket Mode has no signature)."""
    return int.from_bytes(hashlib.blake2b(raw, digest_size=16).digest(), "big")


class Replays:
    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        *,
        max_keys: int = MAX_KEYS,
        max_bytes: int = MAX_BYTES,
        window: float = WINDOW,
    ) -> None:
        self.clock = clock
        self.max_keys = max_keys
        self.max_bytes = max_bytes
        self.window = window
        self.bytes = 0  # of the answers kept
        self._keys: OrderedDict[Key, Entry] = OrderedDict()  # oldest first
        self._warned = False

    def __len__(self) -> int:
        return len(self._keys)

    def find(self, keys: Sequence[Key]) -> tuple[int, Entry] | None:
        """(the index of the first of `keys` seen in the window, its entry), or None."""
        self._expire()
        for index, key in enumerate(keys):
            entry = self._keys.get(key)
            if entry is not None:
                return index, entry
        return None

    def claim(self, keys: Sequence[Key]) -> Entry:
        """A new request under `keys`, pending until `keep` gets its answer."""
        self._expire()
        entry = Entry(self.clock() + self.window)
        for key in keys:
            if key in self._keys:
                continue
            while len(self._keys) >= self.max_keys:
                self._forget_oldest()
                if not self._warned:
                    self._warned = True
                    log.warning(
                        "Over %d requests in %d s: the replay memory forgets the oldest",
                        self.max_keys,
                        self.window,
                    )
            self._keys[key] = entry
            entry.refs += 1
        return entry

    def keep(self, entry: Entry, answer: Answer | None) -> None:
        """The first request's answer (None: it ended without one): kept for its copies
        while the byte budget allows, else only that it was done."""
        if entry.answer is not None:
            return
        size = len(answer.body) if answer is not None else 0
        if answer is None or answer == DONE or (entry.refs and self.bytes + size > self.max_bytes):
            answer, size = DONE, 0  # one object for every empty answer (clicks, events)
        entry.answer = answer
        if entry.refs:  # still remembered: its bytes count
            entry.size = size
            self.bytes += size
        if entry._ready is not None:
            entry._ready.set()

    async def answer_of(self, entry: Entry, wait: float = WAIT) -> Answer:
        """The first request's answer, waiting for it while it is being answered."""
        if entry.answer is None:
            try:
                await asyncio.wait_for(entry.ready().wait(), wait)
            except TimeoutError:
                log.warning("A copy of a request still being answered after %.1f s", wait)
        return entry.answer or DONE

    def _expire(self) -> None:
        keys, now = self._keys, self.clock()
        while keys and next(iter(keys.values())).expiry < now:
            self._forget_oldest()

    def _forget_oldest(self) -> None:
        _, entry = self._keys.popitem(last=False)
        entry.refs -= 1
        if entry.refs == 0:
            self.bytes -= entry.size
            entry.size = 0
