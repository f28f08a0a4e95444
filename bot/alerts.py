"""The alert the coordination channel sees, built from a core event (pure)."""

from __future__ import annotations

import json

from bot.blocks import Message, actions_block, button, context_block, section_block
from bot.i18n import Texts, is_user_id, mention
from capacity.models import CapacityExceeded, Kind
from capacity.texts import standing

OPEN_BATCH_ACTION = "relocation_open"

_KEYS = {
    Kind.BATCH_EXCEEDS: "alert_batch_exceeds",
    Kind.HOUSEHOLD_TOO_LARGE: "alert_household",
    Kind.HOUSEHOLDS_DO_NOT_FIT: "alert_households_pack",
    Kind.ALLOCATION_REFUSED: "alert_refused",
    Kind.CAPACITY_LOW: "alert_low",
    Kind.OVERBOOKED: "alert_overbooked",
}


def _headline(event: CapacityExceeded, t: Texts) -> str:
    if event.kind is Kind.BATCH_EXCEEDS and not event.reported:  # nothing is reported there
        return standing.text(
            t,
            "alert_batch_none",
            batch=event.batch_name,
            year=event.year,
            persons=t.number(event.persons),
            scope=t.scope(event.scope_title),
        )
    over = max(0, -event.remaining)  # an overbooked place's event keeps it as below 0
    return t(
        _KEYS[event.kind],
        batch=event.batch_name,
        year=event.year,
        persons=t.number(event.persons),
        remaining=t.number(max(0, event.remaining)),
        scope=t.scope(event.scope_title),
        threshold=t.number(event.threshold),
        over=t.number(over),
        spare=t.number(event.persons - over),
        batches=", ".join(event.batches) or event.batch_name or "–",
    )


def alert_message(event: CapacityExceeded, t: Texts) -> Message:
    """Which batch, how many persons, how much room is left and where, who caused it,
    and a button to open the batch."""
    headline = _headline(event, t)
    if event.rooms:
        rooms = ", ".join(f"{room.name} {t.number(room.remaining)}" for room in event.rooms)
        where = t("alert_rooms", rooms=rooms)
    else:
        where = t("alert_no_rooms", scope=t.scope(event.scope_title))
    who = mention(event.actor) if is_user_id(event.actor) else (event.actor_name or event.actor)
    blocks = [
        section_block(headline),
        context_block(f"{where}\n{t('alert_by', who=who)}"),
    ]
    if event.batch_id:
        blocks.append(
            actions_block(
                [button(t("open_batch"), OPEN_BATCH_ACTION, json.dumps({"b": event.batch_id}))],
                block_id="alert",
            )
        )
    text = headline.replace("*", "") + " " + where
    return Message(text=text, blocks=blocks).check()
