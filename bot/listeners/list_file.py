"""The "whole list as a CSV file" button under `/capacity norge`: every municipality with
a figure, in the user's language (`bot.sheets`), posted as a file where the button is
clicked (the channel, or the thread of the message; a direct message when it is on
none), through the same
upload path and limits as the charts (`bot.listeners.files`). The click is answered at
once; the file is written and posted after it, and a failure is told to the user."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import blocks
from bot.i18n import mention
from bot.list_blocks import LIST_ACTION
from bot.listeners.files import PENDING, Files, direct_channel, failure_reason
from bot.listeners.payload import PageValue, button_value, clicker
from bot.uploads import Upload, UploadFailed, upload_files
from capacity import errors
from capacity.texts import standing

log = logging.getLogger("bot.files")


class ListFile:
    def __init__(self, files: Files) -> None:
        self.files = files
        self.deps = files.deps

    async def click(
        self, ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        t, later = self.deps.texts, self.files.later
        response_url = body.get("response_url")
        value = button_value(action, PageValue)
        if value is None:  # not a value of ours
            await later.tell(response_url, t("help"))
            return
        if len(later.tasks) >= PENDING:
            await later.tell(response_url, t("files_busy"))
            return
        container = body.get("container") or {}
        channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
        # as the chart button: in the thread the answer is in, else in the channel
        thread_ts = (body.get("message") or {}).get("thread_ts") or container.get("thread_ts")
        later.spawn(
            self.post(client, value, str(channel or ""), thread_ts, clicker(body).id, response_url)
        )

    async def post(
        self,
        client: AsyncWebClient,
        value: PageValue,
        channel: str,
        thread_ts: str | None,
        user: str,
        response_url: str | None,
    ) -> None:
        from bot.sheets import overview_file  # the exports' modules, at the first file

        t, service, later = self.deps.texts, self.deps.service, self.files.later
        try:
            if not channel:  # clicked outside a conversation: a direct message
                channel, thread_ts = await direct_channel(client, user), None
            overview = await asyncio.to_thread(service.overview, value.s, value.y)
            name, text = await asyncio.to_thread(overview_file, service, overview, t)
            title = t.scope(overview.title)
            comment = standing.text(
                t, "list_comment", title=title, year=overview.year, who=mention(user)
            )
            upload = Upload(name, f"{title} {overview.year}", text.encode("utf-8"))
            await upload_files(
                client, channel=channel, thread_ts=thread_ts, files=[upload], comment=comment
            )
        except errors.CapacityError as error:  # a question: nothing to say was not changed
            await later.tell(response_url, blocks.refusal(error, t, value.y, question=True).text)
        except UploadFailed as error:
            log.warning("List of %s not posted in %s: %s", value.s, channel, error)
            await later.tell(response_url, standing.text(t, "list_failed", error=error.error))
        except Exception as error:
            log.exception("List of %s not posted", value.s)
            reason = failure_reason(error)
            await later.tell(response_url, standing.text(t, "list_failed", error=reason))


def register(app: AsyncApp, files: Files) -> None:
    app.action(LIST_ACTION)(ListFile(files).click)
