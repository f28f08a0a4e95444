"""`/relocation`: register relocation batches, assign their places with Confirm/Undo,
move them through their life; the modal; and the batch buttons of alerts."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import sqlite3
import uuid
from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import batch_blocks, blocks
from bot.blocks import Message
from bot.i18n import Texts
from bot.listeners.answers import busy
from bot.listeners.deps import Deps, actor_from
from bot.listeners.payload import button_value, clicker, json_object, replace_message
from bot.parse import Relocation, households, parse_relocation
from capacity import Actor, errors

log = logging.getLogger("bot")

MODAL = "relocation_new"
FIELDS = {  # core field → modal block
    "batch name": "name",
    "persons": "persons",
    "households": "families",
    "household size": "families",
    "year": "year",
    "municipality": "scope",
}


def _refusal(error: errors.CapacityError, t: Texts) -> Message:
    resolution = error.facts.get("resolution")
    if resolution is not None:
        return blocks.choices_message(resolution, t, None)
    return blocks.plain(t.error(error))


class RelocationCommand:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def handle(self, ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient) -> None:
        request = parse_relocation(command.get("text", ""))
        if request.kind == "modal":
            await ack()
            await client.views_open(
                trigger_id=command["trigger_id"], view=modal(self.deps.texts, command)
            )
            return
        message = await asyncio.to_thread(self.answer, request, command)
        await ack(**message.payload())

    def answer(self, request: Relocation, command: dict[str, Any]) -> Message:
        t, service = self.deps.texts, self.deps.service
        actor = actor_from(command.get("user_id", ""), command.get("user_name", ""))
        try:
            if request.kind == "help":
                return blocks.plain(t("relocation_usage"))
            if request.kind == "invalid":
                return blocks.plain(t(request.problem))
            if request.kind == "list":
                batches = service.batches(request.year)
                titles = {b.scope: service.scope_title(b.scope) for b in batches}
                return batch_blocks.batch_list(batches, t, titles)
            if request.kind == "show":
                batch = service.batch(request.name)
                return batch_blocks.batch_detail(batch, t, service.scope_title(batch.scope))
            if request.kind == "status":
                batch = service.set_status(
                    request.name, request.status, actor, reason=request.reason
                )
                return blocks.plain(
                    t("status_changed", batch=batch.name, status=batch_blocks.status_word(t, batch))
                )
            if request.kind == "new":
                result = service.create_batch(
                    request.name,
                    request.persons or 0,
                    actor,
                    year=request.year,
                    households=request.households,
                    scope=request.scope,
                )
                return batch_blocks.batch_created(
                    result, t, service.scope_title(result.batch.scope)
                )
            if request.kind == "assign":
                result = service.allocate(
                    request.name,
                    request.municipality,
                    request.persons,
                    actor,
                    households=request.households,
                    dry_run=True,
                )
                if not result.granted:
                    return batch_blocks.refused(result, t)
                # a fresh key per preview: every click on this Confirm button carries it,
                # so a double click or a retried click reserves once
                key = uuid.uuid4().hex
                return batch_blocks.preview(result, t, key, request.households)
        except errors.CapacityError as error:
            return _refusal(error, t)
        except sqlite3.OperationalError as error:
            return busy(error, t)
        return blocks.plain(t("relocation_usage"))


def guarded(t: Texts, work: Callable[[], Message]) -> Message:
    """A button's work: a bad value, a refusal or a busy database is answered, and the
    listener never raises (a button value is ours, but a client can send anything)."""
    try:
        return work()
    except (KeyError, TypeError, ValueError, OverflowError):
        return blocks.plain(t("relocation_usage"))
    except errors.CapacityError as error:
        return _refusal(error, t)
    except sqlite3.OperationalError as error:
        return busy(error, t)


class RelocationButtons:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def confirm(
        self, ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], respond: AsyncRespond
    ) -> None:
        """Reserve, once: the key in the button makes double clicks and retries safe."""
        await ack()
        message = await asyncio.to_thread(self._confirm, button_value(action), clicker(body))
        await replace_message(body, respond, message)

    def _confirm(self, value: dict[str, Any], actor: Actor) -> Message:
        t, service = self.deps.texts, self.deps.service

        def work() -> Message:
            result = service.allocate(
                int(value["b"]),
                str(value["n"]),
                int(value["p"]),
                actor,
                households=tuple(int(h) for h in value.get("h") or ()),
                request_key=str(value["k"])[:200],
            )
            return batch_blocks.assigned(result, t, actor.id)

        return guarded(t, work)

    async def dismiss(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        await replace_message(body, respond, blocks.plain(self.deps.texts("dismissed")))

    async def undo(
        self, ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        message = await asyncio.to_thread(self._undo, button_value(action), clicker(body))
        await replace_message(body, respond, message)

    def _undo(self, value: dict[str, Any], actor: Actor) -> Message:
        t, service = self.deps.texts, self.deps.service

        def work() -> Message:
            allocation_id = int(value["a"])
            batch = service.release(allocation_id, actor, reason="undone in Slack")
            place = next(
                (
                    f"{a.municipality} ({a.number})"
                    for a in batch.allocations
                    if a.id == allocation_id
                ),
                "?",
            )
            return batch_blocks.undone(batch, place, t, actor.id)

        return guarded(t, work)

    async def open_batch(
        self, ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], respond: AsyncRespond
    ) -> None:
        """From an alert in the channel: the batch, shown to the one who clicked."""
        await ack()
        t, service = self.deps.texts, self.deps.service

        def work() -> Message:
            batch = service.batch(int(button_value(action)["b"]))
            return batch_blocks.batch_detail(batch, t, service.scope_title(batch.scope))

        message = guarded(t, work)
        if body.get("response_url"):
            await respond(
                response_type="ephemeral",
                replace_original=False,
                text=message.text,
                blocks=message.blocks,
            )


# -- the modal ---------------------------------------------------------------------------


def _input(
    block_id: str, label: str, element: dict[str, Any], optional: bool = False
) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": label},
        "element": {**element, "action_id": "value"},
    }


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
            _input("name", t("field_name"), {"type": "plain_text_input", "max_length": 80}),
            _input(
                "persons",
                t("field_persons"),
                {
                    "type": "number_input",
                    "is_decimal_allowed": False,
                    "min_value": "1",
                    "max_value": "10000",
                },
            ),
            _input(
                "families",
                t("field_families"),
                {"type": "plain_text_input", "max_length": 1000},
                optional=True,
            ),
            _input(
                "year",
                t("field_year"),
                {
                    "type": "number_input",
                    "is_decimal_allowed": False,
                    "min_value": "2000",
                    "max_value": "2100",
                },
                optional=True,
            ),
            _input(
                "scope",
                t("field_scope"),
                {"type": "plain_text_input", "initial_value": "storbynettverket"},
                optional=True,
            ),
        ],
    }


def _field(values: dict[str, Any], block: str) -> str:
    return str(((values.get(block) or {}).get("value") or {}).get("value") or "").strip()


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
        persons = _field(values, "persons")
        if not re.fullmatch(r"[0-9]{1,6}", persons):
            problems["persons"] = t.error(
                errors.InvalidInput("persons", field="persons", minimum=1, maximum=10_000)
            )
        sizes = households(_field(values, "families")) if _field(values, "families") else ()
        if sizes is None:
            problems["families"] = t("bad_households")
        year = _field(values, "year")
        if year and not re.fullmatch(r"[0-9]{4}", year):
            problems["year"] = t("bad_year")
        if problems:
            await ack(response_action="errors", errors=problems)
            return
        try:
            result = await asyncio.to_thread(
                service.create_batch,
                _field(values, "name"),
                int(persons),
                actor,
                year=int(year) if year else None,
                households=sizes or (),
                scope=_field(values, "scope") or None,
            )
        except errors.CapacityError as error:
            field = FIELDS.get(
                error.facts.get("field", ""), "scope" if "resolution" in error.facts else "name"
            )
            text = _refusal(error, t).text
            await ack(response_action="errors", errors={field: text[:2000]})
            return
        except sqlite3.OperationalError as error:
            await ack(response_action="errors", errors={"name": busy(error, t).text})
            return
        await ack()
        message = batch_blocks.batch_created(result, t, service.scope_title(result.batch.scope))
        metadata = json_object(view.get("private_metadata"))
        if not actor.id:
            return
        # The batch is saved; tell the user where they were, else in a direct message.
        for channel in filter(None, (metadata.get("channel"), actor.id)):
            try:
                if channel == actor.id:
                    await client.chat_postMessage(
                        channel=channel, text=message.text, blocks=message.blocks
                    )
                else:
                    await client.chat_postEphemeral(
                        channel=channel, user=actor.id, text=message.text, blocks=message.blocks
                    )
                return
            except SlackApiError as error:
                log.warning("Could not confirm batch %s in %s: %s", result.batch.id, channel, error)


def register(app: AsyncApp, deps: Deps) -> None:
    buttons = RelocationButtons(deps)
    app.action(batch_blocks.CONFIRM_ACTION)(buttons.confirm)
    app.action(batch_blocks.DISMISS_ACTION)(buttons.dismiss)
    app.action(batch_blocks.UNDO_ACTION)(buttons.undo)
    from bot.alerts import OPEN_BATCH_ACTION

    app.action(OPEN_BATCH_ACTION)(buttons.open_batch)
    app.view(MODAL)(RelocationModal(deps).submit)
