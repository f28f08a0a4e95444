"""The chart button (pure): on a municipality's answer, and for any surface that offers a
chart (the App Home). `bot.listeners.files` posts the chart where it is clicked."""

from __future__ import annotations

import json
from typing import Any

from bot.blocks import actions_block, button
from bot.i18n import Texts

CHART_ACTION = "capacity_chart"


def chart_button(t: Texts, target: str, year: int | None = None) -> dict[str, Any]:
    """ "Legg ut graf": posts the chart of `target` (a municipality's number, a group's
    name, "norge") for `year` in the conversation, or the thread, it is clicked in."""
    return button(t.plain("chart_button"), CHART_ACTION, json.dumps({"t": target, "y": year}))


def chart_actions(t: Texts, target: str, year: int | None = None) -> dict[str, Any]:
    return actions_block([chart_button(t, target, year)], block_id="chart")
