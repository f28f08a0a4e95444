"""What the bot keeps between requests is bounded: the replay memory (the answers kept
for copies of requests) by Slack's 5-minute window, a maximum count and a byte budget;
work after answers by its tasks finishing."""

from __future__ import annotations

import asyncio
import hashlib
import logging

import pytest

from bot.listeners.later import Background
from bot.replays import DONE, WINDOW, Answer, Replays, signature_key


def signature(n: int) -> str:
    return "v0=" + hashlib.sha256(str(n).encode()).hexdigest()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def first(replays: Replays, n: int, answer: Answer | None = None) -> bool:
    """Whether request `n` is new (then it is answered with `answer`), as the edge asks."""
    keys = [signature_key(signature(n))]
    if replays.find(keys) is not None:
        return False
    replays.keep(replays.claim(keys), answer or Answer(200, b"ok"))
    return True


def test_a_signature_is_known_again_within_the_window_and_forgotten_after_it():
    clock = Clock()
    replays = Replays(clock)
    assert first(replays, 1) and not first(replays, 1)
    clock.now += WINDOW - 1
    assert not first(replays, 1)
    clock.now += 2
    assert first(replays, 2) and len(replays) == 1  # the first one expired
    assert first(replays, 1)


def test_the_replay_memory_never_holds_more_than_its_maximum(caplog):
    clock = Clock()
    replays = Replays(clock, max_keys=500)
    with caplog.at_level(logging.WARNING, logger="bot.replays"):
        for n in range(5000):
            assert first(replays, n)
            clock.now += 0.001
    assert len(replays) == 500
    assert not first(replays, 4999)  # the newest are still known
    assert len([r for r in caplog.records if "forgets the oldest" in r.getMessage()]) == 1


def test_kept_answers_stay_within_their_byte_budget_and_past_it_only_the_fact_is_kept():
    clock = Clock()
    replays = Replays(clock, max_keys=1000, max_bytes=100_000)
    for n in range(50):
        first(replays, n, Answer(200, b"x" * 30_000, "application/json"))
    assert replays.bytes <= 100_000
    kept = [replays.find([signature_key(signature(n))]) for n in range(50)]
    answers = [entry.answer for _, entry in kept if entry.answer is not None]
    assert len(answers) == 50  # every one is known to be done
    assert sum(a is not DONE for a in answers) == 3  # three bodies of 30,000 fit
    assert answers[0].body == b"x" * 30_000 and answers[-1] is DONE
    clock.now += WINDOW + 1  # forgotten: their bytes are free again
    assert first(replays, 1000, Answer(200, b"y" * 30_000))
    assert replays.bytes == 30_000 and len(replays) == 1


def test_a_copy_waits_for_the_first_answer_and_gets_it():
    async def run() -> tuple[Answer, Answer]:
        replays = Replays()
        keys = [signature_key(signature(1))]
        entry = replays.claim(keys)
        _, same = replays.find(keys) or (None, None)
        assert same is entry
        waiting = asyncio.ensure_future(replays.answer_of(entry, wait=2))
        await asyncio.sleep(0)
        replays.keep(entry, Answer(200, b"first", "application/json"))
        late = replays.find(keys)
        assert late is not None
        return await waiting, await replays.answer_of(late[1])

    waited, after = asyncio.run(run())
    assert waited == after == Answer(200, b"first", "application/json")


def test_a_copy_that_waits_too_long_gets_an_empty_200_and_never_runs_it():
    async def run() -> Answer:
        replays = Replays()
        entry = replays.claim([signature_key(signature(1))])
        return await replays.answer_of(entry, wait=0.01)

    assert asyncio.run(run()) == DONE == Answer(200, b"", "text/plain")


@pytest.mark.slow
def test_work_after_answers_is_awaited_at_shutdown_and_forgotten_when_done():
    async def run() -> list[str]:
        background = Background()
        done: list[str] = []

        async def work(name: str, seconds: float) -> None:
            await asyncio.sleep(seconds)
            done.append(name)

        background.start(work("quick", 0.01))
        background.start(work("slow", 0.2))
        background.start(work("stuck", 60))
        assert background.pending == 3
        await background.drain(timeout=0.5)
        assert background.pending == 0
        return done

    assert asyncio.run(run()) == ["quick", "slow"]
