"""Collection rounds in Slack: `/capacity innhenting …` (`round …`), the buttons of the
direct messages (answer, remind me tomorrow) and of the Home (answer, new round), the
answer form and the Home's form to open a round (both validated on their fields with
`response_action: errors`; nothing is saved until every field is right), and roles
granted by e-mail address (`users.lookupByEmail`, before the grant)."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from datetime import date
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import blocks, round_blocks, round_forms
from bot.blocks import Message
from bot.directory import DirectoryProblem, lookup
from bot.i18n import Texts
from bot.listeners import later
from bot.listeners.answers import answer_command
from bot.listeners.deps import Deps, actor_from
from bot.listeners.payload import answer_click, clicker, form_field, json_object, open_view
from bot.parse import Request
from bot.parse_rounds import RoundRequest
from bot.round_blocks import r
from capacity import errors
from capacity.domain.numbers import count
from capacity.domain.rounds import RoundRefused
from capacity.domain.rules import MAX_FIGURE
from capacity.texts.i18n import OSLO
from capacity.usecases.round_answers import answer_mark

ANSWER_FIELDS = {  # the core's field → the answer form's block
    "spare": "spare",
    "decision": "decision",
    "decision_expected": "expected",
    "extra": "extra",
    "comment": "comment",
}
OPEN_FIELDS = {"round_name": "name", "deadline": "deadline", "scope": "scope", "year": "year"}


def _error(t: Texts, error: errors.CapacityError) -> str:
    """A refusal as a form field's error: plain text, as Slack shows it there."""
    if error.code in blocks.FULL_REFUSALS:
        return t.plain.refusal(error)[:2000]
    return t.plain("invalid", message=t.plain.refusal(error).rstrip("."))[:2000]


def read_count(text: str, field: str = "") -> int:
    """A count typed in a form, as coordinators write them (`1 000`, `1.000`: the core's
    one reader of counts), within the figures' range; else the refusal that says what
    was not understood."""
    value = count(text.strip(), field)
    if value > MAX_FIGURE:
        raise errors.InvalidInput(
            "count_range", field=field, value=text[:20], minimum=0, maximum=MAX_FIGURE
        )
    return value


def _count_problem(t: Texts, field: str, text: str) -> str | None:
    try:
        read_count(text, field)
    except errors.CapacityError as error:
        return _error(t, error)
    return None


def _round_id(value: object) -> int | None:
    """A round id from a button's value or a form's metadata (ours, but checked)."""
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**62
    return value if ok else None  # type: ignore[return-value]


def _tell(deps: Deps, client: AsyncWebClient, user_id: str, message: Message) -> None:
    """A result in the user's direct messages with the app (a form has no channel)."""
    call = client.chat_postMessage(channel=user_id, text=message.text, blocks=message.blocks)
    deps.background.start(later.limited(call, "chat.postMessage"), name="round-tell")


class RoundListeners:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    # -- /capacity innhenting … --------------------------------------------------------

    async def command(
        self, ack: AsyncAck, command: dict[str, Any], wanted: RoundRequest, share: bool
    ) -> None:
        """`wanted`: the command's words after `innhenting`, as the front parsed them."""
        user_id, user_name = command.get("user_id", ""), command.get("user_name", "")
        await answer_command(
            self.deps,
            ack,
            command,
            lambda: self.answer(wanted, user_id, user_name),
            share=share,
        )

    def answer(self, wanted: RoundRequest, user_id: str, user_name: str) -> Message:
        t, service = self.deps.texts, self.deps.service
        actor = actor_from(user_id, user_name)
        name = wanted.name or None
        try:
            if wanted.action == "new":
                opened = service.open_round(
                    wanted.name, wanted.deadline, wanted.scope, actor, year=wanted.year
                )
                no_contact = [m.name_no for m in opened.no_contact]
                return round_blocks.opened_message(
                    opened.round, opened.members, opened.asked, no_contact, t
                )
            if wanted.action == "status":
                return round_blocks.status_message(service.round_status(name), t)
            if wanted.action == "remind":
                found, count = service.remind_round(name, actor)
                return round_blocks.reminded_message(found, count, t)
            if wanted.action == "close":
                _, event = service.close_round(name, actor)
                return round_blocks.closed_message(event, t)
            if wanted.action == "list":
                found_rounds = service.rounds()
                counts = service.round_counts([f.id for f in found_rounds])
                return round_blocks.list_message(found_rounds, counts, t)
        except errors.CapacityError as error:  # status and list only ask: nothing to change
            return blocks.refusal(error, t, question=wanted.action in ("status", "list"))
        return round_blocks.usage(t)

    # -- roles by e-mail ---------------------------------------------------------------

    async def with_user_id(self, request: Request, client: AsyncWebClient) -> Request | Message:
        """A grant naming the person by e-mail, with their Slack user id (or a refusal:
        Slack knows no such address, or could not be asked; nothing changes)."""
        t = self.deps.texts
        try:
            user_id = await lookup(client, request.user)
        except errors.CapacityError as error:
            return blocks.refusal(error, t)
        except DirectoryProblem as problem:
            return blocks.plain(r(t, "lookup_failed", email=request.user, error=str(problem)))
        return replace(request, user=user_id)

    # -- buttons -----------------------------------------------------------------------

    async def answer_button(
        self, ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """Open the answer form (or say why not: the round is closed, the clicker is
        not an editor of the municipality)."""
        await ack()
        value = json_object(action.get("value"))
        round_id, number, who = _round_id(value.get("r")), value.get("n"), clicker(body)
        if round_id is None or not isinstance(number, str) or len(number) > 10:
            return
        t, service = self.deps.texts, self.deps.service
        try:
            found = await asyncio.to_thread(service.round_by_id, round_id)
            place = service.municipality(number, found.year)
            if not found.open:
                raise RoundRefused("round_closed", name=found.name)
            if not service.can_edit(who, place):
                raise errors.PermissionDenied(
                    "round_not_editor", actor=who.id, municipality=place, name=found.name
                )
            current = await asyncio.to_thread(service.round_answer, found.id, place.number)
        except errors.CapacityError as error:
            refused = blocks.refusal(error, t)
            answer_click(self.deps, body, lambda: refused, replace=False)
            return
        view = round_forms.answer_modal(t, found, place, current, answer_mark(current))
        open_view(self.deps, client, body, view)

    async def snooze_button(
        self, ack: AsyncAck, action: dict[str, Any], body: dict[str, Any]
    ) -> None:
        await ack()
        value = json_object(action.get("value"))
        round_id, who, t = _round_id(value.get("r")), clicker(body), self.deps.texts
        if round_id is None:
            return

        def work() -> Message:
            try:
                until = self.deps.service.snooze_round(round_id, who)
            except errors.CapacityError as error:
                return blocks.refusal(error, t)
            return round_forms.snoozed_message(t, t.date(until))

        answer_click(self.deps, body, work, replace=False)

    async def open_button(
        self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        service = self.deps.service
        today = service.clock().astimezone(OSLO).date()
        view = round_forms.open_modal(self.deps.texts, service.planning_year(), today)
        open_view(self.deps, client, body, view)

    # -- forms -------------------------------------------------------------------------

    async def answer_submitted(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        t, service, actor = self.deps.texts, self.deps.service, clicker(body)
        values = (view.get("state") or {}).get("values") or {}
        meta = json_object(view.get("private_metadata"))
        round_id, number, seen = _round_id(meta.get("r")), meta.get("n"), meta.get("s")
        if round_id is None or not isinstance(number, str) or len(number) > 100:
            await ack(response_action="errors", errors={"spare": r(t.plain, "form_stale")})
            return
        spare, decision = form_field(values, "spare"), form_field(values, "decision")
        extra = form_field(values, "extra")
        expected = form_field(values, "expected", "selected_date")
        problems: dict[str, str] = {}
        for block, field, text, required in (
            ("spare", "spare", spare, True),
            ("decision", "decision", decision, False),
            ("extra", "extra", extra, False),
        ):
            if (text or required) and (problem := _count_problem(t, field, text)):
                problems[block] = problem
        expected_date = None
        if expected:
            try:
                expected_date = date.fromisoformat(expected)
            except ValueError:
                problems["expected"] = r(t.plain, "form_bad_date", value=expected[:20])
        if problems:
            await ack(response_action="errors", errors=problems)
            return
        try:
            done = await asyncio.to_thread(
                service.answer_round,
                round_id,
                number,
                actor,
                spare=read_count(spare),
                decision=read_count(decision) if decision else None,
                decision_expected=expected_date,
                extra=read_count(extra) if extra else None,
                comment=form_field(values, "comment"),
                force=bool(
                    ((values.get("force") or {}).get("value") or {}).get("selected_options")
                ),
                seen=seen if isinstance(seen, str) else None,
            )
        except errors.CapacityError as error:
            block = ANSWER_FIELDS.get(str(error.facts.get("field", "")), "spare")
            await ack(response_action="errors", errors={block: _error(t, error)})
            return
        await ack()
        report = r(t, "answered_report", source=done.report.change.source if done.report.change
                   else "")  # fmt: skip
        message = round_forms.answered_message(done.round, done.municipality, done.answer, t,
                                               report, done.report.line.overbooked)  # fmt: skip
        _tell(self.deps, client, actor.id, message)

    async def open_submitted(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        t, service, actor = self.deps.texts, self.deps.service, clicker(body)
        values = (view.get("state") or {}).get("values") or {}
        year = form_field(values, "year")
        if year and not re.fullmatch(r"[0-9]{4}", year):
            problem = errors.InvalidInput("year_range", year=year[:10], minimum=2000, maximum=2100)
            await ack(response_action="errors", errors={"year": _error(t, problem)})
            return
        try:
            opened = await asyncio.to_thread(
                service.open_round,
                form_field(values, "name"),
                form_field(values, "deadline", "selected_date"),
                form_field(values, "scope"),
                actor,
                year=int(year) if year else None,
            )
        except errors.CapacityError as error:
            field = str(error.facts.get("field", ""))
            if error.code.startswith("round_deadline"):
                field = "deadline"
            elif "resolution" in error.facts or error.code.startswith("round_scope"):
                field = "scope"
            block = OPEN_FIELDS.get(field, "name")
            await ack(response_action="errors", errors={block: _error(t, error)})
            return
        await ack()
        no_contact = [m.name_no for m in opened.no_contact]
        message = round_blocks.opened_message(
            opened.round, opened.members, opened.asked, no_contact, t
        )
        _tell(self.deps, client, actor.id, message)


def register(app: AsyncApp, deps: Deps) -> RoundListeners:
    listeners = RoundListeners(deps)
    app.action(re.compile(f"^{round_forms.ANSWER_ACTION}(:|$)"))(listeners.answer_button)
    app.action(round_forms.SNOOZE_ACTION)(listeners.snooze_button)
    app.action(round_forms.OPEN_ACTION)(listeners.open_button)
    app.view(round_forms.ANSWER_MODAL)(listeners.answer_submitted)
    app.view(round_forms.OPEN_MODAL)(listeners.open_submitted)
    return listeners
