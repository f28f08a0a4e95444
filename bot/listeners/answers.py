"""From a parsed request to a message: the work behind `/capacity` and its buttons.

Plain functions over the core, shared by the slash command, the buttons and the terminal
(`capacity-bot ask`), so every surface answers the same: parse → use case → render.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot import blocks, history_blocks, pace_blocks, plan_blocks, several_blocks
from bot import capacity_blocks as render
from bot.answer_cache import Looked
from bot.blocks import Message
from bot.i18n import Texts
from bot.listeners.deps import Deps, actor_from
from bot.listeners.front import mark
from bot.listeners.later import ANSWER_BUDGET
from bot.listeners.payload import V, answer_click, button_value, clicker
from bot.parse import Request, capacity_text, request_text
from capacity import errors
from capacity.domain.history import history
from capacity.models import Municipality
from capacity.reference.geography import NATIONAL
from capacity.texts import standing

log = logging.getLogger("bot")


def answer(
    request: Request,
    deps: Deps,
    user_id: str,
    user_name: str = "",
    *,
    checked: Looked | None = None,
) -> Message:
    """Answer one request; the core's refusals become messages. A bug is not a refusal:
    it goes on to Bolt's error handler with its traceback.

    A question is answered from the answer cache when its answer is kept. `checked`: the
    front of the request path looked already (`Looked`: where, at which generation of
    the data) and found none; the answer is made and kept there, without looking again."""
    try:
        if checked is None:
            return deps.answers.answer(
                request, deps.texts, lambda: _answer(request, deps, user_id, user_name)
            )
        message = _answer(request, deps, user_id, user_name)
        deps.answers.keep(checked, message)
        return message
    except errors.CapacityError as error:
        message = blocks.refusal(
            error, deps.texts, request.year, redo=redo(request), question=is_question(request)
        )
        if error.code == "below_reserved":  # the reporter may save it anyway
            place = error.facts["municipality"]
            value = {"n": place.number, "y": error.facts["year"], "v": request.value}
            value["r"] = request.reason
            return render.report_anyway(message, deps.texts, value)
        return message


CHANGES = frozenset({"report", "grant", "revoke"})
CHANGE_USAGES = frozenset({"report_usage", "grant_usage", "planning_year_usage"})


def is_question(request: Request) -> bool:
    """Whether a request only asks (its refusal never says "nothing was changed")."""
    if request.kind == "planning_year":
        return request.value is None
    if request.kind == "invalid":
        return request.problem not in CHANGE_USAGES
    if request.kind == "choose":
        return all(is_question(reading) for reading in request.readings)
    return request.kind not in CHANGES


def redo(request: Request) -> blocks.Redo:
    """A "did you mean" choice carries a change on (a report, a grant)."""

    def value(query: str, chosen: Municipality) -> str | None:
        return blocks.redo_value("capacity", capacity_text(request, query, chosen.number))

    return value


def _answer(request: Request, deps: Deps, user_id: str, user_name: str) -> Message:
    t, service = deps.texts, deps.service
    if request.kind == "help":
        return blocks.help_message(t)
    if request.kind == "invalid":
        return blocks.not_understood(
            t, request.problem, request.word, request.why, question=is_question(request)
        )
    if request.kind == "choose":
        return blocks.choose_message(t, request.word, [_choice(r, t) for r in request.readings])
    if request.kind == "overview":
        overview = service.overview(request.target, request.year, as_of=request.as_of)
        return render.overview_message(overview, t, request.page, **_ages(deps))
    if request.kind == "capacity":
        if service.geography.group(request.target):
            overview = service.overview(request.target, request.year, as_of=request.as_of)
            return render.overview_message(overview, t, **_ages(deps))
        line = service.capacity(request.target, request.year, as_of=request.as_of)
        return render.capacity_message(line, t, **_ages(deps))
    if request.kind == "several":  # `Oslo, Bergen`: one short answer each
        return _several(request, deps)
    if request.kind == "pace":
        found = service.pace(request.target or None, request.year)
        return pace_blocks.pace_message(found, t, request.page)
    if request.kind == "room":
        year, rooms = service.room_for(request.value, request.year)
        # no room anywhere: because nothing is reported for the year, or all is taken?
        reported = bool(rooms) or service.overview(NATIONAL, year).totals["spare"].known
        return plan_blocks.room_message(year, request.value or 0, rooms, t, reported=reported)
    if request.kind == "report":
        return report(deps, request, user_id, user_name, force=False)
    if request.kind == "history":  # the planning year first, a page at a time
        place = service.municipality(request.target)
        found = history(service.history(request.target), service.planning_year())
        return history_blocks.history_message(place, found, t, request.page)
    if request.kind == "planning_year":
        if request.value is None:
            return render.planning_year_message(service.planning_year(), t)
        actor = actor_from(user_id, user_name)
        before, after = service.set_planning_year(request.value, actor)
        return render.planning_year_message(after, t, before, user_id)
    if request.kind in ("grant", "revoke"):
        return _role(request, deps, user_id, user_name)
    return blocks.help_message(t)


def _several(request: Request, deps: Deps) -> Message:
    """Each name asked, answered on its own; a name not found does not stop the rest."""
    names = several_blocks.names_in(request.target)
    asked = []
    for name in names[: several_blocks.MAX_NAMES]:
        try:
            line = deps.service.capacity(name, request.year, as_of=request.as_of)
            asked.append(several_blocks.Asked(name, line=line))
        except errors.CapacityError as error:
            asked.append(several_blocks.Asked(name, refused=error))
    more = max(0, len(names) - several_blocks.MAX_NAMES)
    return several_blocks.several_message(asked, deps.texts, request.year, more, **_ages(deps))


def _choice(reading: Request, t: Texts) -> blocks.Choice:
    """A reading of a number typed, as a button that carries the command on with it."""
    detail = ""
    if reading.kind == "report":
        reason = reading.reason if len(reading.reason) <= 200 else reading.reason[:199] + "…"
        key = "reading_reason" if reason else "reading_no_reason"
        detail = t(key, value=t.number(reading.value), reason=reason)
    redo = blocks.redo_value("capacity", request_text(reading))
    return blocks.Choice(reading.value or 0, detail, redo)


def _ages(deps: Deps) -> dict[str, Any]:
    """What an answer needs to say how old its reported figures are."""
    return {"now": deps.service.clock(), "stale_days": deps.stale_days}


def report(deps: Deps, request: Request, user_id: str, user_name: str, *, force: bool) -> Message:
    t = deps.texts
    result = deps.service.report_spare(
        request.target,
        request.value,  # type: ignore[arg-type]
        actor_from(user_id, user_name),
        year=request.year,
        source=f"Slack, /capacity {('report' if t.language == 'en' else 'rapporter')}",
        reason=request.reason,
        force=force,
    )
    return render.report_message(result, t, user_id)


def _role(request: Request, deps: Deps, user_id: str, user_name: str) -> Message:
    t, service = deps.texts, deps.service
    actor = actor_from(user_id, user_name)
    target = request.target or None
    where = t("for_place", name=service.municipality(target).name_no) if target else ""
    if request.kind == "grant":
        new = service.grant(request.user, request.role, actor, target)
        key = "granted" if new else "granted_already"
    else:
        done = service.revoke(request.user, request.role, actor, target)
        key = "revoked" if done else "revoked_none"
    role = standing.role(t, request.role)  # the language's word: redaktør
    return blocks.plain(t(key, user=request.user, role=role, where=where))


async def answer_command(
    deps: Deps,
    ack: Callable[..., Awaitable[Any]],
    command: dict[str, Any],
    work: Callable[[], Message],
    *,
    share: bool = False,
) -> None:
    """A slash command's answer, inside the acknowledgement when `work` (off the loop)
    is done within ANSWER_BUDGET; else "working on it" now, and the answer at the
    `response_url` when it is ready. A bug in `work` within the budget goes to Bolt's
    error handler; after it, it is logged and gets the apology."""
    task = asyncio.ensure_future(asyncio.to_thread(work))
    done, _ = await asyncio.wait({task}, timeout=ANSWER_BUDGET)
    if done:
        await ack(**task.result().payload(share=share))
        return
    await ack(**blocks.plain(deps.texts("working")).payload())
    mark("deferred")
    url = command.get("response_url")

    async def finish() -> None:
        try:
            message = await task
        except Exception:
            log.exception("Unhandled error in a listener")
            message = blocks.plain(deps.texts("error"))
        await deps.responses.post(url, message.payload(share=share), "A command's answer")

    deps.background.start(finish(), name="command")


def page_button(
    deps: Deps, model: type[V], request: Callable[[V], Request]
) -> Callable[..., Awaitable[None]]:
    """The listener of an answer's page button: the click answered at once, then the
    answer to `request(value)` replaces the message (help, for a value not ours)."""

    async def handle(
        ack: Callable[[], Awaitable[Any]], action: dict[str, Any], body: dict[str, Any]
    ) -> None:
        await ack()
        value = button_value(action, model)

        def work() -> Message:
            if value is None:  # not a value of ours
                return blocks.help_message(deps.texts)
            who = clicker(body)
            return answer(request(value), deps, who.id, who.name)

        answer_click(deps, body, work)

    return handle
