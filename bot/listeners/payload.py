"""Reading interaction payloads and answering them, shared by every button listener.

A button's value is ours, but anyone holding the signing secret's requests could send
anything: values are parsed into small pydantic models at the edge, and a value that is
not one of ours is answered, never passed on to the core.
"""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from slack_bolt.async_app import AsyncRespond

from bot.blocks import Message
from bot.listeners.deps import actor_from
from bot.parse import MAX_TEXT as MAX_COMMAND
from capacity import Actor
from capacity.geography import NATIONAL
from capacity.rules import MAX_BATCH_PERSONS, MAX_FIGURE, MAX_TEXT, MAX_YEAR, MIN_YEAR

log = logging.getLogger("bot")

Id = Annotated[int, Field(ge=1, le=2**62)]
Count = Annotated[int, Field(ge=1, le=MAX_BATCH_PERSONS)]  # persons, or a household's
Year = Annotated[int, Field(ge=MIN_YEAR, le=MAX_YEAR)]


class Value(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)


class ShowValue(Value):
    """A municipality picked from "did you mean" or the candidates."""

    n: Annotated[str, Field(max_length=10)]
    y: Year | None = None


class PageValue(Value):
    """A page of the national overview."""

    s: Annotated[str, Field(max_length=40)] = NATIONAL
    y: Year | None = None
    p: Annotated[int, Field(ge=1, le=1000)] = 1


Key = Annotated[str, Field(min_length=1, max_length=200)]


class ConfirmValue(Value):
    """Confirm an assignment previewed before: the preview's key. (Buttons from before
    previews were kept carry batch, place, persons and households beside it.)"""

    k: Key
    b: Id | None = None
    n: Annotated[str, Field(max_length=10)] | None = None
    p: Count | None = None
    h: Annotated[list[Count], Field(max_length=500)] = []


class KeyValue(Value):
    """Confirm or undo a preview (a plan, a cancellation) by its key."""

    k: Key


class ReleaseValue(Value):
    """Release an assignment from a batch's page (and show that page again)."""

    a: Id
    b: Id | None = None
    p: Annotated[int, Field(ge=1, le=100_000)] = 1


class BatchPageValue(Value):
    """A page of a batch's assignments (`b`), or of the batches (of year `y`)."""

    b: Id | None = None
    y: Year | None = None
    p: Annotated[int, Field(ge=1, le=100_000)] = 1


class RedoValue(Value):
    """A command carried on with the municipality chosen from "did you mean"."""

    c: Literal["capacity", "relocation"]
    t: Annotated[str, Field(min_length=1, max_length=MAX_COMMAND)]


class ReportValue(Value):
    """Save a report below the reservations anyway: place, year, value, reason."""

    n: Annotated[str, Field(max_length=10)]
    y: Year
    v: Annotated[int, Field(ge=0, le=MAX_FIGURE)]
    r: Annotated[str, Field(max_length=MAX_TEXT)] = ""


class UndoValue(Value):
    a: Id


class BatchValue(Value):
    b: Id


V = TypeVar("V", bound=Value)


def json_object(text: str | None) -> dict[str, Any]:
    """A JSON object from text we put in a payload; {} when it is not one (never raises)."""
    try:
        value = json.loads(text or "{}")
    except (ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def button_value(action: dict[str, Any], model: type[V]) -> V | None:
    """The button's value as `model`, or None when it is not one of ours."""
    raw = action.get("value")
    if not isinstance(raw, str):
        return None
    try:
        return model.model_validate_json(raw)
    except (ValidationError, ValueError, RecursionError):
        return None


def clicker(body: dict[str, Any]) -> Actor:
    user = body.get("user") or {}
    name = user.get("username") or user.get("name") or ""
    return actor_from(str(user.get("id") or ""), str(name))


async def replace_message(body: dict[str, Any], respond: AsyncRespond, message: Message) -> None:
    """Replace the message the button was on. Our buttons live only on messages sent
    as answers, which come with a response_url; without one there is nothing to replace."""
    if body.get("response_url"):
        await respond(replace_original=True, text=message.text, blocks=message.blocks)
    else:
        log.info("Button click without response_url ignored")
