"""Slash commands. `/capacity` answers inside the acknowledgement itself."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.blocks import Message
from bot.listeners.answers import answer
from bot.listeners.deps import Deps
from bot.parse import Request, parse

QUESTIONS = {"help", "capacity", "overview", "invalid"}
MAX_KEPT = 2048


class CapacityCommand:
    """`/capacity …`: the answer goes back in the ack (ephemeral, or in the channel
    with `share`/`del`), well inside Slack's 3 seconds."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        # Answers to questions (not to changes), kept while the data is unchanged: the
        # same question in a meeting is answered without asking the core again.
        self._answers: dict[Request, tuple[int, Message]] = {}
        self._parsed: dict[str, Request] = {}  # parsing is pure: kept by text

    async def handle(self, ack: AsyncAck, command: dict[str, Any]) -> None:
        text = command.get("text", "")
        request = self._parsed.get(text)
        if request is None:
            request = parse(text)
            if len(self._parsed) >= MAX_KEPT:
                self._parsed.clear()
            self._parsed[text] = request
        if request.kind not in QUESTIONS:
            # a change waits for SQLite's write lock: off the event loop, so that the
            # questions of others are answered meanwhile
            message = await asyncio.to_thread(
                answer, request, self.deps, command.get("user_id", ""), command.get("user_name", "")
            )
        else:
            message = self._question(request)
        await ack(**message.payload(share=request.share))

    def _question(self, request: Request) -> Message:
        key = replace(request, share=False)
        generation = self.deps.service.store.generation()  # before reading
        kept = self._answers.get(key)
        if kept is not None and kept[0] == generation:
            return kept[1]
        message = answer(request, self.deps, "", "")
        if len(self._answers) >= MAX_KEPT:
            self._answers.clear()
        self._answers[key] = (generation, message)
        return message


def handlers(deps: Deps) -> dict[str, Any]:
    """Every slash command the app answers (the manifest must declare exactly these)."""
    from bot.listeners.relocation import RelocationCommand

    return {
        "/capacity": CapacityCommand(deps).handle,
        "/relocation": RelocationCommand(deps).handle,
    }


def register(app: AsyncApp, deps: Deps) -> None:
    for name, handler in handlers(deps).items():
        app.command(name)(handler)
