"""Reading interaction payloads and answering them, shared by every button listener."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt.async_app import AsyncRespond

from bot.blocks import Message
from bot.listeners.deps import actor_from
from capacity import Actor

log = logging.getLogger("bot")


def json_object(text: str | None) -> dict[str, Any]:
    """A JSON object from text we put in a payload; {} when it is not one (never raises)."""
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def button_value(action: dict[str, Any]) -> dict[str, Any]:
    return json_object(action.get("value"))


def clicker(body: dict[str, Any]) -> Actor:
    user = body.get("user") or {}
    return actor_from(user.get("id", ""), user.get("username") or user.get("name", ""))


async def replace_message(body: dict[str, Any], respond: AsyncRespond, message: Message) -> None:
    """Replace the message the button was on. Our buttons live only on messages sent
    as answers, which come with a response_url; without one there is nothing to replace."""
    if body.get("response_url"):
        await respond(replace_original=True, text=message.text, blocks=message.blocks)
    else:
        log.info("Button click without response_url ignored")
