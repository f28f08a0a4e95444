"""The page buttons of `/capacity tempo` for a scope: the next or previous page of its
municipalities furthest behind, replacing the message through `response_url`."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot import blocks, pace_blocks
from bot.listeners.answers import answer
from bot.listeners.deps import Deps
from bot.listeners.payload import PageValue, answer_click, button_value, clicker
from bot.parse import Request


class PaceButtons:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def page(self, ack: AsyncAck, action: dict[str, Any], body: dict[str, Any]) -> None:
        await ack()
        value = button_value(action, PageValue)
        answer_click(self.deps, body, lambda: self._page(value, body))

    def _page(self, value: PageValue | None, body: dict[str, Any]) -> blocks.Message:
        if value is None:  # not a value of ours
            return blocks.help_message(self.deps.texts)
        who = clicker(body)
        request = Request("pace", value.s, year=value.y, page=value.p)
        return answer(request, self.deps, who.id, who.name)


def register(app: AsyncApp, deps: Deps) -> None:
    app.action(re.compile(f"^{pace_blocks.PAGE_ACTION}(:|$)"))(PaceButtons(deps).page)
