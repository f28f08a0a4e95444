"""Block Kit for `/capacity tempo` (pure): a municipality's pace through the year, or a
scope's with its municipalities furthest behind, by persons and by share, a page at a
time. The sentences are the core's (`capacity.texts.pace`), as the CLI prints them; the
projection is always shown with its method, and labelled as a projection."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from bot.blocks import (
    Message,
    actions_block,
    button,
    context_block,
    header_block,
    section_block,
)
from bot.i18n import Texts
from capacity.domain.pace_scope import MunicipalityPace, ScopePace, Standing
from capacity.texts import pace as said

PAGE_SIZE = 10
PAGE_ACTION = "pace_page"


def pace_message(answer: MunicipalityPace | ScopePace, t: Texts, page: int = 1) -> Message:
    if isinstance(answer, ScopePace):
        return scope_message(answer, t, page)
    return municipality_message(answer, t)


def _blocks(text: said.Said) -> list[dict[str, Any]]:
    blocks = [header_block(text.title[:150]), section_block("\n".join(text.lines)[:3000])]
    if text.projection:
        first, *method = text.projection
        blocks.append(section_block(first))
        if method:
            blocks.append(context_block("\n".join(method)))
    return blocks


def _fallback(text: said.Said) -> str:
    return (text.title + ": " + " ".join(text.lines)).replace("*", "")[:3000]


def municipality_message(answer: MunicipalityPace, t: Texts) -> Message:
    text = said.municipality(t, answer)
    blocks = _blocks(text)
    if text.notes:
        blocks.append(context_block("\n".join(text.notes)))
    return Message(text=_fallback(text), blocks=blocks).check()


def scope_message(answer: ScopePace, t: Texts, page: int = 1) -> Message:
    """The scope's sum, then its municipalities furthest behind in persons and as a share
    of the decision (a page of each), those counted apart, and page buttons."""
    text = said.scope(t, answer)
    blocks = _blocks(text)
    standings = answer.standings
    pages = max(1, math.ceil(len(standings) / PAGE_SIZE))
    page = min(max(1, page), pages)
    first = (page - 1) * PAGE_SIZE
    if standings:
        persons = answer.by_persons[first : first + PAGE_SIZE]
        share = answer.by_share[first : first + PAGE_SIZE]
        blocks.append(section_block(f"*{said.say(t, 'by_persons')}*\n" + _table(persons, t)))
        blocks.append(section_block(f"*{said.say(t, 'by_share')}*\n" + _table(share, t)))
    notes = list(text.notes)
    if pages > 1:
        notes.insert(
            0,
            said.say(
                t,
                "page",
                page=page,
                pages=pages,
                first=first + 1,
                last=first + len(answer.by_persons[first : first + PAGE_SIZE]),
                count=len(standings),
            ),  # fmt: skip
        )
    if notes:
        blocks.append(context_block("\n".join(notes)[:3000]))
    if pages > 1:
        buttons = []
        if page > 1:
            buttons.append(_page_button(t.plain("previous"), answer, page - 1))
        if page < pages:
            buttons.append(_page_button(t.plain("next"), answer, page + 1))
        blocks.append(actions_block(buttons, f"pace-pages-{page}"))
    return Message(text=_fallback(text), blocks=blocks).check()


def _table(standings: Sequence[Standing], t: Texts) -> str:
    """A monospaced table: municipality, settled, decision, line, ± the line, share."""
    return "```\n" + "\n".join(said.table(t, standings)) + "\n```"


def scope_text(answer: ScopePace) -> str:
    """How the scope is asked for again (a page button): `norge`, the group, `fylke 46`."""
    return answer.scope.replace(":", " ")


def _page_button(label: str, answer: ScopePace, page: int) -> dict[str, Any]:
    value = json.dumps({"s": scope_text(answer), "y": answer.year, "p": page})
    return button(label, f"{PAGE_ACTION}:{page}", value)
