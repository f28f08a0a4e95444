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
an answer shown to the asker, one for `del`/`share`). Whether a slash command's question
is answered from it is decided once per request, by the front of the request path
(`bot.listeners.front.Front`, `kept`): a repeated question then costs a few lookups, not
Bolt's dispatch, the parse, the rendering and the JSON encoding. When it is not kept,
the listener makes the answer and `keep`s it where that check looked (`Looked`: the key,
with the day it read, and the generation), so that an answer made as the day or the data
changed is never kept as the newer one's.
"""

from __future__ import annotations

import functools
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace

from bot.blocks import Message
from bot.i18n import Texts
from bot.parse import Request, parse

# The kinds of request that only read: the same request over the same data gets the
# same message.
QUESTIONS = frozenset(
    {"help", "capacity", "overview", "room", "invalid", "choose", "pace", "several"}
)
SIZE = 512  # messages; a national overview page is the largest, about 20 KB


@dataclass(frozen=True, slots=True)
class Looked:
    """Where a question's kept answer was looked for, at which generation of the data:
    the answer made after the look is kept there (`AnswerCache.keep`)."""

    key: Hashable
    generation: int


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
        return (asked, texts.language, texts.alert_channel, day)

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
        looked = Looked(self._key(request, texts), self.generation())
        with self._lock:
            kept = self._valid(looked.key, looked.generation)
        if kept is not None:
            return kept.message
        message = make()
        self.keep(looked, message)
        return message

    def keep(self, looked: Looked, message: Message) -> None:
        """Keep `message`, made after the look, where it looked."""
        with self._lock:
            self.misses += 1
            self._kept[looked.key] = _Kept(looked.generation, message)
            self._kept.move_to_end(looked.key)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)

    def kept(self, request: Request, texts: Texts) -> tuple[Looked | None, str | None]:
        """For a question: where its answer was looked for and, when the message made
        at the data's generation now is kept there, the JSON of the slash command's
        response (else None: the listener answers, and keeps its message there). For
        any other request: (None, None)."""
        if not self.keeps(request):
            return None, None
        looked = Looked(self._key(request, texts), self.generation())
        with self._lock:
            kept = self._valid(looked.key, looked.generation)
            if kept is None:
                return looked, None
            body = kept.bodies.get(request.share)
            if body is None:
                body = json.dumps(kept.message.payload(share=request.share))
                kept.bodies[request.share] = body
            return looked, body

    def __len__(self) -> int:
        return len(self._kept)


@functools.lru_cache(maxsize=SIZE)
def parsed(text: str) -> Request:
    """`parse` remembered for the texts asked most (it is pure and a `Request` is
    immutable): a repeated question is then lookups from its text on."""
    return parse(text)
