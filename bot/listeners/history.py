"""The page buttons of `/capacity historikk`: the next or previous page of a
municipality's history, replacing the message through `response_url`."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field
from slack_bolt.async_app import AsyncApp

from bot import history_blocks
from bot.listeners.answers import page_button
from bot.listeners.deps import Deps
from bot.listeners.payload import Value
from bot.parse import Request


class HistoryPageValue(Value):
    """A page of a municipality's history: its number, the page."""

    n: Annotated[str, Field(pattern=r"^[0-9]{4}$")]
    p: Annotated[int, Field(ge=1, le=10_000)] = 1


def register(app: AsyncApp, deps: Deps) -> None:
    def request(value: HistoryPageValue) -> Request:
        return Request("history", value.n, page=value.p)

    page = page_button(deps, HistoryPageValue, request)
    app.action(re.compile(f"^{history_blocks.PAGE_ACTION}(:|$)"))(page)
