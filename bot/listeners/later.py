"""Work done after Slack has its answer, and every call to Slack with a time limit.

The app answers before it responds (`process_before_response`), so whatever a listener
awaits delays the HTTP answer Slack waits 3 seconds for. A listener therefore answers
first and hands the rest — a change that may wait for the write lock, a post to the
`response_url` (`bot.listeners.response_url`), `views.open`, `chat.postMessage` — to
`Background`: tasks the app owns, each time-limited, logged when they fail, and awaited
(then cancelled) at shutdown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

log = logging.getLogger("bot")

SLACK_TIMEOUT = 3.0
"""Seconds any one call to Slack (Web API or `response_url`) may take."""
ANSWER_BUDGET = 2.2
"""Seconds a slash command may work inside its answer; past this it answers that the
answer follows, and sends it to the `response_url` when it is ready."""
WORK_TIMEOUT = 120.0
"""Seconds work after the answer may take before it is given up (a stuck call)."""

T = TypeVar("T")


class Background:
    """Tasks the app owns: started after the answer, tracked until done."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def start(
        self, work: Coroutine[Any, Any, Any], name: str = "after-answer"
    ) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(
            asyncio.wait_for(work, WORK_TIMEOUT), name=name
        )
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            log.error("Work after the answer failed (%s)", task.get_name(), exc_info=error)

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait for the tasks still running (at shutdown); cancel what is left after
        `timeout` seconds."""
        tasks = set(self._tasks)
        if not tasks:
            return
        log.info("Waiting for %d task(s) after answers", len(tasks))
        done, left = await asyncio.wait(tasks, timeout=timeout)
        for task in left:
            task.cancel()
        if left:
            await asyncio.gather(*left, return_exceptions=True)
            log.warning("%d task(s) after answers cancelled at shutdown", len(left))


async def limited(call: Awaitable[T], what: str, seconds: float = SLACK_TIMEOUT) -> T | None:
    """A call to Slack within `seconds`; None (logged) when it fails or is too slow."""
    try:
        return await asyncio.wait_for(call, seconds)
    except TimeoutError:
        log.warning("%s took longer than %.1f s: given up", what, seconds)
    except Exception as error:  # Slack's answer is best effort; what was done stands
        log.warning("%s failed: %s", what, error)
    return None


async def off_loop(work: Callable[[], T]) -> T:
    """`work` in a worker thread (it may wait for the write lock)."""
    return await asyncio.to_thread(work)
