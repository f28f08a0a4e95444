"""`/capacity Oslo, Bergen`: several names, one short answer each (pure).

A meeting asks about a few cities at once; the answer gives each its spare places now
with what was reported and reserved, in the order asked, and a button per municipality
for its whole answer (the source, IMDi's figures, the other years). A name not found
gets its "did you mean" as a single name does. At most `MAX_NAMES` are answered (Slack's
50 blocks), and the answer says so when more were asked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.age_blocks import age_text
from bot.blocks import (
    MAX_BUTTON_TEXT,
    SHOW_ACTION,
    Message,
    actions_block,
    button,
    choices_message,
    context_block,
    plain,
    section_block,
)
from bot.capacity_blocks import _headline
from bot.i18n import Texts
from capacity import errors
from capacity.models import CapacityLine
from capacity.texts import standing

MAX_NAMES = 10


@dataclass(frozen=True)
class Asked:
    """One name as asked: its answer, or the refusal it got."""

    typed: str
    line: CapacityLine | None = None
    refused: errors.CapacityError | None = None


def names_in(text: str) -> list[str]:
    """The names in `Oslo, Bergen , Trondheim`, as typed, each once."""
    return list(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))


def _line(line: CapacityLine, t: Texts, now: datetime | None, stale_days: int | None) -> str:
    headline = _headline(line, t)
    if line.spare is None:
        return headline
    held = standing.held(t, line.reserved_open, line.settled)  # settled via batches apart
    values = {"spare": t.number(line.spare), "held": held}
    shown = headline + t.text("several", "figures", values)
    report = line.spare_report  # how old the reported figure is, as the whole answer says
    if report is not None and now is not None and stale_days is not None and not line.as_of:
        shown += " " + age_text(report, t, now, stale_days)
    return shown


def _show(line: CapacityLine) -> dict[str, Any]:
    m = line.municipality
    value = json.dumps({"n": m.number, "y": line.year})
    return button(m.label[:MAX_BUTTON_TEXT], f"{SHOW_ACTION}:{m.number}", value)


def several_message(
    asked: list[Asked],
    t: Texts,
    year: int | None,
    more: int = 0,
    *,
    now: datetime | None = None,
    stale_days: int | None = None,
) -> Message:
    """Each name's short answer in the order asked (given `now`, with how old its
    reported figure is); the names not found, with their choices; a button per
    municipality found for its whole answer."""
    found = [item.line for item in asked if item.line is not None]
    blocks = []
    if found:
        lines = (_line(line, t, now, stale_days) for line in found)
        blocks.append(section_block("\n".join(lines)))
    for i, item in enumerate(asked):
        if item.refused is None:
            continue
        resolution = item.refused.facts.get("resolution")
        if resolution is not None:  # each its own choices (a block_id once a message)
            blocks.extend({**block, "block_id": f"choices-{i}"} if "block_id" in block else block
                          for block in choices_message(resolution, t, year).blocks)  # fmt: skip
        else:
            blocks.extend(plain(t("invalid", message=t.refusal(item.refused).rstrip("."))).blocks)
    notes = [t.text("several", "whole", {})] if found else []
    if more:
        notes.append(t.text("several", "too_many", {"max": MAX_NAMES, "more": more}))
    if notes:
        blocks.append(context_block("\n".join(notes)))
    if found:
        blocks.append(actions_block([_show(line) for line in found], "several"))
    text = " ".join(block["text"]["text"] for block in blocks[:2] if block["type"] == "section")
    return Message(text=text.replace("*", "")[:3000], blocks=blocks).check()
