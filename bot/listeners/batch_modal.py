"""The `/relocation` form: a new batch, validated on its fields before anything is saved."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import batch_blocks, blocks
from bot.i18n import Texts
from bot.listeners import later
from bot.listeners.deps import Deps
from bot.listeners.payload import clicker, form_field, json_object
from bot.parse import households
from capacity import errors
from capacity.domain import numbers
from capacity.domain.rules import MAX_NAME_LENGTH, MAX_YEAR, MIN_YEAR

log = logging.getLogger("bot")

MODAL = "relocation_new"
FIELDS = {  # the core's field → the form's block
    "batch_name": "name",
    "persons": "persons",
    "households": "families",
    "household_size": "families",
    "year": "year",
    "municipality": "scope",
}


def _error(t: Texts, error: errors.CapacityError) -> str:
    """A refusal as a form field's error: plain text, as Slack shows it there."""
    if error.code in blocks.FULL_REFUSALS:
        return t.plain.refusal(error)[:2000]
    return t.plain("invalid", message=t.plain.refusal(error).rstrip("."))[:2000]


def modal(t: Texts, command: dict[str, Any]) -> dict[str, Any]:
    metadata = json.dumps(
        {"channel": command.get("channel_id", ""), "user": command.get("user_id", "")}
    )
    return {
        "type": "modal",
        "callback_id": MODAL,
        "private_metadata": metadata,
        "title": {"type": "plain_text", "text": t("modal_title")},
        "submit": {"type": "plain_text", "text": t("modal_submit")},
        "blocks": [
            blocks.input_block(
                "name", t("field_name"), {"type": "plain_text_input", "max_length": MAX_NAME_LENGTH}
            ),
            blocks.input_block(  # text, so that it is typed as people write it: 1 000
                "persons", t("field_persons"), blocks.count_input(t)
            ),
            blocks.input_block(
                "families",
                t("field_families"),
                {"type": "plain_text_input", "max_length": 1000},
                optional=True,
            ),
            blocks.input_block(
                "year",
                t("field_year"),
                {
                    "type": "number_input",
                    "is_decimal_allowed": False,
                    "min_value": str(MIN_YEAR),
                    "max_value": str(MAX_YEAR),
                },
                optional=True,
            ),
            blocks.input_block(
                "scope",
                t("field_scope"),
                {"type": "plain_text_input", "initial_value": "storbynettverket"},
                optional=True,
            ),
        ],
    }


class RelocationModal:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def submit(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """Validated in the modal: errors go back on the field, and nothing is saved."""
        t, service = self.deps.texts, self.deps.service
        values = (view.get("state") or {}).get("values") or {}
        actor = clicker(body)
        problems: dict[str, str] = {}
        persons: int | None = None
        try:
            persons = numbers.count(form_field(values, "persons"), "persons")
        except errors.InvalidInput as error:  # not understood, or two readings: ask again
            problems["persons"] = _error(t, error)
        sizes = households(form_field(values, "families")) if form_field(values, "families") else ()
        if sizes is None:
            problems["families"] = t.plain("bad_households")
        year = form_field(values, "year")
        if year and not re.fullmatch(r"[0-9]{4}", year):
            problems["year"] = t.plain.refusal(
                errors.InvalidInput("year_range", year=year, minimum=MIN_YEAR, maximum=MAX_YEAR)
            )
        if problems:
            await ack(response_action="errors", errors=problems)
            return
        try:
            result = await asyncio.to_thread(
                service.create_batch,
                form_field(values, "name"),
                persons,
                actor,
                year=int(year) if year else None,
                households=sizes or (),
                scope=form_field(values, "scope") or None,
            )
        except errors.CapacityError as error:
            field = FIELDS.get(
                error.facts.get("field", ""), "scope" if "resolution" in error.facts else "name"
            )
            await ack(response_action="errors", errors={field: _error(t, error)})
            return
        await ack()
        message = batch_blocks.batch_created(result, t, service.scope_title(result.batch.scope))
        metadata = json_object(view.get("private_metadata"))
        if not actor.id:
            return
        # The batch is saved; tell the user where they were, else in a direct message
        # (after the answer, each call time-limited: the batch stands either way).
        self.deps.background.start(
            _tell(client, metadata.get("channel"), actor.id, message), name="batch created"
        )


async def _tell(
    client: AsyncWebClient, channel: str | None, user: str, message: blocks.Message
) -> None:
    if isinstance(channel, str) and channel:
        shown = await later.limited(
            client.chat_postEphemeral(
                channel=channel, user=user, text=message.text, blocks=message.blocks
            ),
            f"chat.postEphemeral to {channel}",
        )
        if shown is not None:
            return
    await later.limited(
        client.chat_postMessage(channel=user, text=message.text, blocks=message.blocks),
        f"chat.postMessage to {user}",
    )


def register(app: AsyncApp, deps: Deps) -> None:
    app.view(MODAL)(RelocationModal(deps).submit)
