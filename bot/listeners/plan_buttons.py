"""The buttons of plans and pages: Confirm and Undo of a plan, Confirm of a
cancellation, the pages of `vis` and `liste` (Release is `releases`), and a
"did you mean" choice that carries the original command on. Each replaces the message
it came from through `response_url`; values carry keys and ids, never the lines."""

from __future__ import annotations

import re
from typing import Any, Protocol

from slack_bolt.async_app import AsyncApp

from bot import batch_blocks, blocks, plan_blocks
from bot.blocks import Message
from bot.listeners.answers import answer
from bot.listeners.batch_buttons import guarded_click
from bot.listeners.deps import Deps
from bot.listeners.payload import BatchPageValue, KeyValue, RedoValue
from bot.parse import Relocation, parse, parse_relocation
from capacity import Actor


class AnswersRelocation(Protocol):
    """The `/relocation` command (`relocation.RelocationCommand`), which registers these
    buttons: its answer to a request, for a "did you mean" choice carried on."""

    def answer(self, request: Relocation, command: dict[str, Any]) -> Message: ...


class PlanButtons:
    def __init__(self, deps: Deps, relocation: AnswersRelocation) -> None:
        self.deps = deps
        self.relocation = relocation  # the /relocation command, for "did you mean"

    def plan_confirm(self, value: KeyValue, actor: Actor) -> Message:
        applied = self.deps.service.apply_plan(value.k, actor)
        return plan_blocks.plan_applied(applied, self.deps.texts, actor.id)

    def plan_undo(self, value: KeyValue, actor: Actor) -> Message:
        undone = self.deps.service.undo_plan(value.k, actor)
        return plan_blocks.plan_undone(undone, self.deps.texts, actor.id)

    def cancel_confirm(self, value: KeyValue, actor: Actor) -> Message:
        t = self.deps.texts
        batch, now = self.deps.service.confirm_cancel(value.k, actor)
        if not now:
            return blocks.plain(t("cancelled_already", batch=batch.name))
        status = batch_blocks.status_word(t, batch)
        return blocks.plain(t("status_changed", batch=batch.name, status=status))

    def page(self, value: BatchPageValue, actor: Actor) -> Message:
        t, service = self.deps.texts, self.deps.service
        if value.b is not None:
            page = service.batch_page(value.b, value.p)
            return batch_blocks.batch_page(page, t, service.scope_title(page.batch.scope))
        page = service.batches_page(value.y, value.p)
        titles = {b.scope: service.scope_title(b.scope) for b in page.batches}
        return batch_blocks.batches_page(page, t, titles, value.y)

    def redo(self, value: RedoValue, actor: Actor) -> Message:
        """The command the choice came from, run again with the chosen municipality."""
        if value.c == "capacity":
            return answer(parse(value.t), self.deps, actor.id, actor.name)
        request = parse_relocation(value.t)
        return self.relocation.answer(request, {"user_id": actor.id, "user_name": actor.name})


def register(app: AsyncApp, deps: Deps, relocation: AnswersRelocation) -> None:
    buttons = PlanButtons(deps, relocation)
    for action, model, work in (
        (plan_blocks.PLAN_CONFIRM_ACTION, KeyValue, buttons.plan_confirm),
        (plan_blocks.PLAN_UNDO_ACTION, KeyValue, buttons.plan_undo),
        (plan_blocks.CANCEL_CONFIRM_ACTION, KeyValue, buttons.cancel_confirm),
        (batch_blocks.BATCH_PAGE_ACTION, BatchPageValue, buttons.page),
        (blocks.REDO_ACTION, RedoValue, buttons.redo),
    ):
        app.action(re.compile(f"^{action}(:|$)"))(guarded_click(deps, model, work))
