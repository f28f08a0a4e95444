"""Keeping Home tabs current: published when a user opens theirs, and again for the users
who opened it lately after a change that may alter what they see.

Changes come from the core's `on_change` port, on whichever thread wrote; they are
coalesced (`debounce` seconds: a plan that makes twenty assignments is one refresh) and
the refresh runs on the event loop, never in the way of an answer. Every publish takes a
token from a bucket sized for Slack's limit on `views.publish` (Tier 4: 100+ a minute
per workspace), so a burst of changes or of users never goes over it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

log = logging.getLogger("bot.home")

PER_MINUTE = 100  # Slack's Tier 4: "100+ per minute"
BURST = 20
DEBOUNCE = 2.0  # s: changes within this are one refresh
RECENT = 8 * 3600.0  # s: users who opened Home within this get refreshes (a working day)
SEEN = 5000
EPSILON = 1e-9
POLL = 5.0  # s between looks for changes made by other processes  # users remembered, the least recently seen go first


class TokenBucket:
    """`rate` tokens a second, up to `burst` at once."""

    def __init__(
        self,
        rate: float = PER_MINUTE / 60,
        burst: float = BURST,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self.tokens = float(burst)
        self.updated = clock()

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def take(self) -> bool:
        self._refill()
        if self.tokens >= 1 - EPSILON:  # a wait of (1 - tokens) / rate may fall a hair short
            self.tokens = max(0.0, self.tokens - 1)
            return True
        return False

    def wait(self) -> float:
        """Seconds until a token is there."""
        self._refill()
        return 0.0 if self.tokens >= 1 - EPSILON else (1 - self.tokens) / self.rate

    async def acquire(self) -> None:
        while not self.take():
            await asyncio.sleep(self.wait())


Publish = Callable[[str], Awaitable[None]]


class HomeRefresher:
    def __init__(
        self,
        publish: Publish,
        *,
        debounce: float = DEBOUNCE,
        recent: float = RECENT,
        bucket: TokenBucket | None = None,
        clock: Callable[[], float] = time.monotonic,
        size: int = SEEN,
        generation: Callable[[], int] | None = None,
        poll: float = POLL,
    ) -> None:
        self.publish = publish
        self.debounce, self.recent, self.size = debounce, recent, size
        self.bucket = bucket or TokenBucket(clock=clock)
        self.clock = clock
        self.seen: OrderedDict[str, float] = OrderedDict()  # user → when they last opened it
        self.loop: asyncio.AbstractEventLoop | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._running: asyncio.Task[None] | None = None
        self._again = False
        self._tasks: set[asyncio.Task[None]] = set()
        self.published = 0  # for tests and the log
        # Changes by other processes (the CLI) are not reported to `changed`: the data's
        # generation is polled while someone has looked lately (a cheap PRAGMA).
        self.generation, self.poll = generation, poll
        self._seen_generation: int | None = None
        self._watcher: asyncio.Task[None] | None = None

    # -- from listeners (on the loop) ------------------------------------------------

    def opened(self, user_id: str) -> asyncio.Task[None]:
        """The user opened their Home: remember them and publish it now."""
        self.loop = asyncio.get_running_loop()
        self.seen[user_id] = self.clock()
        self.seen.move_to_end(user_id)
        while len(self.seen) > self.size:
            self.seen.popitem(last=False)
        if self.generation is not None and (self._watcher is None or self._watcher.done()):
            self._watcher = asyncio.ensure_future(self._watch())
        return self._spawn(self._publish(user_id))

    async def _watch(self) -> None:
        """Refresh when another process changed the data; stop when nobody looked lately."""
        assert self.generation is not None
        self._seen_generation = self.generation()
        while self._recent():
            await asyncio.sleep(self.poll)
            try:
                now = self.generation()
            except Exception:  # the database is away for a moment: try again later
                log.warning("Could not read the data's generation", exc_info=True)
                continue
            if now != self._seen_generation:
                self._seen_generation = now
                self._schedule()

    def users(self) -> int:
        """How many users' Homes are kept published: those who opened theirs lately."""
        return len(self._recent())

    def _recent(self) -> list[str]:
        now = self.clock()
        return [user for user, at in self.seen.items() if now - at <= self.recent]

    # -- from the core (any thread) ----------------------------------------------------

    def changed(self) -> None:
        """Something was committed: refresh the recent viewers' Homes soon."""
        loop = self.loop
        if loop is None:
            return  # nobody has opened a Home in this process
        try:
            loop.call_soon_threadsafe(self._schedule)
        except RuntimeError:  # the loop is closed (the process is stopping)
            self.loop = None

    def _schedule(self) -> None:
        if self._running is not None and not self._running.done():
            self._again = True  # a refresh is under way: one more when it ends
            return
        if self._timer is None:
            assert self.loop is not None
            self._timer = self.loop.call_later(self.debounce, self._start)

    def _start(self) -> None:
        self._timer = None
        self._running = self._spawn(self._refresh())

    async def _refresh(self) -> None:
        if self.generation is not None:  # what this refresh shows: no need to poll for it
            with contextlib.suppress(Exception):
                self._seen_generation = self.generation()
        for user in self._recent():
            await self._publish(user)
        if self._again:
            self._again = False
            self._running = None
            self._schedule()

    async def _publish(self, user_id: str) -> None:
        await self.bucket.acquire()
        try:
            await self.publish(user_id)
            self.published += 1
        except Exception:  # one user's Home failing must not stop the others'
            log.warning("Could not publish the Home of %s", user_id, exc_info=True)

    def _spawn(self, work: Awaitable[None]) -> asyncio.Task[None]:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def stop(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
        if self._timer is not None:
            self._timer.cancel()

    async def drain(self) -> None:
        """Wait for the refreshes under way (tests; a clean stop)."""
        while self._tasks:
            with contextlib.suppress(Exception):
                await asyncio.gather(*list(self._tasks))
