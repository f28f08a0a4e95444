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

The bench (`bench/bench_http.py`, see bench/RESULTS.md) is why it is here: without it
the bot's p50 was about 2x a bare Bolt app's; with it, within 1.3x.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import replace

from bot.blocks import Message
from bot.i18n import Texts
from bot.parse import Request

# The kinds of request that only read: the same request over the same data gets the
# same message.
QUESTIONS = frozenset({"help", "capacity", "overview", "room", "invalid"})
SIZE = 512  # messages; a national overview page is the largest, about 20 KB


class AnswerCache:
    def __init__(self, generation: Callable[[], int], size: int = SIZE) -> None:
        self.generation = generation
        self.size = size
        self._kept: OrderedDict[Hashable, tuple[int, Message]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def keeps(request: Request) -> bool:
        return request.kind in QUESTIONS and not request.as_of

    def answer(self, request: Request, texts: Texts, make: Callable[[], Message]) -> Message:
        """The message for `request` in `texts`' language: kept, or made by `make` and
        kept under the generation read before it was made (so a change made meanwhile
        is never hidden behind it)."""
        if not self.keeps(request):
            return make()
        # `share` decides only where the answer goes, not what it says
        asked = replace(request, share=False) if request.share else request
        key = (asked, texts.language, getattr(texts, "alert_channel", None))
        generation = self.generation()
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None and kept[0] == generation:
                self._kept.move_to_end(key)
                self.hits += 1
                return kept[1]
        message = make()
        with self._lock:
            self.misses += 1
            self._kept[key] = (generation, message)
            self._kept.move_to_end(key)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return message

    def __len__(self) -> int:
        return len(self._kept)
