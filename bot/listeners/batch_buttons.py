"""The buttons of batch messages: Confirm and Cancel on a preview, Undo on an
assignment, and "Open batch" on an alert in the coordination channel."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot import batch_blocks, blocks, plan_blocks
from bot.alerts import OPEN_BATCH_ACTION
from bot.blocks import Message
from bot.i18n import Texts
from bot.listeners.deps import Deps
from bot.listeners.payload import (
    BatchValue,
    ConfirmValue,
    UndoValue,
    V,
    answer_click,
    button_value,
    clicker,
)
from capacity import Actor, errors


def guarded(t: Texts, value: Any, work: Callable[[Any], Message]) -> Message:
    """A button's work over its parsed value: a value that is not ours and a refusal of
    the core are answered; anything else is a bug, for Bolt's error handler."""
    if value is None:
        return blocks.plain(t("relocation_usage"))
    try:
        return work(value)
    except errors.CapacityError as error:
        return blocks.refusal(error, t)


Handler = Callable[..., Awaitable[None]]


def guarded_click(deps: Deps, model: type[V], work: Callable[[V, Actor], Message]) -> Handler:
    """A listener: answer the click, then do `work` over the button's value (as `model`)
    and who clicked, off the event loop (it may wait for the write lock), `guarded`, and
    replace the message with what it answers."""

    async def handle(ack: AsyncAck, action: dict[str, Any], body: dict[str, Any]) -> None:
        await ack()
        value, actor = button_value(action, model), clicker(body)
        t = deps.texts
        answer_click(deps, body, lambda: guarded(t, value, lambda v: work(v, actor)))

    return handle


class RelocationButtons:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def confirm(self, ack: AsyncAck, action: dict[str, Any], body: dict[str, Any]) -> None:
        """Reserve, once: the key in the button makes double clicks and retries safe. The
        click is answered first; the reservation, once committed, stands even when its
        message cannot be delivered (the batch's page shows it)."""
        await ack()
        value, actor = button_value(action, ConfirmValue), clicker(body)
        answer_click(self.deps, body, lambda: self._confirm(value, actor))

    def _confirm(self, value: ConfirmValue | None, actor: Actor) -> Message:
        t, service = self.deps.texts, self.deps.service

        def work(value: ConfirmValue) -> Message:
            if value.b is None or value.n is None:  # the preview kept under its key
                done = service.confirm_assignment(value.k, actor)
                return plan_blocks.assignment_done(done, t, actor.id)
            result = service.allocate(
                value.b, value.n, value.p, actor, households=tuple(value.h), request_key=value.k
            )
            return batch_blocks.assigned(result, t, actor.id)

        return guarded(t, value, work)

    async def dismiss(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        answer_click(self.deps, body, lambda: blocks.plain(self.deps.texts("dismissed")))

    async def undo(self, ack: AsyncAck, action: dict[str, Any], body: dict[str, Any]) -> None:
        await ack()
        value, actor = button_value(action, UndoValue), clicker(body)
        answer_click(self.deps, body, lambda: self._undo(value, actor))

    def _undo(self, value: UndoValue | None, actor: Actor) -> Message:
        t, service = self.deps.texts, self.deps.service

        def work(value: UndoValue) -> Message:
            batch = service.release(value.a, actor, reason="undone in Slack")
            place = next(
                (f"{a.municipality} ({a.number})" for a in batch.allocations if a.id == value.a),
                "?",
            )
            return batch_blocks.undone(batch, place, t, actor.id)

        return guarded(t, value, work)

    async def open_batch(self, ack: AsyncAck, action: dict[str, Any], body: dict[str, Any]) -> None:
        """From an alert in the channel: the batch, shown to the one who clicked."""
        await ack()
        t, service = self.deps.texts, self.deps.service

        def work(value: BatchValue) -> Message:
            page = service.batch_page(value.b)
            return batch_blocks.batch_page(page, t, service.scope_title(page.batch.scope))

        value = button_value(action, BatchValue)
        answer_click(self.deps, body, lambda: guarded(t, value, work), replace=False)


def register(app: AsyncApp, deps: Deps) -> None:
    buttons = RelocationButtons(deps)
    app.action(batch_blocks.CONFIRM_ACTION)(buttons.confirm)
    app.action(batch_blocks.DISMISS_ACTION)(buttons.dismiss)
    app.action(re.compile(f"^{batch_blocks.UNDO_ACTION}(:|$)"))(buttons.undo)
    app.action(OPEN_BATCH_ACTION)(buttons.open_batch)
