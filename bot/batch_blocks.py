"""Block Kit builders for relocation batches (pure functions)."""

from __future__ import annotations

import json
from typing import Any

from bot.blocks import Message, actions_block, button, context_block, section_block
from bot.i18n import Texts
from capacity.models import Batch
from capacity.results import AllocationResult, BatchResult

CONFIRM_ACTION = "relocation_confirm"
DISMISS_ACTION = "relocation_dismiss"
UNDO_ACTION = "relocation_undo"
MAX_LISTED = 40


def _sizes(households: tuple[int, ...], limit: int = 30) -> str:
    """5,4,6 — or the first sizes and how many more, for a long list."""
    if len(households) <= limit:
        return ",".join(map(str, households))
    return ",".join(map(str, households[:limit])) + f",… (+{len(households) - limit})"


Block = dict[str, Any]


def _alerted(t: Texts, alerted: bool) -> list[Block]:
    return [context_block(t("channel_alerted"))] if alerted else []


def _message(blocks: list[Block]) -> Message:
    """A message whose plain-text fallback is the text of its sections."""
    text = " ".join(b["text"]["text"].replace("*", "") for b in blocks if b["type"] == "section")
    return Message(text=text or "-", blocks=blocks).check()


def status_word(t: Texts, batch: Batch) -> str:
    return t.status(batch.status.value)


def batch_created(result: BatchResult, t: Texts, scope_title: str) -> Message:
    from bot.alerts import alert_message

    b = result.batch
    households = t("households", sizes=_sizes(b.households)) if b.households else ""
    blocks: list[Block] = [
        section_block(
            t(
                "batch_created",
                batch=b.name,
                year=b.year,
                persons=t.number(b.persons),
                households=households,
                scope=scope_title,
                room=t.number(result.room),
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
    key = "assigned_already" if result.duplicate else "assigned"
    blocks: list[Block] = [
        section_block(
            t(
                key,
                persons=t.number(result.persons),
                batch=result.batch.name,
                place=result.municipality.label,
                user=user,
                remaining=t.number(result.remaining),
            )
        )
    ]
    if result.allocation is not None and result.allocation.active:
        blocks.append(
            actions_block(
                [button(t("undo"), UNDO_ACTION, json.dumps({"a": result.allocation.id}))],
                block_id="undo",
            )
        )
    blocks += _alerted(t, result.alerted)
    return _message(blocks)


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
        scope=scope_title,
    )


def batch_detail(batch: Batch, t: Texts, scope_title: str) -> Message:
    lines = [_batch_line(batch, t, scope_title)]
    for a in batch.allocations[:MAX_LISTED]:
        lines.append(
            t(
                "batch_allocation",
                place=f"{a.municipality} ({a.number})",
                persons=t.number(a.persons),
                households=f" [{_sizes(a.households)}]" if a.households else "",
                released="" if a.active else t("released"),
            )
        )
    if len(batch.allocations) > MAX_LISTED:
        lines.append(f"… +{len(batch.allocations) - MAX_LISTED} (`capacity batch show {batch.id}`)")
    return _message(_sections(lines))


def _sections(lines: list[str], limit: int = 2900) -> list[Block]:
    """Lines in as few sections as Slack's 3,000 characters per section allow."""
    sections: list[Block] = []
    chunk: list[str] = []
    for line in lines:
        line = line[:limit]
        if chunk and len("\n".join([*chunk, line])) > limit:
            sections.append(section_block("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        sections.append(section_block("\n".join(chunk)))
    return sections


def batch_list(batches: list[Batch], t: Texts, titles: dict[str, str] | None = None) -> Message:
    if not batches:
        return _message([section_block(t("no_batches"))])
    lines = [_batch_line(b, t, (titles or {}).get(b.scope, b.scope)) for b in batches[:MAX_LISTED]]
    if len(batches) > MAX_LISTED:
        lines.append(f"… +{len(batches) - MAX_LISTED} (`capacity batch list`)")
    return _message(_sections(lines))


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
