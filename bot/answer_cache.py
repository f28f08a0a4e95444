"""The one answer cache: a question's rendered message, kept while the data is unchanged.

A coordinator's question (`/capacity Trondheim`, an overview, `rom 5`) is answered from
a few SQLite reads and Block Kit building, most of it the rendering. The same question
comes back often (in a meeting, from the buttons), so the rendered `Message` is kept,
keyed by the parsed request, the language of its texts and the core's
`generation()`: a number that moves after every write of this process and whenever
SQLite sees a commit by another connection (another thread, or the CLI in another
process). A kept answer is therefore never served once the data may have changed, and
the cache is bounded (least recently used out first).

Not kept: an answer "as of" a moment (`per i går` moves with the clock) and every
refusal (a busy database is not the same refusal twice). Kept messages are shared
between responses: nothing downstream changes a `Message` in place.

Beside each message the cache keeps the JSON of the slash command's response (one for
an answer shown to the asker, one for `del`/`share`), which `KeptAnswer`, a middleware
of the `/capacity` listener, returns at once: a repeated question then costs a few
lookups, not Bolt's listener call, the parse, the rendering and the JSON encoding. On the
benchmark machine those were about 70 us of CPU an answer, which at 16 concurrent
requests made the bot's throughput 0.73x a bare Bolt app's (bench/RESULTS.md).
"""

from __future__ import annotations

import functools
import json
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field, replace
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.blocks import Message
from bot.i18n import Texts
from bot.parse import MAX_TEXT, Request, parse

# The kinds of request that only read: the same request over the same data gets the
# same message.
QUESTIONS = frozenset(
    {"help", "capacity", "overview", "room", "invalid", "choose", "pace", "several"}
)
SIZE = 512  # messages; a national overview page is the largest, about 20 KB


@dataclass
class _Kept:
    generation: int
    message: Message
    bodies: dict[bool, str] = field(default_factory=dict)  # share -> the response's JSON


class AnswerCache:
    def __init__(
        self,
        generation: Callable[[], int],
        size: int = SIZE,
        day: Callable[[], Hashable] | None = None,
    ) -> None:
        self.generation = generation
        self.day = day  # answers that say how old a figure is change with the day
        self.size = size
        self._kept: OrderedDict[Hashable, _Kept] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def keeps(request: Request) -> bool:
        return request.kind in QUESTIONS and not request.as_of

    def _key(self, request: Request, texts: Texts) -> Hashable:
        # `share` decides only where the answer goes, not what it says
        asked = replace(request, share=False) if request.share else request
        day = self.day() if self.day is not None else None
        return (asked, texts.language, getattr(texts, "alert_channel", None), day)

    def _valid(self, key: Hashable, generation: int) -> _Kept | None:
        """The entry under `key` if it was made at `generation` (call with the lock)."""
        kept = self._kept.get(key)
        if kept is None or kept.generation != generation:
            return None
        self._kept.move_to_end(key)
        self.hits += 1
        return kept

    def answer(self, request: Request, texts: Texts, make: Callable[[], Message]) -> Message:
        """The message for `request` in `texts`' language: kept, or made by `make` and
        kept under the generation read before it was made (so a change made meanwhile
        is never hidden behind it)."""
        if not self.keeps(request):
            return make()
        key = self._key(request, texts)
        generation = self.generation()
        with self._lock:
            kept = self._valid(key, generation)
        if kept is not None:
            return kept.message
        message = make()
        with self._lock:
            self.misses += 1
            self._kept[key] = _Kept(generation, message)
            self._kept.move_to_end(key)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return message

    def response(self, request: Request, texts: Texts) -> str | None:
        """The JSON of the slash command's response to `request`, when its message is
        kept and still valid; None otherwise (the listener answers, and keeps it)."""
        if not self.keeps(request):
            return None
        key = self._key(request, texts)
        generation = self.generation()
        with self._lock:
            kept = self._valid(key, generation)
            if kept is None:
                return None
            body = kept.bodies.get(request.share)
            if body is None:
                body = json.dumps(kept.message.payload(share=request.share))
                kept.bodies[request.share] = body
            return body

    def __len__(self) -> int:
        return len(self._kept)


@functools.lru_cache(maxsize=SIZE)
def parsed(text: str) -> Request:
    """`parse` remembered for the texts asked most (it is pure and a `Request` is
    immutable): a repeated question is then lookups from its text on."""
    return parse(text)


class KeptAnswer(AsyncMiddleware):
    """Middleware of the `/capacity` listener: a question whose answer is kept gets it
    as the response, without the listener. (A subclass rather than a function: Bolt
    runs it without argument injection.)"""

    def __init__(self, deps: Any) -> None:
        self.deps = deps  # bot.listeners.deps.Deps: its texts may be set per request

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],  # noqa: A002
    ) -> BoltResponse:
        text = req.body.get("text", "")
        # parse reads no further than MAX_TEXT: nor does the memo's key
        request = parsed(text[:MAX_TEXT] if isinstance(text, str) else "")
        body = self.deps.answers.response(request, self.deps.texts)
        if body is None:
            await next()
            return resp
        return BoltResponse(status=200, body=body)
