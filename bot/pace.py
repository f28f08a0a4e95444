"""Calls to Slack within its rate limits, for the messages the bot sends by itself (the
outbox: alerts, direct messages of rounds; the round tracker).

Slack allows `chat.postMessage` about one message a second per channel (short bursts
tolerated) and several hundred a minute per workspace; `conversations.open` and
`chat.update` are Tier 3 (about 50 a minute). When Slack answers `ratelimited`, the
method is not called again until `Retry-After` has passed. `Pace.wait` is called before
each call: it sleeps until the call is allowed, or, when that is further away than
`max_wait`, raises `TemporaryFailure` with the wait, so that the outbox reschedules the
message instead of holding its lease. Shared by the threads that call Slack (a lock).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from capacity.usecases.notify import TemporaryFailure

PER_CHANNEL = 1.0  # seconds between two messages to one channel
MAX_CHANNELS = 10_000  # channels remembered; the oldest (long past) are forgotten first


class Pace:
    def __init__(
        self,
        rates: dict[str, float],
        *,
        per_channel: float = PER_CHANNEL,
        max_wait: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.intervals = {method: 1.0 / rate for method, rate in rates.items() if rate > 0}
        self.per_channel = per_channel
        self.max_wait = max_wait
        self.clock = clock
        self.sleep = sleep
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}  # method -> earliest next call
        self._paused: dict[str, float] = {}  # method -> no call before (Retry-After)
        self._channels: dict[str, float] = {}  # channel -> earliest next message
        self.waited = 0.0  # seconds slept in all (for the benchmark)

    def wait(self, method: str, channel: str | None = None) -> None:
        """Sleep until `method` (to `channel`) may be called, and reserve the slot."""
        with self._lock:
            now = self.clock()
            at = max(
                now,
                self._next.get(method, 0.0),
                self._paused.get(method, 0.0),
                self._channels.get(channel, 0.0) if channel else 0.0,
            )
            if at - now > self.max_wait:
                raise TemporaryFailure(f"paced: {method}", retry_after=at - now)
            if method in self.intervals:
                self._next[method] = at + self.intervals[method]
            if channel and method == "chat.postMessage":
                self._channels[channel] = at + self.per_channel
                if len(self._channels) > MAX_CHANNELS:
                    self._forget(now)
        if at > now:
            self.waited += at - now
            self.sleep(at - now)
        self._after_pause(method)

    def _after_pause(self, method: str) -> None:
        """A Retry-After that came while this call slept to its slot (another thread's
        call of the same method was refused meanwhile) holds it back too."""
        while True:
            with self._lock:
                now = self.clock()
                until = self._paused.get(method, 0.0)
            if until <= now:
                return
            if until - now > self.max_wait:
                raise TemporaryFailure(f"paced: {method}", retry_after=until - now)
            self.waited += until - now
            self.sleep(until - now)

    def limited(self, method: str, retry_after: float | None) -> None:
        """Slack said `ratelimited`: no call of `method` before Retry-After has passed."""
        with self._lock:
            until = self.clock() + (retry_after if retry_after is not None else 1.0)
            self._paused[method] = max(self._paused.get(method, 0.0), until)

    def _forget(self, now: float) -> None:
        for channel, at in list(self._channels.items()):
            if at <= now:
                del self._channels[channel]
