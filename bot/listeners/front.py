"""The front of the request path: the one place that looks at a request before a listener.

The edge that received a payload (HTTP: `bot.http`; Socket Mode: `bot.socket_mode`)
hands it to `Front.take` once, after the signature and replay checks:

* its shape is checked (`shape.event_problem`, `shape.problem`): a payload the listeners
  could not read is refused here, and nothing looks at its shape again;
* its user's language is found (`Deps.texts_for`) and spoken for the rest of it;
* a slash command's text is parsed, once (`/capacity` into a `Request`, and the words
  of a collection round's `/capacity innhenting …` into a `RoundRequest`; `/relocation`
  into a `Relocation`);
* for a `/capacity` question, whether a kept answer serves it is decided, once
  (`AnswerCache.kept`): the edge answers with it, and Bolt never sees the request.

What was decided (`Taken`) stays the request's for the rest of its path (`taken()`): the
listener reads the parsed text and where the kept-answer check looked, the error
handler marks the outcome, and the edge writes the request's log line and its metrics
from it (`Front.done`). A request that reaches Bolt without an edge (`capacity-bot
ask`, tests that dispatch in process) is taken by `TakeFirst`, the app's first global
middleware, in the same way.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.request.internals import extract_channel_id, extract_user_id

from bot import logs
from bot.answer_cache import Looked, parsed
from bot.i18n import Texts
from bot.listeners.deps import Deps
from bot.listeners.shape import event_problem, problem
from bot.parse import MAX_TEXT, Relocation, Request, parse_relocation
from bot.parse_rounds import RoundRequest, parse_round

JSON = "application/json;charset=utf-8"
REFUSED = frozenset({"malformed", "unverified", "too_large", "copy_refused"})
"""Outcomes of requests that were not answered as Slack's: anyone can send most of them,
so their log lines are the first, then the 10th, 100th, … (the metrics count each)."""
_ID = re.compile(r"[A-Z0-9_]{1,40}")  # Slack's user, channel and team ids
_WORD = re.compile(r"[^A-Za-z0-9_.:/-]")


@dataclass(slots=True)
class Taken:
    """What the front decided about one request, read by the rest of its path."""

    kind: str = "unknown"  # command | action | view | event | other; unknown: not read
    user: str = ""  # Slack's ids, for the log line (never a name)
    channel: str = ""
    asked: str = ""  # what was asked, in the bot's words: `/capacity capacity`, an action id
    problem: str | None = None  # what is wrong with its shape; None when it can be read
    question: Request | None = None  # `/capacity`'s text, parsed
    round: RoundRequest | None = None  # `/capacity innhenting …`'s words, parsed
    relocation: Relocation | None = None  # `/relocation`'s text, parsed
    looked: Looked | None = None  # where the kept-answer check looked, and when
    kept: str | None = None  # the kept answer (a response's JSON) that serves it
    outcome: str = ""  # how it ended: ok, kept, malformed, error, deferred, …
    in_bolt: bool = False  # Bolt's dispatch of it has begun (`TakeFirst`)

    @contextlib.contextmanager
    def current(self) -> Iterator[Taken]:
        """This request's, for the path inside (and the work it starts)."""
        token = _current.set(self)
        try:
            yield self
        finally:
            _current.reset(token)


_current: ContextVar[Taken | None] = ContextVar("taken", default=None)


def taken() -> Taken | None:
    """What the front decided about the request being answered (None outside one)."""
    return _current.get()


def mark(outcome: str) -> None:
    """Say how the request being answered ended (a bug: "error"; the answer follows at
    the response_url: "deferred"), for its log line and the metrics."""
    found = _current.get()
    if found is not None:
        found.outcome = outcome


def kind_of(body: dict[str, Any]) -> str:
    kind = body.get("type")
    if "command" in body:
        return "command"
    if kind == "block_actions":
        return "action"
    if kind in ("view_submission", "view_closed"):
        return "view"
    if kind == "event_callback" or "event" in body:
        return "event"
    return "other"


def describe(body: dict[str, Any]) -> Taken:
    """Who sent it, from where, and what kind: for the log line of a request that is not
    taken (a copy answered from the replay memory). Never raises."""
    kind = kind_of(body)
    user, channel = _ids(body) or ("", "")
    return Taken(kind, user, channel, _asked(kind, body))


class Front:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.refused: dict[str, int] = {}  # by outcome, for the log's lines

    async def take(self, body: object) -> Taken:
        """Decide, once, what the rest of the request's path reads (see the module)."""
        if not isinstance(body, dict):
            self.deps.speak(None)
            return Taken(problem="body is not an object", outcome="malformed")
        kind = kind_of(body)
        found = event_problem(body) or problem(body, self.deps.responses.allowed)
        ids = None if found else _ids(body)
        if ids is None:  # Bolt could not read it either: it reads the ids first
            self.deps.speak(None)
            found = found or "user or channel: not where Slack puts them"
            return Taken(kind, problem=found, outcome="malformed")
        user, channel = ids
        texts = await self.texts(user)
        self.deps.speak(texts)
        request = Taken(kind, user, channel)
        command = body.get("command")
        if command == "/capacity":
            question = request.question = parsed(body.get("text", "")[:MAX_TEXT])
            request.looked, request.kept = self.deps.answers.kept(question, texts)
            request.asked = f"/capacity {question.kind}"
            if question.kind == "round":  # the rest of its words are the round's
                request.round = parse_round(question.target)
                request.asked = f"/capacity round {request.round.action}"
        elif command == "/relocation":
            relocation = request.relocation = parse_relocation(body.get("text", ""))
            request.asked = f"/relocation {relocation.kind}"
        else:
            request.asked = _asked(kind, body)
        if request.kept is not None:
            request.outcome = "kept"
        return request

    async def texts(self, user_id: str) -> Texts:
        """The user's texts: known (a lookup in memory, without a coroutine), or asked
        of Slack (`users.info`, never for long)."""
        return self.deps.known_texts_for(user_id) or await self.deps.texts_for(user_id)

    def done(self, request: Taken, seconds: float) -> None:
        """The request is answered: its log line and its metrics."""
        outcome = request.outcome or "ok"
        self.deps.metrics.request(request.kind, outcome, seconds)
        count = 1
        if outcome in REFUSED:
            count = self.refused[outcome] = self.refused.get(outcome, 0) + 1
            if str(count).strip("0") != "1":  # 1, 10, 100, 1,000 …
                return
        logs.request_line(
            request.kind, request.user, request.channel, request.asked, seconds, outcome, count
        )


class TakeFirst(AsyncMiddleware):
    """The app's first global middleware: a request that came without an edge is taken
    here (refused, answered with its kept answer, or passed on with what was decided);
    one an edge took passes at once. (A subclass rather than a function: Bolt runs it
    without argument injection.)

    An edge sets what it took for Bolt's dispatch only (`Taken.current`); here it is
    set for the rest of the task, as Bolt runs the listeners after the middleware.

    It also hands the listeners the app's Web API client (`Deps.client`, whose calls are
    counted in the metrics) as their `client`, in place of the one Bolt makes for each
    request."""

    def __init__(self, front: Front) -> None:
        self.front = front

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],  # noqa: A002
    ) -> BoltResponse:
        if self.front.deps.client is not None:
            req.context["client"] = self.front.deps.client
        found = _current.get()
        if found is not None and not found.in_bolt:  # an edge took it, and awaits Bolt
            found.in_bolt = True
            return await next()
        request = await self.front.take(req.body)
        if request.problem:
            return BoltResponse(status=400, body=f"Malformed request: {request.problem}"[:300])
        if request.kept is not None:
            return BoltResponse(status=200, body=request.kept, headers={"content-type": JSON})
        # Set, not reset: Bolt runs the listeners after its middleware return (`next`
        # only says to go on), and each request taken here is marked, so that the next
        # one dispatched in the same task is taken anew
        request.in_bolt = True
        _current.set(request)
        return await next()


def _ids(body: dict[str, Any]) -> tuple[str, str] | None:
    """The user's and the channel's ids, found where Bolt finds them (its own
    functions), "" when they are not Slack's ids; None when the payload has them in a
    shape Bolt cannot read (an event whose `channel` is a number, say)."""
    try:
        return _id(extract_user_id(body)), _id(extract_channel_id(body))
    except (AttributeError, TypeError):
        return None


def _id(value: object) -> str:
    return value if isinstance(value, str) and _ID.fullmatch(value) else ""


def _asked(kind: str, body: dict[str, Any]) -> str:
    """The name of what was asked, from the bot's own vocabulary (a command's name, an
    action's id without its value, a form's callback id, an event's type): never text
    a user typed."""
    try:
        if kind == "command":
            named = str(body.get("command", ""))
        elif kind == "action":
            named = str(body["actions"][0]["action_id"]).split(":")[0]
        elif kind == "view":
            named = str(body["view"]["callback_id"])
        elif kind == "event":
            named = str(body["event"]["type"])
        else:
            named = str(body.get("type", ""))
    except (KeyError, IndexError, TypeError):
        return ""
    return _WORD.sub("", named)[:60]
