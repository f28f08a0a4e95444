"""A global middleware: every request is answered in its user's own language.

It runs after the signature check and the shape check, looks the user's language up
(`Deps.texts_for`: cached, and never longer than a fraction of a second) and makes
those texts `deps.texts` for the listeners and for the work they start."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from slack_bolt import BoltResponse
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.listeners.deps import Deps


class UserLanguage(AsyncMiddleware):
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],  # noqa: A002
    ) -> BoltResponse:
        found = req.context.user_id
        user_id = found if isinstance(found, str) else ""
        known = self.deps.languages is not None and bool(user_id)
        self.deps.speak(await self.deps.texts_for(user_id) if known else None)
        return await next()
