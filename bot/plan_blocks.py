"""Block Kit for plans and assignment previews (pure functions): which households go
where as a table in code blocks (as many sections as Slack's 3,000 characters each
need: the 2022 decisions' 356 municipalities fit in one message), why the plan is fair,
what is missing, what of the batch is still unassigned, and the buttons, whose values
carry only a preview's key."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot import plan_notes_blocks as notes
from bot.batch_blocks import (
    CONFIRM_ACTION,
    DISMISS_ACTION,
    UNDO_ACTION,
    assigned_text,
    households_cell,
    refused,
    sized,
    stamps,
    unassigned,
)
from bot.blocks import (
    MAX_BUTTONS,
    Message,
    actions_block,
    button,
    context_block,
    header_block,
    section_block,
)
from bot.i18n import Texts, escape
from bot.plan_notes_blocks import percent
from capacity.models import Room
from capacity.texts import standing
from capacity.usecases.results import (
    AssignmentDone,
    AssignmentPreview,
    CancelPreview,
    PlanApplied,
    PlanLine,
    PlanResult,
    PlanUndone,
    Stamp,
)

PLAN_CONFIRM_ACTION = "relocation_plan_confirm"
PLAN_UNDO_ACTION = "relocation_plan_undo"
CANCEL_CONFIRM_ACTION = "relocation_cancel_confirm"
SECTION = 2900  # characters of a table section, code fences included
ROOMS_LISTED = 40

Block = dict[str, Any]


def table(lines: Sequence[PlanLine], t: Texts, *, share: bool = True) -> list[Block]:
    """The lines as monospace rows, in as few code-block sections as Slack allows."""
    width = max([len(t("col_municipality"))] + [len(ln.municipality.name_no) for ln in lines])
    head = f"{t('col_municipality'):<{width}} {t('col_persons'):>5} {t('col_room'):>15}"
    head += f" {t('col_share'):>7}" if share else ""
    rows = [head + f"  {t('col_households')}"]
    for ln in lines:
        room = f"{t.number(ln.room)}→{t.number(ln.room_after)}"
        row = f"{escape(ln.municipality.name_no):<{width}} {t.number(ln.persons):>5} {room:>15}"
        row += f" {percent(t, ln.share):>7}" if share else ""
        rows.append(row + f"  {households_cell(ln.units)}")
    sections, chunk = [], [rows[0]]
    for row in rows[1:]:
        if len("\n".join([*chunk, row])) + 8 > SECTION:
            sections.append(section_block("```\n" + "\n".join(chunk) + "\n```"))
            chunk = [rows[0]]
        chunk.append(row)
    sections.append(section_block("```\n" + "\n".join(chunk) + "\n```"))
    return sections


def _message(blocks: list[Block]) -> Message:
    text_ = " ".join(
        b["text"]["text"].replace("*", "")
        for b in blocks
        if b["type"] in ("section", "header") and not b["text"]["text"].startswith("```")
    )
    return Message(text=text_[:3000] or "-", blocks=blocks).check()


def _key_button(label: str, action: str, key: str, primary: bool = False) -> Block:
    found = button(label, action, json.dumps({"k": key}))
    return {**found, "style": "primary"} if primary else found


# -- plans ----------------------------------------------------------------------------------


def plan_preview(result: PlanResult, t: Texts, scope_title: str) -> Message:
    """The summary (persons placed, municipalities used, the range of shares, who got
    the most), the first rows (all of them in a CSV file behind a button), why it is
    fair, who got nobody and why, what is missing; Confirm carries the preview's key."""
    b = result.batch
    summary = t(
        "plan_summary",
        placed=t.number(result.placed),
        persons=t.number(result.persons),
        count=len(result.lines),
        scope=t.scope(scope_title),
        room=t.number(result.room),
        municipalities=result.municipalities,
    )
    found = notes.plan_notes(result) if result.lines else None
    if found is not None:
        summary += " " + notes.shares_line(found, t)
    blocks: list[Block] = [
        header_block(t.plain("plan_title", batch=b.name, year=b.year)[:150]),
        section_block(summary),
    ]
    if found is not None:
        blocks += table(notes.first_rows(result.lines), t)
        blocks += notes.rows_note(result.lines, t)
        highest = result.fairest
        assert highest is not None
        fair = "plan_fair" if result.optimal else "plan_unproven"
        fairness = [t(fair, share=percent(t, highest.share), place=highest.municipality.name_no)]
        if result.scores:
            fairness.append(t("plan_scores", source=result.scores))
        blocks.append(context_block("\n".join(fairness)))
        why = notes.why_lines(found, t, households=bool(b.units))
        if why:  # who got nobody, and a single person where one went: why
            blocks.append(section_block("\n".join(why)[:3000]))
    if result.missing is not None:
        blocks.append(section_block(_missing(result, t)))
    left = result.persons - result.placed
    blocks.append(context_block(unassigned(t, b, left, result.left)))
    if result.key:
        blocks.append(
            actions_block(
                [
                    _key_button(t("plan_confirm"), PLAN_CONFIRM_ACTION, result.key, primary=True),
                    button(t("cancel_button"), DISMISS_ACTION, "{}"),
                    *notes.file_button(t, result.key, result.lines),
                ],
                block_id="plan",
            )
        )
    return _message(blocks)


def _missing(result: PlanResult, t: Texts) -> str:
    missing = result.missing
    assert missing is not None
    units = [u for u in missing.units if result.batch.units]
    sizes = t("plan_left_households", sizes=sized(units)) if units else ""
    parts = [t("plan_missing", persons=t.number(missing.persons), households=sizes)]
    if missing.room_short:
        parts.append(t("plan_room_short", short=t.number(missing.room_short)))
    for size in sorted({too.size for too in missing.too_large}, reverse=True)[:5]:
        largest = missing.too_large[0].largest_room
        parts.append(t("plan_too_large", size=size, largest=t.number(largest)))
    return " ".join(parts)


def plan_applied(result: PlanApplied, t: Texts, user: str) -> Message:
    """Placed by `user`; or, confirmed before, as it stands now: the lines still active
    (and when and by whom it was undone, when any was)."""
    b, active = result.batch, result.active
    if result.confirmed is not None and any(result.undone):
        title = since(t, "plan_applied", b.name, result.confirmed, result.undone)
    else:
        key = "plan_applied_already" if result.duplicate else "plan_applied"
        placed = t.number(result.placed)
        title = t(key, user=user, placed=placed, batch=b.name, count=len(result.lines))
    blocks: list[Block] = [
        section_block(title),
        *(table(notes.first_rows(active), t) if active else []),
        *notes.rows_note(active, t),
        context_block(unassigned(t, b, b.unallocated, b.unplaced_units)),
    ]
    if result.alerted:
        blocks.append(context_block(t("channel_alerted")))
    if active:
        undo = _key_button(t("plan_undo"), PLAN_UNDO_ACTION, result.key)
        blocks.append(actions_block([undo, *notes.file_button(t, result.key, active)], "plan_undo"))
    return _message(blocks)


def since(t: Texts, kind: str, batch: str, confirmed: Stamp, undone: Sequence[Stamp | None]) -> str:
    """A Confirm of lines confirmed before, some or all of them undone since: when and by
    whom (the last undo), and how many (`{kind}_undone`: all; `{kind}_partly`: some)."""
    gone = [stamp for stamp in undone if stamp is not None]
    last = max(gone, key=lambda stamp: stamp.at)
    key = f"{kind}_undone" if len(gone) == len(undone) else f"{kind}_partly"
    return t(key, batch=batch, count=len(undone), released=len(gone), **stamps(t, confirmed, last))


def plan_undone(result: PlanUndone, t: Texts, user: str) -> Message:
    b = result.batch
    return _message(
        [
            section_block(
                t(
                    "plan_undone",
                    user=user,
                    count=result.released,
                    persons=t.number(result.persons),
                    batch=b.name,
                    unallocated=t.number(b.unallocated),
                )
            )
        ]
    )


# -- assignments ----------------------------------------------------------------------------


def assignment_preview(preview: AssignmentPreview, t: Texts) -> Message:
    """One municipality: the sentence with the room left after; several: a table. With
    the households that go where, and what of the batch is left; Confirm carries the key."""
    if preview.refused is not None:
        return refused(preview.refused, t)
    b = preview.batch
    if len(preview.lines) == 1:
        line = preview.lines[0]
        blocks = [
            section_block(
                t(
                    "preview",
                    persons=t.number(line.persons),
                    batch=b.name,
                    place=line.municipality.label,
                    after=t.number(line.room_after),
                )
            )
        ]
        if line.units:
            blocks.append(section_block(t("households_line", sizes=sized(line.units))))
    else:
        blocks = [section_block(t("assign_title", batch=b.name, year=b.year))]
        blocks += table(preview.lines, t, share=False)
    notes = [t("picked")] if preview.picked else []
    notes.append(unassigned(t, b, preview.unassigned, preview.left))
    blocks.append(context_block("\n".join(notes)))
    assert preview.key is not None
    blocks.append(
        actions_block(
            [
                _key_button(t("confirm"), CONFIRM_ACTION, preview.key, primary=True),
                button(t("cancel_button"), DISMISS_ACTION, "{}"),
            ],
            block_id="confirm",
        )
    )
    return _message(blocks)


def assignment_done(done: AssignmentDone, t: Texts, user: str) -> Message:
    """Granted: who placed what where, with Undo per municipality; else what no longer
    fits, and that nothing was reserved."""
    if not done.granted:
        blocks = [b for r in done.results if not r.granted for b in refused(r, t).blocks]
        return _message(blocks[:40])
    b, results = done.batch, done.results
    if len(results) == 1:
        r = results[0]
        blocks = [section_block(assigned_text(r, t, user))]
        units = r.allocation.units if r.allocation else ()
        if units:
            blocks.append(section_block(t("households_line", sizes=sized(units))))
    else:
        first = results[0].allocation
        if done.duplicate and first is not None and any(r.undone for r in results):
            confirmed = Stamp(first.created_at, first.created_by)
            undone = [r.undone for r in results]
            blocks = [section_block(since(t, "assigned_many", b.name, confirmed, undone))]
        else:
            key = "assigned_many_already" if done.duplicate else "assigned_many"
            blocks = [section_block(t(key, user=user, batch=b.name))]
        lines = [
            PlanLine(
                r.municipality,
                r.allocation.units if r.allocation else (),
                r.persons,
                r.remaining + r.persons,
            )
            for r in results
            if r.undone is None
        ]
        blocks += table(lines, t, share=False) if lines else []
    blocks.append(context_block(unassigned(t, b, b.unallocated, b.unplaced_units)))
    if any(r.alerted for r in results):
        blocks.append(context_block(t("channel_alerted")))
    undo = [
        button(
            f"{t('undo')} {r.municipality.name_no}"[:75] if len(results) > 1 else t("undo"),
            f"{UNDO_ACTION}:{r.allocation.id}" if len(results) > 1 else UNDO_ACTION,
            json.dumps({"a": r.allocation.id}),
        )
        for r in results
        if r.allocation is not None and r.allocation.active
    ][:MAX_BUTTONS]
    if undo:
        blocks.append(actions_block(undo, block_id="undo"))
    return _message(blocks)


def cancel_preview(preview: CancelPreview, t: Texts) -> Message:
    b = preview.batch
    return _message(
        [
            section_block(
                t(
                    "cancel_preview",
                    batch=b.name,
                    year=b.year,
                    persons=t.number(preview.persons),
                    municipalities=preview.municipalities,
                    assignments=preview.assignments,
                )
            ),
            actions_block(
                [
                    {
                        **_key_button(t("cancel_confirm"), CANCEL_CONFIRM_ACTION, preview.key),
                        "style": "danger",
                    },
                    button(t("keep_batch"), DISMISS_ACTION, "{}"),
                ],
                block_id="cancel",
            ),
        ]
    )


# -- room for a household -------------------------------------------------------------------


def room_message(
    year: int, persons: int, rooms: list[Room], t: Texts, *, reported: bool = True
) -> Message:
    """Where a household of `persons` fits, most room first (`reported`: whether any
    spare places are reported for the year at all)."""
    size = t.number(persons)  # 1 000, as the language writes it
    if not rooms:
        none = t("room_none", size=size, year=year)
        if not reported:
            none = standing.text(t, "room_none_reported", size=size, year=year)
        return Message(
            text=none,
            blocks=[section_block(none)],
        ).check()
    width = max([len(t("col_municipality"))] + [len(r.name) for r in rooms[:ROOMS_LISTED]])
    rows = [f"{t('col_municipality'):<{width}} {t('col_remaining'):>6}"]
    rows += [f"{escape(r.name):<{width}} {t.number(r.remaining):>6}" for r in rooms[:ROOMS_LISTED]]
    blocks = [
        header_block(t.plain("room_title", size=t.plain.number(persons), year=year)),
        section_block(t("room_intro", count=t.number(len(rooms)), size=size, year=year)),
        section_block("```\n" + "\n".join(rows) + "\n```"),
    ]
    if len(rooms) > ROOMS_LISTED:
        blocks.append(context_block(t("room_more", count=len(rooms) - ROOMS_LISTED)))
    return _message(blocks)
