"""Slash commands. `/capacity` answers inside the acknowledgement itself.

Each reads its text as the front of the request path parsed it (`front.taken()`), and a
question whether a kept answer served it: it did not, or the request would not be here
(`bot.listeners.front`). The listener makes the answer and keeps it."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.answer_cache import QUESTIONS, Looked, parsed
from bot.blocks import Message
from bot.listeners import files as file_listeners
from bot.listeners import front, list_file
from bot.listeners.answers import answer, answer_command
from bot.listeners.deps import Deps
from bot.listeners.relocation import RelocationCommand
from bot.listeners.rounds import RoundListeners
from bot.parse import MAX_TEXT, Request
from bot.parse_rounds import RoundRequest, parse_round


def question(command: dict[str, Any]) -> tuple[Request, Looked | None]:
    """The command's text as the front parsed it, and where it found no kept answer
    (None when no front took the request: parsed here, once)."""
    taken = front.taken()
    if taken is not None and taken.question is not None:
        return taken.question, taken.looked
    return parsed(str(command.get("text", ""))[:MAX_TEXT]), None


def round_asked(request: Request) -> RoundRequest:
    """What a `/capacity innhenting …` asks of collection rounds, as the front parsed it
    (parsed here when no front took the request)."""
    taken = front.taken()
    if taken is not None and taken.round is not None:
        return taken.round
    return parse_round(request.target)


class CapacityCommand:
    """`/capacity …`: the answer goes back in the ack (ephemeral, or in the channel
    with `share`/`del`), well inside Slack's 3 seconds."""

    def __init__(self, deps: Deps, files: file_listeners.Files | None = None) -> None:
        self.deps = deps
        self.files = files or file_listeners.Files(deps)
        self.rounds = RoundListeners(deps)

    async def handle(self, ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient) -> None:
        request, checked = question(command)
        if request.kind in ("chart", "pace_chart"):  # answered at once; posted after
            return await self.files.chart_command(ack, command, client, request)
        if request.kind == "export":  # answered at once; the CSV comes in a DM
            return await self.files.export_command(ack, command, client, request)
        if request.kind == "round":  # collection rounds: bot.listeners.rounds
            return await self.rounds.command(ack, command, round_asked(request), request.share)
        if request.kind in ("grant", "revoke") and "@" in request.user:  # by e-mail
            found = await self.rounds.with_user_id(request, client)
            if isinstance(found, Message):
                return await ack(**found.payload())
            request = found
        user_id, user_name = command.get("user_id", ""), command.get("user_name", "")
        if request.kind in QUESTIONS:  # a few reads: on the loop
            message = answer(request, self.deps, user_id, user_name, checked=checked)
            await ack(**message.payload(share=request.share))
            return
        # A change waits for the write lock: off the loop, within Slack's time limit
        await answer_command(
            self.deps,
            ack,
            command,
            lambda: answer(request, self.deps, user_id, user_name),
            share=request.share,
        )


def handlers(deps: Deps, files: file_listeners.Files | None = None) -> dict[str, Any]:
    """Every slash command the app answers (the manifest must declare exactly these)."""
    return {
        "/capacity": CapacityCommand(deps, files).handle,
        "/relocation": RelocationCommand(deps).handle,
    }


def register(app: AsyncApp, deps: Deps) -> None:
    files = file_listeners.Files(deps)
    for name, handler in handlers(deps, files).items():
        app.command(name)(handler)
    # the chart button after the commands: Bolt tries listeners in the order they were
    # added, so a command (the requests that must be fastest) is matched first
    file_listeners.register_button(app, files)
    list_file.register(app, files)  # the whole list under `/capacity norge`, as a CSV file
