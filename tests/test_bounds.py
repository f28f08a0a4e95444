"""What the bot keeps between requests is bounded: the replay memory by Slack's
5-minute window and a maximum size, work after answers by its tasks finishing."""

from __future__ import annotations

import asyncio
import hashlib
import logging

import pytest

from bot.http import WINDOW, Seen
from bot.listeners.later import Background


def signature(n: int) -> str:
    return "v0=" + hashlib.sha256(str(n).encode()).hexdigest()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_signature_is_refused_again_within_the_window_and_forgotten_after_it():
    clock = Clock()
    seen = Seen(clock)
    assert seen.first(signature(1)) and not seen.first(signature(1))
    clock.now += WINDOW - 1
    assert not seen.first(signature(1))
    clock.now += 2
    assert seen.first(signature(2)) and len(seen) == 1  # the first one expired
    assert seen.first(signature(1))


def test_the_replay_memory_never_holds_more_than_its_maximum(caplog):
    clock = Clock()
    seen = Seen(clock, max_size=500)
    with caplog.at_level(logging.WARNING, logger="bot.http"):
        for n in range(5000):
            assert seen.first(signature(n))
            clock.now += 0.001
    assert len(seen) == 500
    assert not seen.first(signature(4999))  # the newest are still known
    assert len([r for r in caplog.records if "replay memory full" in r.getMessage()]) == 1


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
