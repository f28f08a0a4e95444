"""The replay memory's second tier: the requests that can change something, kept in the
database for the 5-minute window (`Capacity.replays`, the table `replays`), so that a
copy that reaches another bot process on the same database, or arrives after a restart,
is answered with the first one's answer and never run again.

The bot's own memory (`bot.replays`) stays in front: a copy this process has seen is
answered from there, without the database. What reaches the database is a request seen
for the first time here, once the front has read it (`bot.listeners.front`), and only
when it can change something: every click, form, event and command but a `/capacity`
question that only reads (`READS`). A question's copy answered again changes nothing,
and recording each would write the database at every question, which would also end
the kept answers' generation (`bot.answer_cache`) each time.

The key is taken before the request runs (`take`: a row per key, pending, inserted in
one transaction, so that of two processes taking it at once one finds the other's), and
its answer kept once answered (`keep`, after the answer, off the loop). A copy found
pending (its first still being answered elsewhere, or a process that died answering it)
waits for the answer at most `WAIT` seconds, then gets an empty 200, as in memory.

A database that cannot take the key (locked past a quarter of a second, read-only, the
disk full) does not stop the answer: the request runs with the memory alone, as before
this tier, and the log says so once per kind of failure (then at the 10th, 100th, …).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from bot.answer_cache import QUESTIONS
from bot.listeners.front import Taken
from bot.listeners.later import Background
from bot.replays import DONE, WAIT, Answer, Key
from capacity import Capacity, errors

log = logging.getLogger("bot.replays")

READS = QUESTIONS | {"history"}
"""The `/capacity` kinds that only read: their copies are not looked for in the database."""
POLL = 0.05  # seconds between looks at a copy's first answer, pending in another process


def text_key(key: Key) -> str:
    """A key as the table holds it: 128 bits as 32 hex digits, an event id as it is."""
    return format(key, "032x") if isinstance(key, int) else key


@dataclass(frozen=True, slots=True)
class Claim:
    """What the database said of a request's keys: `seen`, a copy's first answer (status
    0 while pending); else `recorded`, whether its keys are now kept there."""

    keys: tuple[str, ...] = ()
    recorded: bool = False
    seen: Answer | None = None
    by_signature: bool = False  # `seen` was found by the first key (the signature)
    pending: bool = False


NOT_RECORDED = Claim()


class Records:
    def __init__(self, service: Capacity, background: Background) -> None:
        self.table = service.replays
        self.background = background
        self.failures: dict[str, int] = {}  # by kind, for the log's lines

    def wanted(self, request: Taken) -> bool:
        """Whether the request can change something (and so is kept in the database)."""
        if self.table is None or request.problem or request.kept is not None:
            return False
        question = request.question
        return question is None or question.kind not in READS

    async def take(self, keys: Sequence[Key]) -> Claim:
        """Take the request's keys in the database, or find a copy's first answer there."""
        table, texts = self.table, tuple(map(text_key, keys))
        if table is None or not texts:
            return NOT_RECORDED
        try:
            seen = await asyncio.to_thread(table.take, texts)
        except errors.CapacityError as problem:
            self._failed("take", problem)
            return NOT_RECORDED
        if seen is None:
            return Claim(texts, recorded=True)
        answer = Answer(seen.status, seen.body, seen.content_type) if seen.status else None
        return Claim(texts, seen=answer or DONE, by_signature=seen.index == 0, pending=not answer)

    async def answer(self, claim: Claim, wait: float = WAIT) -> Answer:
        """A copy's first answer: as found, or, while it is pending, as soon as it is
        kept (at most `wait` seconds; then an empty 200)."""
        if not claim.pending or self.table is None:
            return claim.seen or DONE
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            await asyncio.sleep(POLL)
            try:
                seen = await asyncio.to_thread(self.table.find, claim.keys)
            except errors.CapacityError as problem:
                self._failed("find", problem)
                break
            if seen is None:  # expired meanwhile
                break
            if seen.status:
                return Answer(seen.status, seen.body, seen.content_type)
        log.warning(
            "A copy of a request still being answered by another process after %.1f s", wait
        )
        return DONE

    def keep(self, claim: Claim, answer: Answer | None) -> None:
        """Keep the answer of a request taken in the database, after it was answered."""
        if not claim.recorded or self.table is None:
            return
        answer = answer or DONE
        self.background.start(self._keep(claim.keys, answer), name="replay-keep")

    async def _keep(self, keys: tuple[str, ...], answer: Answer) -> None:
        assert self.table is not None
        try:
            await asyncio.to_thread(
                self.table.keep, keys, answer.status, answer.content_type, answer.body
            )
        except errors.CapacityError as problem:
            self._failed("keep", problem)

    def _failed(self, step: str, problem: errors.CapacityError) -> None:
        kind = f"{step}: {problem.code}"
        count = self.failures[kind] = self.failures.get(kind, 0) + 1
        if str(count).strip("0") == "1":  # 1, 10, 100, …
            log.warning(
                "The database could not %s a request's replay key (%s, %s; %d so far): "
                "the bot's memory alone answers its copies",
                step,
                problem.code,
                problem.facts.get("detail", ""),
                count,
            )
