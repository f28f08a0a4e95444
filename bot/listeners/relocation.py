"""`/relocation`: register relocation batches, plan a whole batch (`fordel`) or preview
assignments (`tildel`, one or several municipalities) with Confirm, list and show
batches a page at a time, release an assignment, and move batches through their life
(cancelling asks first). The form is in `batch_modal.py`, the buttons in
`batch_buttons.py` and `plan_buttons.py`."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import batch_blocks, batch_names, blocks, plan_blocks, release_blocks
from bot.blocks import Message
from bot.listeners import batch_buttons, batch_modal, front, later, plan_buttons, releases
from bot.listeners.answers import answer_command
from bot.listeners.deps import Deps, actor_from
from bot.parse import Relocation, parse_relocation
from bot.parse_relocation import relocation_text, request_text
from capacity import errors
from capacity.models import Municipality

PLAN_SECONDS = 0.6
"""Solver time per stage of a plan made for a slash command's answer (Slack waits 3 s);
a plan stopped by it is sound and says it is not proven optimal."""


def redo(request: Relocation) -> blocks.Redo:
    """A "did you mean" choice carries an assignment on."""

    def value(query: str, chosen: Municipality) -> str | None:
        return blocks.redo_value("relocation", relocation_text(request, query, chosen.number))

    return value


class RelocationCommand:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def handle(self, ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient) -> None:
        taken = front.taken()  # the text as the front parsed it (once)
        found = taken.relocation if taken is not None else None
        request = found or parse_relocation(command.get("text", ""))
        if request.kind == "modal":  # answered first; the form opens after the answer
            await ack()
            view = batch_modal.modal(self.deps.texts, command)
            call = client.views_open(trigger_id=command["trigger_id"], view=view)
            self.deps.background.start(later.limited(call, "views.open"), name="views.open")
            return
        await answer_command(
            self.deps, ack, command, lambda: self.answer(request, command), share=request.share
        )

    def answer(self, request: Relocation, command: dict[str, Any]) -> Message:
        typed = str(command.get("text") or "")
        if request.kind == "invalid" and typed:  # `fordel Moria 2020`: a name unquoted?
            found = batch_names.read(typed, self._batch_names())
            request = parse_relocation(found.only) if found.only else request
        try:
            return self._answer(request, command)
        except errors.CapacityError as error:
            if error.code == "batch_not_found" and typed:
                return self._unknown_batch(error, typed, command)
            question = request.kind in ("list", "show", "plan")  # nothing is changed by these
            return blocks.refusal(error, self.deps.texts, redo=redo(request), question=question)

    def _batch_names(self) -> list[str]:
        return [batch.name for batch in self.deps.service.batches()]

    def _unknown_batch(
        self, error: errors.CapacityError, typed: str, command: dict[str, Any]
    ) -> Message:
        """A batch name typed without quotes (`tildel Moria 2020 Trondheim 5`): the
        command as if quoted when one batch's whole name starts it, else "did you mean"."""
        found = batch_names.read(typed, self._batch_names())
        if found.only is None:
            return batch_names.suggestions(error, found, self.deps.texts)
        request = parse_relocation(found.only)
        try:
            return self._answer(request, command)
        except errors.CapacityError as again:
            return blocks.refusal(again, self.deps.texts, redo=redo(request))

    def _answer(self, request: Relocation, command: dict[str, Any]) -> Message:
        t, service = self.deps.texts, self.deps.service
        actor = actor_from(command.get("user_id", ""), command.get("user_name", ""))
        if request.kind == "invalid":
            readings = tuple(reading.persons or 0 for reading in request.readings)
            return blocks.not_understood(t, request.problem, request.word, request.why, readings)
        if request.kind == "choose":
            choices = [
                blocks.Choice(r.persons or 0, "", blocks.redo_value("relocation", request_text(r)))
                for r in request.readings
            ]
            return blocks.choose_message(t, request.word, choices)
        if request.kind == "list":
            page = service.batches_page(request.year, request.page)
            titles = {b.scope: service.scope_title(b.scope) for b in page.batches}
            return batch_blocks.batches_page(page, t, titles, request.year)
        if request.kind == "show":
            page = service.batch_page(request.name, request.page)
            return batch_blocks.batch_page(page, t, service.scope_title(page.batch.scope))
        if request.kind == "status" and request.status == "cancelled":
            preview = service.preview_cancel(request.name, actor, reason=request.reason)
            return plan_blocks.cancel_preview(preview, t)
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
        if request.kind == "plan":
            plan = service.plan_batch(request.name, actor, time_limit=PLAN_SECONDS)
            return plan_blocks.plan_preview(plan, t, service.scope_title(plan.batch.scope))
        if request.kind == "assign":
            targets = [
                (place, persons, request.households if len(request.targets) == 1 else ())
                for place, persons in request.targets
            ]
            preview = service.preview_assignment(request.name, targets, actor)
            return plan_blocks.assignment_preview(preview, t)
        if request.kind == "release":  # asks first: Release, then Undo
            found = service.preview_release(request.allocation, actor)
            return release_blocks.release_preview(found, t)
        return blocks.plain(t("relocation_usage"))


def register(app: AsyncApp, deps: Deps) -> None:
    batch_buttons.register(app, deps)
    releases.register(app, deps)
    batch_modal.register(app, deps)
    plan_buttons.register(app, deps, RelocationCommand(deps))
