"""The page buttons of `/capacity historikk`: the next or previous page of a
municipality's history, replacing the message through `response_url`."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import Field
from slack_bolt.async_app import AsyncAck, AsyncApp

from bot import blocks, history_blocks
from bot.listeners.answers import answer
from bot.listeners.deps import Deps
from bot.listeners.payload import Value, answer_click, button_value, clicker
from bot.parse import Request


class HistoryPageValue(Value):
    """A page of a municipality's history: its number, the page."""

    n: Annotated[str, Field(pattern=r"^[0-9]{4}$")]
    p: Annotated[int, Field(ge=1, le=10_000)] = 1


class HistoryButtons:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def page(self, ack: AsyncAck, action: dict[str, Any], body: dict[str, Any]) -> None:
        await ack()
        value = button_value(action, HistoryPageValue)
        answer_click(self.deps, body, lambda: self._page(value, body))

    def _page(self, value: HistoryPageValue | None, body: dict[str, Any]) -> blocks.Message:
        if value is None:  # not a value of ours
            return blocks.help_message(self.deps.texts)
        who = clicker(body)
        return answer(Request("history", value.n, page=value.p), self.deps, who.id, who.name)


def register(app: AsyncApp, deps: Deps) -> None:
    app.action(re.compile(f"^{history_blocks.PAGE_ACTION}(:|$)"))(HistoryButtons(deps).page)
