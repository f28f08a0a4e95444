"""Buttons: a municipality picked from "did you mean" or the candidates, and pages of
the national overview. Each replaces the message it came from through `response_url`."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot import blocks
from bot.listeners.answers import answer
from bot.listeners.deps import Deps
from bot.listeners.payload import button_value, clicker, replace_message
from bot.parse import Request


def _year(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class Buttons:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def show(
        self, ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        value = button_value(action)
        request = Request("capacity", str(value.get("n", ""))[:10], year=_year(value.get("y")))
        who = clicker(body)
        message = answer(request, self.deps, who.id, who.name)
        await replace_message(body, respond, message)

    async def page(
        self, ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        value = button_value(action)
        page = value.get("p") if isinstance(value.get("p"), int) else 1
        request = Request(
            "overview", str(value.get("s", "norge"))[:40], year=_year(value.get("y")), page=page
        )
        who = clicker(body)
        message = answer(request, self.deps, who.id, who.name)
        await replace_message(body, respond, message)


def register(app: AsyncApp, deps: Deps) -> None:
    buttons = Buttons(deps)
    app.action(re.compile(f"^{blocks.SHOW_ACTION}(:|$)"))(buttons.show)
    app.action(re.compile(f"^{blocks.PAGE_ACTION}(:|$)"))(buttons.page)
