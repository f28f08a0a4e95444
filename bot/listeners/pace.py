"""The page buttons of `/capacity tempo` for a scope: the next or previous page of its
municipalities furthest behind, replacing the message through `response_url`."""

from __future__ import annotations

import re

from slack_bolt.async_app import AsyncApp

from bot import pace_blocks
from bot.listeners.answers import page_button
from bot.listeners.deps import Deps
from bot.listeners.payload import PageValue
from bot.parse import Request


def register(app: AsyncApp, deps: Deps) -> None:
    def request(value: PageValue) -> Request:
        return Request("pace", value.s, year=value.y, page=value.p)

    page = page_button(deps, PageValue, request)
    app.action(re.compile(f"^{pace_blocks.PAGE_ACTION}(:|$)"))(page)
