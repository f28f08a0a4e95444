"""Buttons: a municipality picked from "did you mean" or the candidates, and pages of
the national overview. Each replaces the message it came from through `response_url`."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from slack_bolt import Ack, App, Respond

from bot import blocks
from bot.listeners.answers import answer
from bot.listeners.deps import Deps
from bot.parse import Request

log = logging.getLogger("bot")


def _value(action: dict[str, Any]) -> dict[str, Any]:
    try:
        value = json.loads(action.get("value") or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _year(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _replace(body: dict[str, Any], respond: Respond, message: blocks.Message) -> None:
    """Replace the message the button was on. Buttons live only on messages we sent as
    answers, which always come with a response_url; without one there is nothing to
    replace."""
    if body.get("response_url"):
        respond(replace_original=True, text=message.text, blocks=message.blocks)
    else:
        log.info("Button click without response_url ignored")


class Buttons:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def show(
        self, ack: Ack, action: dict[str, Any], body: dict[str, Any], respond: Respond
    ) -> None:
        ack()
        value = _value(action)
        request = Request("capacity", str(value.get("n", ""))[:10], year=_year(value.get("y")))
        user = body.get("user", {})
        message = answer(request, self.deps, user.get("id", ""), user.get("name", ""))
        _replace(body, respond, message)

    def page(
        self, ack: Ack, action: dict[str, Any], body: dict[str, Any], respond: Respond
    ) -> None:
        ack()
        value = _value(action)
        page = value.get("p") if isinstance(value.get("p"), int) else 1
        request = Request(
            "overview", str(value.get("s", "norge"))[:40], year=_year(value.get("y")), page=page
        )
        user = body.get("user", {})
        message = answer(request, self.deps, user.get("id", ""), user.get("name", ""))
        _replace(body, respond, message)


def register(app: App, deps: Deps) -> None:
    buttons = Buttons(deps)
    app.action(re.compile(f"^{blocks.SHOW_ACTION}(:|$)"))(buttons.show)
    app.action(re.compile(f"^{blocks.PAGE_ACTION}(:|$)"))(buttons.page)
