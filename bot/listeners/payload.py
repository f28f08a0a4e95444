"""Reading interaction payloads and answering them, shared by every button listener.

A button's value is ours, but anyone holding the signing secret's requests could send
anything: values are parsed into small pydantic models at the edge, and a value that is
not one of ours is answered, never passed on to the core.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from slack_sdk.web.async_client import AsyncWebClient

from bot import blocks
from bot.blocks import Message
from bot.listeners import later
from bot.listeners.deps import Deps, actor_from
from bot.parse import MAX_TEXT as MAX_COMMAND
from capacity import Actor
from capacity.domain.rules import MAX_BATCH_PERSONS, MAX_FIGURE, MAX_TEXT, MAX_YEAR, MIN_YEAR
from capacity.reference.geography import NATIONAL

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


def form_field(values: dict[str, Any], block: str, key: str = "value") -> str:
    """A submitted form's field: its element's `key` (typed text; `selected_date`),
    stripped; "" when it is not there."""
    element = (values.get(block) or {}).get("value") or {}
    return str(element.get(key) or "").strip()


def open_view(deps: Deps, client: AsyncWebClient, body: dict[str, Any], view: dict) -> None:
    """Open a form for the click (its trigger_id lives 3 s), after the answer."""
    trigger = body.get("trigger_id")
    if isinstance(trigger, str) and trigger:
        call = client.views_open(trigger_id=trigger, view=view)
        deps.background.start(later.limited(call, "views.open"), name="views.open")


def clicker(body: dict[str, Any]) -> Actor:
    user = body.get("user") or {}
    name = user.get("username") or user.get("name") or ""
    return actor_from(str(user.get("id") or ""), str(name))


def answer_click(
    deps: Deps, body: dict[str, Any], work: Callable[[], Message], *, replace: bool = True
) -> None:
    """After the click is acknowledged (Slack has its answer at once): `work` off the
    event loop — it may wait up to ~2 s for the write lock, and then answers "busy,
    nothing changed" — and its message to the `response_url`, replacing the message the
    button was on (or, with `replace=False`, shown beside it), within Slack's time limit.
    What `work` committed stands whether or not that post gets through: the next look
    shows it. A bug is logged with its traceback and gets the apology."""
    url = body.get("response_url")

    async def run() -> None:
        try:
            message = await asyncio.to_thread(work)
        except Exception:
            log.exception("Unhandled error in a listener")
            message = blocks.plain(deps.texts("error"))
        payload: dict[str, Any] = {"text": message.text, "blocks": message.blocks}
        if replace:
            payload["replace_original"] = True
        else:
            payload.update(response_type="ephemeral", replace_original=False)
        await deps.responses.post(url, payload, "A click's answer")

    deps.background.start(run(), name="click")
