"""A global middleware that refuses request bodies of the wrong shape with a 400.

The parts of a payload the listeners read are validated here, before any listener or
Bolt's matchers see them, as small pydantic models: a slash command's fields, a click's
user and actions, a form's state. Slack never sends anything else, so whoever did gets a
clear 400 instead of a `TypeError` deep in a listener (a 500). A click whose
`response_url` is not Slack's (or, in tests, the stand-in's) is refused too: the bot only
ever posts to Slack. It runs after the signature check, over HTTP and Socket Mode alike.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from slack_bolt import BoltResponse
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest

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


class RejectMalformed(AsyncMiddleware):
    """(A subclass rather than a function: Bolt runs it without argument injection.)"""

    def __init__(self, allowed_url: Callable[[str], bool] | None = None) -> None:
        self.allowed_url = allowed_url

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],  # noqa: A002
    ) -> BoltResponse:
        found = problem(req.body, self.allowed_url)
        if found:
            return BoltResponse(status=400, body=f"Malformed request: {found}"[:300])
        return await next()
