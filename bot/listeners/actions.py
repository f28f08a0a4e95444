"""Buttons of `/capacity` answers: a municipality picked from "did you mean" or the
candidates, pages of the national overview, and "save anyway" on a report below the
reservations. Each replaces the message it came from through `response_url`."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot import blocks
from bot import capacity_blocks as render
from bot.listeners.answers import answer, report
from bot.listeners.deps import Deps
from bot.listeners.payload import (
    PageValue,
    ReportValue,
    ShowValue,
    answer_click,
    button_value,
    clicker,
)
from bot.parse import Request
from capacity import errors


class Buttons:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def _answer(self, request: Request | None, body: dict[str, Any]) -> blocks.Message:
        if request is None:  # not a value of ours
            return blocks.help_message(self.deps.texts)
        who = clicker(body)
        return answer(request, self.deps, who.id, who.name)

    async def show(self, ack: AsyncAck, action: dict[str, Any], body: dict[str, Any]) -> None:
        await ack()
        value = button_value(action, ShowValue)
        request = value and Request("capacity", value.n, year=value.y)
        answer_click(self.deps, body, lambda: self._answer(request, body))

    async def page(self, ack: AsyncAck, action: dict[str, Any], body: dict[str, Any]) -> None:
        await ack()
        value = button_value(action, PageValue)
        request = value and Request("overview", value.s, year=value.y, page=value.p)
        answer_click(self.deps, body, lambda: self._answer(request, body))

    async def report_anyway(
        self, ack: AsyncAck, action: dict[str, Any], body: dict[str, Any]
    ) -> None:
        await ack()
        value = button_value(action, ReportValue)
        answer_click(self.deps, body, lambda: self._report_anyway(value, body))

    def _report_anyway(self, value: ReportValue | None, body: dict[str, Any]) -> blocks.Message:
        if value is None:
            return blocks.help_message(self.deps.texts)
        request = Request("report", value.n, year=value.y, value=value.v, reason=value.r)
        who = clicker(body)
        try:
            return report(self.deps, request, who.id, who.name, force=True)
        except errors.CapacityError as error:
            return blocks.refusal(error, self.deps.texts, value.y)


def register(app: AsyncApp, deps: Deps) -> None:
    buttons = Buttons(deps)
    app.action(re.compile(f"^{blocks.SHOW_ACTION}(:|$)"))(buttons.show)
    app.action(re.compile(f"^{render.PAGE_ACTION}(:|$)"))(buttons.page)
    app.action(render.REPORT_ANYWAY_ACTION)(buttons.report_anyway)
