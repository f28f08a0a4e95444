"""Block Kit builders for relocation batches (pure functions)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.alerts import alert_message
from bot.blocks import (
    Message,
    actions_block,
    button,
    context_block,
    section_block,
    section_blocks,
)
from bot.i18n import Safe, Texts, escape, is_user_id, mention
from capacity.domain import households as hh
from capacity.domain.households import Unit
from capacity.domain.rules import OPEN_STATUSES
from capacity.models import Batch
from capacity.texts import standing
from capacity.usecases.results import AllocationResult, BatchPage, BatchResult, Stamp

CONFIRM_ACTION = "relocation_confirm"
DISMISS_ACTION = "relocation_dismiss"
UNDO_ACTION = "relocation_undo"
RELEASE_ACTION = "relocation_release"
BATCH_PAGE_ACTION = "relocation_page"


Block = dict[str, Any]
HOUSEHOLDS_WIDTH = 40


def households_cell(units: Sequence[Unit], width: int = HOUSEHOLDS_WIDTH) -> str:
    """5,5 — a few as typed, many counted by size (`10 × 5, 3 × 4`), cut to `width`."""
    full = hh.said(units)
    if len(full) <= width:
        return full or "–"
    return full[: width - 1].rsplit(",", 1)[0] + ",…"


def sized(units: Sequence[Unit], limit: int = 400) -> str:
    """Households for a sentence: a few as typed, many counted by size ("29 × 7, 37 × 6")."""
    return households_cell(units, limit)


def unassigned(t: Texts, batch: Batch, persons: int, units: Sequence[Unit]) -> str:
    """What of the batch is still without a place."""
    if persons <= 0:
        return t("all_assigned", batch=batch.name)
    sizes = t("plan_left_households", sizes=sized(units)) if units else ""
    return t("unassigned", persons=t.number(persons), households=sizes)


def _alerted(t: Texts, alerted: bool) -> list[Block]:
    return [context_block(t("channel_alerted"))] if alerted else []


def _message(blocks: list[Block]) -> Message:
    """A message whose plain-text fallback is the text of its sections."""
    text = " ".join(b["text"]["text"].replace("*", "") for b in blocks if b["type"] == "section")
    return Message(text=text or "-", blocks=blocks).check()


def status_word(t: Texts, batch: Batch) -> str:
    return t.status(batch.status.value)


def batch_created(result: BatchResult, t: Texts, scope_title: str) -> Message:
    b = result.batch
    households = t("households", sizes=sized(b.units, 300)) if b.units else ""
    blocks: list[Block] = [
        section_block(
            t(
                "batch_created",
                batch=b.name,
                year=b.year,
                persons=t.number(b.persons),
                households=households,
                scope=t.scope(scope_title),
                room=standing.room(t, result.room, b.year),
            )
        )
    ]
    for event in result.events:
        blocks.append(section_block(alert_message(event, t).blocks[0]["text"]["text"]))
    blocks += _alerted(t, result.alerted)
    return _message(blocks)


def preview(result: AllocationResult, t: Texts, key: str, households: tuple[int, ...]) -> Message:
    """The assignment as it would be, with Confirm (carrying a stable request key, so a
    double click reserves once) and Cancel."""
    value: dict[str, Any] = {
        "b": result.batch.id,
        "n": result.municipality.number,
        "p": result.persons,
        "h": list(households),
        "k": key,
    }
    return _message(
        [
            section_block(
                t(
                    "preview",
                    persons=t.number(result.persons),
                    batch=result.batch.name,
                    place=result.municipality.label,
                    after=t.number(result.remaining),
                )
            ),
            actions_block(
                [
                    {**button(t("confirm"), CONFIRM_ACTION, json.dumps(value)), "style": "primary"},
                    button(t("cancel_button"), DISMISS_ACTION, "{}"),
                ],
                block_id="confirm",
            ),
        ]
    )


def assigned(result: AllocationResult, t: Texts, user: str) -> Message:
    if not result.granted:
        return refused(result, t)
    blocks: list[Block] = [section_block(assigned_text(result, t, user))]
    if result.allocation is not None and result.allocation.active:
        blocks.append(
            actions_block(
                [button(t("undo"), UNDO_ACTION, json.dumps({"a": result.allocation.id}))],
                block_id="undo",
            )
        )
    blocks += _alerted(t, result.alerted)
    return _message(blocks)


def assigned_text(result: AllocationResult, t: Texts, user: str) -> str:
    """Assigned by `user`; or, for a Confirm of a preview confirmed before, that it was
    (and, when it was undone since, when and by whom, and that nothing of it is active)."""
    values = {
        "persons": t.number(result.persons),
        "batch": result.batch.name,
        "place": result.municipality.label,
        "remaining": t.number(result.remaining),
    }
    if not result.duplicate:
        return t("assigned", user=user, **values)
    allocation, undone = result.allocation, result.undone
    if allocation is None or undone is None:
        return t("assigned_already", **values)
    confirmed = Stamp(allocation.created_at, allocation.created_by)
    return t("assigned_undone", **stamps(t, confirmed, undone), **values)


def who(stamp: Stamp) -> Safe:
    """Who did it: a mention of a Slack user, else the name recorded (the CLI's)."""
    return mention(stamp.by) if is_user_id(stamp.by) else Safe(escape(stamp.by_name or stamp.by))


def stamps(t: Texts, confirmed: Stamp, undone: Stamp) -> dict[str, str]:
    return {
        "confirmed": t.date(confirmed.at),
        "confirmed_by": who(confirmed),
        "undone": t.date(undone.at),
        "undone_by": who(undone),
    }


def refused(result: AllocationResult, t: Texts) -> Message:
    return _message(
        [
            section_block(
                t(
                    "refused",
                    persons=t.number(result.persons),
                    place=result.municipality.label,
                    remaining=t.number(result.remaining),
                )
            ),
            *_alerted(t, result.alerted),
        ]
    )


def _batch_line(batch: Batch, t: Texts, scope_title: str) -> str:
    return t(
        "batch_line",
        batch=batch.name,
        year=batch.year,
        persons=t.number(batch.persons),
        allocated=t.number(batch.allocated),
        status=status_word(t, batch),
        scope=t.scope(scope_title),
    )


def undone(batch: Batch, place: str, t: Texts, user: str) -> Message:
    return _message(
        [
            section_block(
                t(
                    "undone",
                    place=place,
                    user=user,
                    batch=batch.name,
                    unallocated=t.number(batch.unallocated),
                )
            )
        ]
    )


# -- pages ----------------------------------------------------------------------------------


def _allocation_line(a: Any, t: Texts) -> str:
    units = hh.text(a.units) if a.units else ""
    return (
        t(
            "batch_allocation",
            place=f"{a.municipality} ({a.number})",
            persons=t.number(a.persons),
            households=f" [{households_cell(a.units, 200)}]" if units else "",
            released="" if a.active else t("released"),
        )
        + f"  `#{a.id}`"
    )


def _page_buttons(t: Texts, page: BatchPage, value: dict[str, Any]) -> list[Block]:
    buttons = []
    for label, target in (("previous", page.page - 1), ("next", page.page + 1)):
        if 1 <= target <= page.pages:
            found = json.dumps({**value, "p": target})
            buttons.append(button(t(label), f"{BATCH_PAGE_ACTION}:{target}", found))
    return [actions_block(buttons, f"pages-{page.page}")] if buttons else []


def batch_page(page: BatchPage, t: Texts, scope_title: str, notice: str = "") -> Message:
    """A batch, what of it is unassigned, and a page of its assignments, each active one
    with a Release button while the batch is open."""
    b = page.batch
    assert b is not None
    blocks: list[Block] = [section_block(notice)] if notice else []
    blocks.append(section_block(_batch_line(b, t, scope_title)))
    blocks.append(context_block(unassigned(t, b, b.unallocated, b.unplaced_units)))
    for a in page.allocations:
        block = section_block(_allocation_line(a, t))
        if a.active and b.status in OPEN_STATUSES:
            value = json.dumps({"a": a.id, "b": b.id, "p": page.page})
            block["accessory"] = button(t("release_button"), f"{RELEASE_ACTION}:{a.id}", value)
        blocks.append(block)
    if page.total:
        counts = dict(total=page.total, active=page.active, municipalities=page.municipalities)
        blocks.append(context_block(t("batch_page", page=page.page, pages=page.pages, **counts)))
    blocks += _page_buttons(t, page, {"b": b.id})
    return _message(blocks)


def batches_page(
    page: BatchPage, t: Texts, titles: dict[str, str], year: int | None = None
) -> Message:
    if not page.batches:
        return _message([section_block(t("no_batches"))])
    lines = [_batch_line(b, t, titles.get(b.scope, b.scope)) for b in page.batches]
    blocks = section_blocks(lines)
    blocks.append(
        context_block(t("batches_page", page=page.page, pages=page.pages, count=page.total))
    )
    blocks += _page_buttons(t, page, {"y": year} if year else {})
    return _message(blocks)
