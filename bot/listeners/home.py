"""The Home tab: published when a user opens it (`app_home_opened`) and after changes
(`bot.home_refresh`), with its buttons: report a figure (a form that goes through the
same use case as `/capacity rapporter`, refusals shown on the form's fields), a new
batch (`/relocation`'s form) and make a plan (a form listing the open batches, then
the plan with Confirm in a direct message, as `/relocation fordel` shows it)."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import blocks, home_modals, plan_blocks
from bot.blocks import Message
from bot.capacity_blocks import report_message
from bot.home_blocks import NEW_BATCH_ACTION, PLAN_ACTION, REPORT_ACTION, home_view
from bot.i18n import Texts, is_user_id
from bot.listeners import batch_modal, later
from bot.listeners.deps import Deps
from bot.listeners.payload import clicker, open_view
from bot.listeners.relocation import PLAN_SECONDS
from capacity import errors
from capacity.domain import numbers

log = logging.getLogger("bot.home")

PUBLISH_SECONDS = 5.0  # a views.publish that takes longer is given up (the next one redoes it)
REPORT_FIELDS = {  # the core's field → the form's block
    "municipality": "municipality",
    "year": "year",
    "spare": "figure",
    "reason": "reason",
    "source": "reason",
}


class HomePublisher:
    """Builds a user's Home in their language and publishes it with `views.publish`."""

    def __init__(self, deps: Deps, client: AsyncWebClient) -> None:
        self.deps = deps
        self.client = client

    async def publish(self, user_id: str) -> None:
        t = await self.deps.texts_for(user_id)
        service = self.deps.service
        home = await asyncio.to_thread(service.home, user_id)
        view = home_view(home, t, service.clock(), self.deps.stale_days)
        await asyncio.wait_for(
            self.client.views_publish(user_id=user_id, view=view), PUBLISH_SECONDS
        )


def _error(t: Texts, error: errors.CapacityError) -> str:
    """A refusal as a form field's error: plain text, as Slack shows it there."""
    if error.code in blocks.FULL_REFUSALS or error.code == "below_reserved":
        return t.plain.refusal(error)[:2000]
    return t.plain("invalid", message=t.plain.refusal(error).rstrip("."))[:2000]


def _report_field(error: errors.CapacityError) -> str:
    if "resolution" in error.facts or error.code == "permission":
        return "municipality"
    return REPORT_FIELDS.get(error.facts.get("field", ""), "figure")


def _tell(deps: Deps, client: AsyncWebClient, user_id: str, message: Message) -> None:
    """A result in the user's direct messages with the app (forms have no channel),
    after the answer (Bolt acknowledges only when a listener returns)."""
    call = client.chat_postMessage(channel=user_id, text=message.text, blocks=message.blocks)
    deps.background.start(later.limited(call, "chat.postMessage"), name="home-tell")


def _not_allowed(t: Texts, user_id: str, action: str, title: str) -> dict[str, Any]:
    """The form a button opens for someone whose role does not allow it: why, and that
    nothing was changed (the Home shows the button only to those who may use it)."""
    refused = errors.PermissionDenied("permission", actor=user_id, action=action, needs="admin")
    return home_modals.notice_modal(t, t.plain(title), t.plain.refusal(refused))


class HomeListeners:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def opened(self, event: dict[str, Any]) -> None:
        """Answered at once; the Home is built and published after the answer."""
        user_id = event.get("user")
        if event.get("tab", "home") != "home" or not isinstance(user_id, str):
            return
        if not is_user_id(user_id) or self.deps.home is None:
            return
        self.deps.home.opened(user_id)

    # -- buttons ---------------------------------------------------------------------

    async def report(self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        actor, service = clicker(body), self.deps.service
        places = await asyncio.to_thread(service.editable, actor.id)
        view = home_modals.report_modal(self.deps.texts, service.planning_year(), places)
        open_view(self.deps, client, body, view)

    async def new_batch(self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        actor, t = clicker(body), self.deps.texts
        if not await asyncio.to_thread(self.deps.service.is_admin, actor):
            view = _not_allowed(t, actor.id, "register_batches", "home_new_batch")
        else:
            view = batch_modal.modal(t, {"user_id": actor.id, "channel_id": ""})
        open_view(self.deps, client, body, view)

    async def plan(self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        service, actor, t = self.deps.service, clicker(body), self.deps.texts
        home = await asyncio.to_thread(service.home, actor.id)
        if not home.admin:
            view = _not_allowed(t, actor.id, "distribute_batches", "home_plan")
        else:
            view = home_modals.plan_modal(t, [item.batch for item in home.batches])
        open_view(self.deps, client, body, view)

    # -- forms -----------------------------------------------------------------------

    async def report_submitted(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """Checked on the form: a refusal goes back on its field, and nothing is saved."""
        t, service, actor = self.deps.texts, self.deps.service, clicker(body)
        values = (view.get("state") or {}).get("values") or {}
        place, year = home_modals.field(values, "municipality"), home_modals.field(values, "year")
        figure, reason = home_modals.field(values, "figure"), home_modals.field(values, "reason")
        problems: dict[str, str] = {}
        value: int | None = None
        try:
            value = numbers.count(figure, "spare")  # 1 000, 1.000; 1,000 is asked about
        except errors.InvalidInput as error:
            problems["figure"] = _error(t, error)
        if year and not re.fullmatch(r"[0-9]{4}", year):
            problems["year"] = _error(
                t, errors.InvalidInput("year_range", year=year, minimum=2000, maximum=2100)
            )
        if problems:
            await ack(response_action="errors", errors=problems)
            return
        source = "Slack, Home" if t.language == "en" else "Slack, Hjem"
        try:
            result = await asyncio.to_thread(
                service.report_spare,
                place,
                value,
                actor,
                year=int(year) if year else None,
                source=source,
                reason=reason,
                force=home_modals.checked(values, "force"),
            )
        except errors.CapacityError as error:
            await ack(response_action="errors", errors={_report_field(error): _error(t, error)})
            return
        await ack()
        _tell(self.deps, client, actor.id, report_message(result, t, actor.id))

    async def plan_submitted(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """The plan of the chosen batch, sent with Confirm to the user's direct messages."""
        t, service, actor = self.deps.texts, self.deps.service, clicker(body)
        values = (view.get("state") or {}).get("values") or {}
        chosen = home_modals.field(values, "batch")
        if not chosen.isdigit():
            await ack(response_action="errors", errors={"batch": t.plain("plan_modal_none")})
            return
        try:
            plan = await asyncio.to_thread(
                service.plan_batch, int(chosen), actor, time_limit=PLAN_SECONDS
            )
        except errors.CapacityError as error:
            await ack(response_action="errors", errors={"batch": _error(t, error)})
            return
        await ack()
        message = plan_blocks.plan_preview(plan, t, service.scope_title(plan.batch.scope))
        _tell(self.deps, client, actor.id, message)


def register(app: AsyncApp, deps: Deps) -> None:
    listeners = HomeListeners(deps)
    app.event("app_home_opened")(listeners.opened)
    app.action(REPORT_ACTION)(listeners.report)
    app.action(NEW_BATCH_ACTION)(listeners.new_batch)
    app.action(PLAN_ACTION)(listeners.plan)
    app.view(home_modals.REPORT_MODAL)(listeners.report_submitted)
    app.view(home_modals.PLAN_MODAL)(listeners.plan_submitted)
