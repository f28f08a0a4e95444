"""`/capacity historikk Trondheim` as Block Kit (pure): the planning year's figures
first, each import or report as one line with its figures grouped by year, each source
named once (as a numbered note under the lines that cite it), and the rest a page at a
time behind "more"."""

from __future__ import annotations

import json
from typing import Any

from bot.blocks import (
    Message,
    actions_block,
    button,
    context_block,
    plain,
    section_blocks,
)
from bot.capacity_blocks import _shown
from bot.i18n import Safe, Texts
from capacity.domain.history import Entry, History, year_of
from capacity.models import Change, Municipality

PAGE_ACTION = "capacity_history_page"
SECTION = 2900  # characters of a section's lines

Block = dict[str, Any]


def history_message(place: Municipality, found: History, t: Texts, page: int = 1) -> Message:
    """One page of a municipality's history: its entries under a heading for the
    planning year and one for the rest, the sources they cite, and the pages."""
    values = {"name": place.name_no, "number": place.number}
    if not found.entries:
        return plain(t("history_none", **values))
    page, shown = found.page(page)
    sources = found.sources(shown)
    lines = [t.text("history_page", "title", values)]
    heading = ""
    for entry in shown:
        planning = entry in found.planning
        wanted = "planning" if planning else "other"
        if wanted != heading:
            heading = wanted
            lines.append(t.text("history_page", wanted, {"year": found.planning_year}))
        lines.append(_entry(entry, t, sources, planning))
    if page == 1 and not found.planning:  # said, so that nobody looks for it further on
        year = {"year": found.planning_year}
        lines[1:1] = [t.text("history_page", key, year) for key in ("planning", "planning_none")]
    blocks = section_blocks(lines, SECTION)
    notes = [t.text("history_page", "source", {"n": i, "source": s}) for i, s in
             enumerate(sources, 1)]  # fmt: skip
    counts = {"page": page, "pages": found.pages(), "count": found.changes,
              "entries": len(found.entries)}  # fmt: skip
    notes.append(t.text("history_page", "page", counts))
    blocks.append(context_block("\n".join(notes)))
    buttons = _page_buttons(t, place, page, found.pages())
    if buttons:
        blocks.append(actions_block(buttons, f"history-{page}"))
    text = "\n".join(line.replace("*", "") for line in lines)  # the page, for notifications
    return Message(text=text[:3000], blocks=blocks).check()


def _entry(entry: Entry, t: Texts, sources: list[str], planning: bool) -> str:
    first = entry.first
    parts = []
    for year, changes in entry.by_year():
        what = ", ".join(_what(change, t) for change in changes)
        parts.append(what if planning or not year else t.text("history_page", "year", {
            "year": year, "what": Safe(what)}))  # fmt: skip
    cited = sources.index(first.source) + 1 if first.source in sources else None
    return t.text(
        "history_page",
        "entry",
        {
            "when": t.when(first.source_date, first.at),
            "who": first.actor_name or first.actor,
            "what": Safe("; ".join(parts)),
            "why": Safe(t("history_why", reason=first.reason) if first.reason else ""),
            "cited": Safe(f" [{cited}]" if cited else ""),
        },
    )


def _what(change: Change, t: Texts) -> str:
    """One record: a figure's before → after (its year said by the entry), a reservation
    or its release; anything else as its key."""
    parts = change.key.split("/")
    year = year_of(change)
    if change.entity == "figure" and len(parts) == 3:
        values = {"measure": t.measure(parts[2]), "before": _shown(change.before, t),
                  "after": _shown(change.after, t)}  # fmt: skip
        return t.text("history_page", "figure", values)
    if change.entity == "allocation" and isinstance(change.after, dict):
        persons = t.number(change.after.get("persons"))
        if change.before is None:
            batch = str(change.after.get("batch", ""))
            return t("history_reserved", persons=persons, year=year, batch=batch)
        return t("history_released", persons=persons, year=year)
    return t("history_other", key=change.key, before=str(change.before), after=str(change.after))


def _page_buttons(t: Texts, place: Municipality, page: int, pages: int) -> list[Block]:
    found = []
    for key, target in (("previous", page - 1), ("more", page + 1)):
        if 1 <= target <= pages:
            value = json.dumps({"n": place.number, "p": target})
            label = t.plain.text("history_page", key, {"count": pages - page})
            found.append(button(label, f"{PAGE_ACTION}:{target}", value))
    return found
