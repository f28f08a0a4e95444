"""Files posted after the answer: `/capacity Trondheim graf` (a chart) and `/capacity
eksport` (an admin's CSV export in a direct message, in their language: `bot.sheets`).

The slash command is answered at once (Slack waits 3 s): a name that is no municipality,
or a user who may not export, gets the usual refusal in that answer and nothing is
posted; otherwise the answer says the file is being made. Then, on the event loop but
after the answer, the chart is rendered in a thread (matplotlib's object API, safe in
threads; at most RENDERS at once) or the CSV is written, and the file is posted with
Slack's upload flow (`bot.uploads`). A failure is told to the user, in their language,
through the command's `response_url`.

A chart goes to the channel the command was typed in (a slash command has no thread);
the chart button (`CHART_ACTION`, for a message or the App Home) posts in the thread of
the message it is on, or in a direct message when it is not on a message.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Annotated, Any

import aiohttp
from pydantic import Field
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot import blocks
from bot.chart_blocks import CHART_ACTION
from bot.i18n import mention
from bot.listeners.deps import Deps, actor_from
from bot.listeners.payload import Value, button_value, clicker
from bot.parse import Request
from bot.uploads import Upload, UploadFailed, upload_files, upload_png
from capacity import errors
from capacity.domain.rules import check_year
from capacity.texts import standing

if TYPE_CHECKING:
    from capacity.charts.build import Built

log = logging.getLogger("bot.files")

RENDERS = 2  # charts rendered at once (the machine's cores); more wait their turn
PENDING = 16  # files being made or posted at once; more are refused until some are done


class ChartValue(Value):
    """A chart button: what it is of (as typed: a name, a number, a group, the country)."""

    t: Annotated[str, Field(max_length=100)] = ""
    y: Annotated[int, Field(ge=1900, le=2200)] | None = None


class Later:
    """Work that goes on after the answer: its tasks are kept until they end (so they
    are not collected mid-way), and a failure is told through the response_url."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.tasks: set[asyncio.Task[None]] = set()

    def spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        # The app's tasks after answers (awaited at shutdown); counted here as well
        task = self.deps.background.start(work, name="file")
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def tell(self, response_url: object, text: str) -> None:
        """Tell the user what became of their file (best effort: the log has the rest)."""
        payload = {"text": text, "response_type": "ephemeral", "replace_original": False}
        await self.deps.responses.post(response_url, payload, "A file's news")


class Files:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.later = Later(deps)
        self.pool = ThreadPoolExecutor(max_workers=RENDERS, thread_name_prefix="chart")

    # -- charts ----------------------------------------------------------------------

    async def chart_command(
        self, ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, request: Request
    ) -> None:
        # The charts' and the exports' modules are imported at their first use (`DEFERRED`
        # in tests/test_architecture.py): a question needs none of them.
        from capacity.charts.build import build
        from capacity.charts.pace_build import build_pace

        t = self.deps.texts
        if len(self.later.tasks) >= PENDING:
            await ack(**blocks.plain(t("files_busy")).payload())
            return
        make = build_pace if request.kind == "pace_chart" else build
        try:
            built = await asyncio.to_thread(
                make, self.deps.service, request.target, request.year, t.language
            )
        except errors.CapacityError as error:  # a question: nothing to say was not changed
            await ack(**blocks.refusal(error, t, request.year, question=True).payload())
            return
        await ack(**blocks.plain(t("chart_making", what=built.what)).payload())
        self.later.spawn(
            self.post_chart(
                client,
                built,
                channel=str(command.get("channel_id") or ""),
                thread_ts=None,
                user=str(command.get("user_id") or ""),
                response_url=command.get("response_url"),
            )
        )

    async def chart_button(
        self, ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        t = self.deps.texts
        value = button_value(action, ChartValue)
        response_url = body.get("response_url")
        if value is None:
            await self.later.tell(response_url, t("help"))
            return
        user = clicker(body).id
        if len(self.later.tasks) >= PENDING:
            await self.later.tell(response_url, t("files_busy"))
            return
        from capacity.charts.build import build

        try:
            built = await asyncio.to_thread(build, self.deps.service, value.t, value.y, t.language)
        except errors.CapacityError as error:
            refused = blocks.refusal(error, t, value.y, question=True)
            await self.later.tell(response_url, refused.text)
            return
        container = body.get("container") or {}
        channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
        thread_ts = (body.get("message") or {}).get("thread_ts") or container.get("thread_ts")
        self.later.spawn(
            self.post_chart(
                client,
                built,
                channel=str(channel or ""),
                thread_ts=thread_ts,
                user=user,
                response_url=response_url,
            )
        )

    async def post_chart(
        self,
        client: AsyncWebClient,
        built: Built,
        *,
        channel: str,
        thread_ts: str | None,
        user: str,
        response_url: str | None,
    ) -> None:
        from capacity import charts

        t = self.deps.texts
        try:
            if not channel:  # clicked outside a conversation (the App Home): a DM
                channel = await direct_channel(client, user)
            loop = asyncio.get_running_loop()
            rendered = await loop.run_in_executor(self.pool, charts.render, built.chart)
            await upload_png(
                client,
                channel=channel,
                thread_ts=thread_ts,
                filename=built.filename,
                title=built.chart.title,
                png=rendered.png,
                alt_text=rendered.alt_text,
                comment=t("chart_comment", what=built.what, who=mention(user)),
            )
        except UploadFailed as error:
            log.warning("Chart %s not posted in %s: %s", built.filename, channel, error)
            await self.later.tell(
                response_url, t("chart_failed", what=built.what, error=error.error)
            )
        except Exception as error:
            log.exception("Chart %s not posted", built.filename)
            reason = failure_reason(error)
            await self.later.tell(response_url, t("chart_failed", what=built.what, error=reason))

    # -- exports ---------------------------------------------------------------------

    async def export_command(
        self, ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, request: Request
    ) -> None:
        t, service = self.deps.texts, self.deps.service
        actor = actor_from(command.get("user_id", ""), command.get("user_name", ""))
        if len(self.later.tasks) >= PENDING:
            await ack(**blocks.plain(t("files_busy")).payload())
            return
        try:
            await asyncio.to_thread(service.require_admin, actor, "export")
            year = check_year(request.year) if request.year is not None else None
            year = year or await asyncio.to_thread(service.planning_year)
        except errors.CapacityError as error:
            await ack(**blocks.refusal(error, t, request.year).payload())
            return
        await ack(**blocks.plain(t("export_making", year=year)).payload())
        self.later.spawn(self.send_export(client, command, request.year))

    async def send_export(
        self, client: AsyncWebClient, command: dict[str, Any], year: int | None
    ) -> None:
        from bot.sheets import year_files

        t, service = self.deps.texts, self.deps.service
        user = str(command.get("user_id") or "")
        actor = actor_from(user, command.get("user_name", ""))
        try:
            year, files = await asyncio.to_thread(year_files, service, actor, t, year)
            channel = await direct_channel(client, user)
            uploads = [Upload(name, name, text.encode("utf-8")) for name, text in files]
            comment = standing.text(t, "export_comment", year=year, when=t.date(service.clock()))
            await upload_files(
                client, channel=channel, thread_ts=None, files=uploads, comment=comment
            )
        except errors.CapacityError as error:
            await self.later.tell(command.get("response_url"), t.refusal(error))
        except Exception as error:
            log.exception("Export for %s not sent", user)
            await self.later.tell(
                command.get("response_url"), t("export_failed", error=failure_reason(error))
            )


async def direct_channel(client: AsyncWebClient, user: str) -> str:
    """The channel of the direct message between the bot and `user` (conversations.open)."""
    try:
        opened = await client.conversations_open(users=user)
    except SlackApiError as error:
        raise UploadFailed(str(error.response.get("error") or "slack_error")) from error
    except (SlackClientError, aiohttp.ClientError, OSError) as error:
        raise UploadFailed("upload_failed", str(error)) from error
    channel = (opened.get("channel") or {}).get("id")
    if not channel:
        raise UploadFailed("channel_not_found", "conversations.open gave no channel")
    return str(channel)


def failure_reason(error: Exception) -> str:
    return error.error if isinstance(error, UploadFailed) else type(error).__name__


def register_button(app: AsyncApp, files: Files) -> None:
    app.action(CHART_ACTION)(files.chart_button)
