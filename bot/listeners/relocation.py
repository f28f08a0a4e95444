"""`/relocation`: register relocation batches, preview an assignment with Confirm, list,
show and move batches through their life. The form is in `batch_modal.py`, the
buttons in `batch_buttons.py`."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import batch_blocks, blocks
from bot.blocks import Message
from bot.listeners import batch_buttons, batch_modal
from bot.listeners.deps import Deps, actor_from
from bot.parse import Relocation, parse_relocation
from capacity import errors


class RelocationCommand:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def handle(self, ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient) -> None:
        request = parse_relocation(command.get("text", ""))
        if request.kind == "modal":
            await ack()
            await client.views_open(
                trigger_id=command["trigger_id"], view=batch_modal.modal(self.deps.texts, command)
            )
            return
        message = await asyncio.to_thread(self.answer, request, command)
        await ack(**message.payload())

    def answer(self, request: Relocation, command: dict[str, Any]) -> Message:
        try:
            return self._answer(request, command)
        except errors.CapacityError as error:
            return blocks.refusal(error, self.deps.texts)

    def _answer(self, request: Relocation, command: dict[str, Any]) -> Message:
        t, service = self.deps.texts, self.deps.service
        actor = actor_from(command.get("user_id", ""), command.get("user_name", ""))
        if request.kind == "invalid":
            return blocks.plain(t(request.problem))
        if request.kind == "list":
            batches = service.batches(request.year)
            titles = {b.scope: service.scope_title(b.scope) for b in batches}
            return batch_blocks.batch_list(batches, t, titles)
        if request.kind == "show":
            batch = service.batch(request.name)
            return batch_blocks.batch_detail(batch, t, service.scope_title(batch.scope))
        if request.kind == "status":
            batch = service.set_status(request.name, request.status, actor, reason=request.reason)
            status = batch_blocks.status_word(t, batch)
            return blocks.plain(t("status_changed", batch=batch.name, status=status))
        if request.kind == "new":
            result = service.create_batch(
                request.name,
                request.persons or 0,
                actor,
                year=request.year,
                households=request.households,
                scope=request.scope,
            )
            return batch_blocks.batch_created(result, t, service.scope_title(result.batch.scope))
        if request.kind == "assign":
            result = service.allocate(
                request.name,
                request.municipality,
                request.persons,
                actor,
                households=request.households,
                dry_run=True,
            )
            if not result.granted:
                return batch_blocks.refused(result, t)
            # a fresh key per preview: every click on this Confirm button carries it,
            # so a double click or a retried click reserves once
            return batch_blocks.preview(result, t, uuid.uuid4().hex, request.households)
        return blocks.plain(t("relocation_usage"))


def register(app: AsyncApp, deps: Deps) -> None:
    batch_buttons.register(app, deps)
    batch_modal.register(app, deps)
