"""Buttons: a municipality picked from "did you mean" or the candidates, and pages of
the national overview. Each replaces the message it came from through `response_url`."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot import blocks
from bot.listeners.answers import answer
from bot.listeners.deps import Deps
from bot.listeners.payload import PageValue, ShowValue, button_value, clicker, replace_message
from bot.parse import Request


class Buttons:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def _answer(self, request: Request | None, body: dict[str, Any]) -> blocks.Message:
        if request is None:  # not a value of ours
            return blocks.help_message(self.deps.texts)
        who = clicker(body)
        return answer(request, self.deps, who.id, who.name)

    async def show(
        self, ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        value = button_value(action, ShowValue)
        request = value and Request("capacity", value.n, year=value.y)
        await replace_message(body, respond, self._answer(request, body))

    async def page(
        self, ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        value = button_value(action, PageValue)
        request = value and Request("overview", value.s, year=value.y, page=value.p)
        await replace_message(body, respond, self._answer(request, body))


def register(app: AsyncApp, deps: Deps) -> None:
    buttons = Buttons(deps)
    app.action(re.compile(f"^{blocks.SHOW_ACTION}(:|$)"))(buttons.show)
    app.action(re.compile(f"^{blocks.PAGE_ACTION}(:|$)"))(buttons.page)
