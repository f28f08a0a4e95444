"""Releasing an assignment asks first: Release on a batch's page (or `/relocation frigi
12`) shows what would be released, Confirm releases it and offers Undo, Undo reserves
the same households there again. Each answer replaces the message it came from."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field
from slack_bolt.async_app import AsyncApp

from bot import batch_blocks, blocks, release_blocks
from bot.blocks import Message
from bot.listeners.batch_buttons import guarded_click
from bot.listeners.deps import Deps
from bot.listeners.payload import Id, Key, ReleaseValue, Value
from capacity import Actor

Page = Annotated[int, Field(ge=1, le=100_000)]


class ReleaseKeyValue(Value):
    """Confirm or undo a release by its preview's key; from a batch's page, that page."""

    k: Key
    b: Id | None = None
    p: Page | None = None


class Releases:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def ask(self, value: ReleaseValue, actor: Actor) -> Message:
        """Release on a batch's page: the question, with Cancel back to the page."""
        found = self.deps.service.preview_release(value.a, actor)
        return release_blocks.release_preview(found, self.deps.texts, page=value.p)

    def confirm(self, value: ReleaseKeyValue, actor: Actor) -> Message:
        t, service = self.deps.texts, self.deps.service
        done = service.confirm_release(value.k, actor)
        message = release_blocks.release_done(done, t, actor.id)
        if value.p is None:
            return message
        page = service.batch_page(done.batch.id, value.p)  # the page, as it is now
        shown = batch_blocks.batch_page(page, t, service.scope_title(done.batch.scope))
        return Message(text=message.text, blocks=[*message.blocks, *shown.blocks]).check()

    def undo(self, value: ReleaseKeyValue, actor: Actor) -> Message:
        result = self.deps.service.undo_release(value.k, actor)
        return release_blocks.release_undone(result, self.deps.texts, actor.id)

    def cancel(self, value: Value, actor: Actor) -> Message:
        return blocks.plain(self.deps.texts.text("release", "cancelled", {}))


def register(app: AsyncApp, deps: Deps) -> None:
    found = Releases(deps)
    for action, model, work in (
        (batch_blocks.RELEASE_ACTION, ReleaseValue, found.ask),
        (release_blocks.CONFIRM_ACTION, ReleaseKeyValue, found.confirm),
        (release_blocks.UNDO_ACTION, ReleaseKeyValue, found.undo),
        (release_blocks.CANCEL_ACTION, Value, found.cancel),
    ):
        app.action(re.compile(f"^{action}(:|$)"))(guarded_click(deps, model, work))
