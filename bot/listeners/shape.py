"""The shape of the payloads the listeners read, as small pydantic models.

The parts of a payload the listeners read are validated by the front of the request
path (`bot.listeners.front`), once, before any listener or Bolt's matchers see them: a
slash command's fields, a click's user and actions, a form's state. Slack never sends
anything else, so whoever did gets a clear 400 instead of a `TypeError` deep in a
listener (a 500). A click whose `response_url` is not Slack's (or, in tests, the
stand-in's) is refused too: the bot only ever posts to Slack. It runs after the
signature check, over HTTP and Socket Mode alike.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

Text = Annotated[str, Field(max_length=4000)]
Name = Annotated[str, Field(max_length=255)]


class Part(BaseModel):
    """A part of a payload: the fields we read, typed strictly; the rest passes."""

    model_config = ConfigDict(extra="allow", strict=True)


class Command(Part):
    command: Name
    text: Text = ""
    user_id: Name
    user_name: Name = ""
    channel_id: Name = ""
    response_url: Text = ""
    trigger_id: Name


class User(Part):
    id: Name
    username: Name | None = None
    name: Name | None = None


class Action(Part):
    action_id: Name
    block_id: Name = ""
    value: Annotated[str, Field(max_length=2000)] | None = None


class Clicks(Part):
    type: Literal["block_actions"]
    user: User
    actions: Annotated[list[Action], Field(min_length=1, max_length=25)]
    response_url: Text | None = None
    container: dict[str, Any] | None = None
    channel: dict[str, Any] | None = None
    team: dict[str, Any] | None = None


class Input(Part):
    value: Annotated[str, Field(max_length=3000)] | None = None


class State(Part):
    values: dict[Name, dict[Name, Input]] = {}


class View(Part):
    callback_id: Name = ""
    private_metadata: Annotated[str, Field(max_length=3000)] = ""
    state: State = State()


class Form(Part):
    type: Literal["view_submission", "view_closed"]
    user: User
    view: View


class Event(Part):
    type: Name
    user: Name | dict[str, Any] | None = None  # most events name a user by id
    tab: Name | None = None  # app_home_opened: "home" or "messages"


class Delivery(Part):
    """An Events API delivery (the Home tab's `app_home_opened`)."""

    type: Literal["event_callback"]
    event: Event


def problem(body: Any, allowed_url: Callable[[str], bool] | None = None) -> str | None:
    """What is wrong with a body's shape, or None when the listeners can read it."""
    if not isinstance(body, dict):
        return "body is not an object"
    kind = body.get("type")
    model: type[Part] | None = None
    if "command" in body:
        model = Command
    elif kind == "block_actions":
        model = Clicks
    elif kind in ("view_submission", "view_closed"):
        model = Form
    elif kind == "event_callback" or "event" in body:
        model = Delivery
    if model is not None:
        try:
            model.model_validate(body)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            return f"{where}: {first['msg']}"
        except RecursionError:
            return "nested too deeply"
    for key in ("user", "team", "channel", "container"):
        if key in body and body[key] is not None and not isinstance(body[key], dict):
            return f"{key} must be an object"
    url = body.get("response_url")
    if kind == "block_actions" and url and allowed_url and not allowed_url(url):
        return "response_url is not Slack's"
    return None


def event_problem(body: dict[str, Any]) -> str | None:
    """What is wrong with an Events API delivery's `event` when it is not an object with
    a string `type`: Bolt's own middleware reads it before any middleware of ours runs
    (and fails with a traceback), so the edges (HTTP and Socket Mode) check it first."""
    if "event" not in body:
        return None
    event = body["event"]
    if isinstance(event, dict) and isinstance(event.get("type"), str):
        return None
    return "event: must be an object with a string type"


class Refusals:
    """One log line per kind of refused payload, not one per payload: whoever sends
    thousands of malformed ones must not fill the log. The first of a kind is logged
    (with its traceback, when there is one), then the count at the 10th, 100th, 1,000th,
    and so on. A kind is the field at fault and what is wrong with it (the names of
    fields further in come from the sender, and are left out)."""

    MAX_KINDS = 100

    def __init__(self, logger: logging.Logger) -> None:
        self.log = logger
        self.counts: dict[str, int] = {}

    def note(self, problem: str, *, exc_info: bool = False) -> None:
        kind = kind_of(problem)
        if kind not in self.counts and len(self.counts) >= self.MAX_KINDS:
            kind = "other"
        count = self.counts[kind] = self.counts.get(kind, 0) + 1
        if count == 1:
            more = "(more of this kind are counted, and logged at 10, 100, 1,000 …)"
            self.log.warning("Refused a malformed payload: %s %s", kind, more, exc_info=exc_info)
        elif str(count).strip("0") == "1":  # 10, 100, 1000, ...
            self.log.warning("Refused %d malformed payloads so far: %s", count, kind)


def kind_of(problem: str) -> str:
    """`view.state.values.x.y: Input should be …` → `view: Input should be …`."""
    where, _, what = problem.partition(": ")
    return f"{where.split('.')[0]}: {what}"[:160] if what else problem[:160]
