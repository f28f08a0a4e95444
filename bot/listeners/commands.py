"""Slash commands. `/capacity` answers inside the acknowledgement itself."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.answer_cache import QUESTIONS, KeptAnswer
from bot.listeners.answers import answer
from bot.listeners.deps import Deps
from bot.parse import parse


class CapacityCommand:
    """`/capacity …`: the answer goes back in the ack (ephemeral, or in the channel
    with `share`/`del`), well inside Slack's 3 seconds."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def handle(self, ack: AsyncAck, command: dict[str, Any]) -> None:
        request = parse(command.get("text", ""))
        user_id, user_name = command.get("user_id", ""), command.get("user_name", "")
        if request.kind in QUESTIONS:  # a few reads, or a kept answer: on the loop
            message = answer(request, self.deps, user_id, user_name)
        else:  # a change waits for the write lock: off the loop, so others are answered
            message = await asyncio.to_thread(answer, request, self.deps, user_id, user_name)
        await ack(**message.payload(share=request.share))


def handlers(deps: Deps) -> dict[str, Any]:
    """Every slash command the app answers (the manifest must declare exactly these)."""
    from bot.listeners.relocation import RelocationCommand

    return {
        "/capacity": CapacityCommand(deps).handle,
        "/relocation": RelocationCommand(deps).handle,
    }


def register(app: AsyncApp, deps: Deps) -> None:
    for name, handler in handlers(deps).items():
        # a kept answer to a question is the response before the listener runs
        middleware = [KeptAnswer(deps)] if name == "/capacity" else None
        app.command(name, middleware=middleware)(handler)
