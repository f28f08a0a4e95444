"""The "whole plan (CSV)" button of a plan cut short: the click is answered at once,
then the plan kept under the button's key is written as CSV and posted with Slack's
upload flow (`bot.uploads`): in the thread of the message the button is on, or, from
a message only its user sees (a slash command's answer), in a direct message. A
failure is told through the click's `response_url`, and changes nothing."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import Texts
from bot.listeners.deps import Deps
from bot.listeners.files import Later, direct_channel, failure_reason
from bot.listeners.payload import KeyValue, button_value, clicker
from bot.plan_file import plan_csv
from bot.plan_notes_blocks import FILE_ACTION
from bot.uploads import Upload, upload_files
from capacity import errors

log = logging.getLogger("bot.files")


def where(body: dict[str, Any]) -> tuple[str | None, str | None]:
    """(channel, thread) of the message a button is on; (None, None) when only its
    user sees it (ephemeral) or it is on no message: then a direct message."""
    container = body.get("container") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
    if container.get("is_ephemeral") or not channel:
        return None, None
    message = body.get("message") or {}
    return str(channel), message.get("thread_ts") or message.get("ts") or container.get(
        "message_ts"
    )


class PlanFileButton:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.later = Later(deps)

    async def clicked(
        self, ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        value = button_value(action, KeyValue)
        t, url = self.deps.texts, body.get("response_url")
        if value is None:
            await self.later.tell(url, t("relocation_usage"))
            return
        self.later.spawn(self.post(client, value.k, body, t))

    async def post(self, client: AsyncWebClient, key: str, body: dict[str, Any], t: Texts) -> None:
        url, user = body.get("response_url"), clicker(body).id
        try:
            found = await asyncio.to_thread(self.deps.service.plan_file, key)
            name, text = plan_csv(found, t)
            channel, thread = where(body)
            channel = channel or await direct_channel(client, user)
            b = found.batch
            values = {"batch": b.name, "year": b.year, "count": len(found.lines),
                      "placed": t.number(sum(line.persons for line in found.lines))}  # fmt: skip
            comment = t.text("plan_notes", "file_comment", values)
            upload = Upload(name, t.plain("plan_title", batch=b.name, year=b.year), text.encode())
            await upload_files(
                client, channel=channel, thread_ts=thread, files=[upload], comment=comment
            )
        except errors.CapacityError as error:
            await self.later.tell(url, t.refusal(error))
        except Exception as error:
            log.warning("The plan's file was not posted", exc_info=True)
            reason = failure_reason(error)
            await self.later.tell(url, t.text("plan_notes", "file_failed", {"error": reason}))


def register(app: AsyncApp, deps: Deps) -> None:
    app.action(FILE_ACTION)(PlanFileButton(deps).clicked)
