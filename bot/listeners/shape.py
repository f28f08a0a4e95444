"""A global middleware that refuses request bodies of the wrong shape with a 400.

Bolt's listener matchers index into the payload (`actions[0]["action_id"]`, …) and turn
a body of the wrong shape into a 500; Slack never sends such bodies, so whoever did gets
a clear 400 before any listener runs. It runs after Bolt's signature check.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest


def problem(body: Any) -> str | None:
    """What is wrong with a body's shape, or None when Bolt can match it safely."""
    if not isinstance(body, dict):
        return "body is not an object"
    kind = body.get("type")
    if "command" in body:
        if not isinstance(body.get("command"), str) or not isinstance(body.get("text", ""), str):
            return "command and text must be strings"
        return None
    if kind == "block_actions":
        actions = body.get("actions")
        if not isinstance(actions, list) or not actions:
            return "actions must be a non-empty list"
        for action in actions:
            if not isinstance(action, dict) or not isinstance(action.get("action_id"), str):
                return "each action needs a string action_id"
            if not isinstance(action.get("block_id", ""), str):
                return "block_id must be a string"
    if kind in ("view_submission", "view_closed"):
        view = body.get("view")
        if not isinstance(view, dict) or not isinstance(view.get("callback_id", ""), str):
            return "view must be an object with a string callback_id"
    for key in ("user", "team", "channel", "container"):
        if key in body and body[key] is not None and not isinstance(body[key], dict):
            return f"{key} must be an object"
    return None


class RejectMalformed(AsyncMiddleware):
    """(A subclass rather than a function: Bolt runs it without argument injection.)"""

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],  # noqa: A002
    ) -> BoltResponse:
        found = problem(req.body)
        if found:
            return BoltResponse(status=400, body=f"Malformed request: {found}")
        return await next()
