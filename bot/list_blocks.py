"""The "whole list as a CSV file" button (pure), under the country's overview: a Slack
user gets every municipality with figures in Slack, never a command-line hint.
`bot.listeners.list_file` posts the file where the button is clicked."""

from __future__ import annotations

import json
from typing import Any

from bot.blocks import button
from bot.i18n import Texts
from capacity.texts import standing

LIST_ACTION = "capacity_list_csv"


def list_button(t: Texts, scope: str, year: int) -> dict[str, Any]:
    """Posts the overview of `scope` (the country) for `year`, every municipality with a
    figure, as a CSV file in the conversation, or the thread, it is clicked in."""
    label = standing.text(t.plain, "list_button")
    return button(label, LIST_ACTION, json.dumps({"s": scope, "y": year}))
