"""Block Kit for releasing an assignment (pure): the question first (how many persons,
which households, where the places go back to), with Release and Cancel; then what was
released, by whom, with an Undo; and the Undo's answer. A release is never announced as
"Undone:" (that is an assignment's own Undo)."""

from __future__ import annotations

import json
from typing import Any

from bot.batch_blocks import BATCH_PAGE_ACTION, assigned, sized, who
from bot.blocks import Message, actions_block, button, section_block
from bot.i18n import Texts
from capacity.domain.households import Unit
from capacity.usecases.releases import ReleaseDone, ReleasePreview
from capacity.usecases.results import AllocationResult

CONFIRM_ACTION = "relocation_release_confirm"
UNDO_ACTION = "relocation_release_undo"
CANCEL_ACTION = "relocation_release_cancel"

Block = dict[str, Any]


def _households(t: Texts, units: tuple[Unit, ...]) -> str:
    return t.text("release", "households", {"sizes": sized(units)}) if units else ""


def _message(blocks: list[Block]) -> Message:
    text = " ".join(b["text"]["text"].replace("*", "") for b in blocks if b["type"] == "section")
    return Message(text=text[:3000] or "-", blocks=blocks).check()


def release_preview(found: ReleasePreview, t: Texts, page: int | None = None) -> Message:
    """Release this assignment? With the persons, the households and the room after; on
    a batch's page (`page`), Cancel shows the page again."""
    a, b = found.allocation, found.batch
    values = {"id": a.id, "persons": t.number(a.persons), "batch": b.name,
              "place": found.place.name_no}  # fmt: skip
    if found.key is None:  # released before: when, by whom
        stamp = found.released
        when = t.date(stamp.at) if stamp else ""
        by = who(stamp) if stamp else ""
        return _message([section_block(t.text("release", "already", {**values, "when": when,
                                                                      "who": by}))])  # fmt: skip
    question = t.text(
        "release",
        "preview",
        {
            **values,
            "households": _households(t, a.units),
            "after": t.number(found.room_after),
            "unallocated": t.number(b.unallocated + a.persons),
        },
    )
    confirm = json.dumps({"k": found.key, "b": b.id, "p": page} if page else {"k": found.key})
    if page:
        back = button(t.plain.text("release", "cancel", {}), f"{BATCH_PAGE_ACTION}:{page}",
                      json.dumps({"b": b.id, "p": page}))  # fmt: skip
    else:
        back = button(t.plain.text("release", "cancel", {}), CANCEL_ACTION, "{}")
    buttons = [
        {
            **button(t.plain.text("release", "confirm", {}), CONFIRM_ACTION, confirm),
            "style": "danger",
        },  # fmt: skip
        back,
    ]
    return _message([section_block(question), actions_block(buttons, "release")])


def release_done(done: ReleaseDone, t: Texts, user: str) -> Message:
    """Released by `user`, with Undo; or, confirmed before, when and by whom."""
    a, b = done.allocation, done.batch
    values = {"id": a.id, "persons": t.number(a.persons), "batch": b.name,
              "place": done.place.name_no}  # fmt: skip
    if done.duplicate:
        stamp = done.released
        when, by = (t.date(stamp.at), who(stamp)) if stamp else ("", "")
        text = t.text("release", "already", {**values, "when": when, "who": by})
        return _message([section_block(text)])
    text = t.text(
        "release",
        "done",
        {
            **values,
            "user": user,
            "households": _households(t, a.units),
            "remaining": t.number(done.remaining),
            "unallocated": t.number(b.unallocated),
        },
    )
    undo = button(t.plain.text("release", "undo", {}), UNDO_ACTION, json.dumps({"k": done.key}))
    return _message([section_block(text), actions_block([undo], "release_undo")])


def release_undone(result: AllocationResult, t: Texts, user: str) -> Message:
    """The released households reserved again (with the assignment's own Undo), or why
    they no longer fit, with the numbers."""
    if not result.granted or result.allocation is None:
        return assigned(result, t, user)
    key = "restored_already" if result.duplicate else "restored"
    text = t.text(
        "release",
        key,
        {
            "user": user,
            "persons": t.number(result.persons),
            "batch": result.batch.name,
            "place": result.municipality.name_no,
            "households": _households(t, result.allocation.units),
            "remaining": t.number(result.remaining),
        },
    )
    found = assigned(result, t, user)  # its Undo button and alert note, after this text
    return _message([section_block(text), *found.blocks[1:]])
