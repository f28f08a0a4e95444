"""Block Kit builders: pure functions from the core's answers to Slack messages.

Each returns a `Message` with a plain-text fallback and its blocks as plain dicts, made
by the small builders below: they enforce Slack's limits (3,000 characters per section
text, 150 per header, 75 per button label, and so on) and give exactly what slack_sdk's
typed models give from `to_dict()` (tests/test_blocks.py compares them), at a fraction
of the cost: the models validate every object on every `to_dict()`, which was about
250 µs of each `/capacity` answer. `Message.check()` enforces the per-message limits.
`section` and `dicts` (the models) remain for bot.batch_blocks.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.i18n import Safe, Texts
from capacity import errors
from capacity.models import Municipality
from capacity.reference.names import Resolution

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_BUTTONS = 25
MAX_HEADER = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ID = 255

SHOW_ACTION = "capacity_show"
REDO_ACTION = "capacity_redo"

Redo = Callable[[str, Municipality], "str | None"]
"""(the text typed, the municipality chosen) → a button value that carries the request
on with that municipality, or None when there is nothing to carry on."""


@dataclass
class Message:
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def check(self) -> Message:
        if len(self.blocks) > MAX_BLOCKS:
            raise ValueError(f"{len(self.blocks)} blocks, Slack allows {MAX_BLOCKS}")
        return self

    def payload(self, *, share: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {"text": self.text, "blocks": self.blocks}
        body["response_type"] = "in_channel" if share else "ephemeral"
        return body


# -- Block Kit as dicts, within Slack's limits -------------------------------------------


def _limit(what: str, value: str, limit: int) -> str:
    if len(value) > limit:
        raise ValueError(f"{what} of {len(value)} characters, Slack allows {limit}")
    return value


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"text": text, "type": "mrkdwn"}


def _plain_text(text: str) -> dict[str, Any]:
    return {"emoji": True, "text": text, "type": "plain_text"}


def section_block(text: str) -> dict[str, Any]:
    return {"text": _mrkdwn(_limit("section text", text, MAX_SECTION)), "type": "section"}


def section_blocks(
    lines: list[str], limit: int = 2900, line_limit: int | None = None
) -> list[dict[str, Any]]:
    """Lines in as few sections as `limit` characters each allow (under Slack's 3,000),
    each line first cut to `line_limit` characters (`limit` when not given)."""
    cut = limit if line_limit is None else line_limit
    sections: list[dict[str, Any]] = []
    chunk: list[str] = []
    for line in lines:
        line = line[:cut]
        if chunk and len("\n".join([*chunk, line])) > limit:
            sections.append(section_block("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        sections.append(section_block("\n".join(chunk)))
    return sections


def context_block(text: str) -> dict[str, Any]:
    return {"elements": [_mrkdwn(text[:MAX_SECTION])], "type": "context"}


def header_block(text: str) -> dict[str, Any]:
    return {"text": _plain_text(_limit("header text", text, MAX_HEADER)), "type": "header"}


def actions_block(elements: list[dict[str, Any]], block_id: str) -> dict[str, Any]:
    if not 0 < len(elements) <= MAX_BUTTONS:
        raise ValueError(f"{len(elements)} elements, Slack allows 1 to {MAX_BUTTONS}")
    return {
        "block_id": _limit("block_id", block_id, MAX_ID),
        "elements": elements,
        "type": "actions",
    }


def input_block(
    block_id: str, label: str, element: dict[str, Any], optional: bool = False
) -> dict[str, Any]:
    """A form's input block; its element's action_id is always `value`."""
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": label},
        "element": {**element, "action_id": "value"},
    }


def count_input(t: Texts) -> dict[str, Any]:
    """A form's field for a count: a text input, so that the count is typed as people
    write it (`1 000`, `1.000`) and read by `capacity.domain.numbers` when the form is sent."""
    placeholder = {"type": "plain_text", "text": t.plain("count_placeholder")}
    return {"type": "plain_text_input", "max_length": 30, "placeholder": placeholder}


def button(text: str, action_id: str, value: str) -> dict[str, Any]:
    return {
        "action_id": _limit("action_id", action_id, MAX_ID),
        "text": _plain_text(_limit("button text", text, MAX_BUTTON_TEXT)),
        "type": "button",
        "value": _limit("button value", value, MAX_BUTTON_VALUE),
    }


def plain(text: str) -> Message:
    return Message(text=text, blocks=[section_block(text)]).check()


def help_message(t: Texts) -> Message:
    return plain(
        "\n".join(
            (
                t("help"),
                t("help_files"),
                t.text("pace", "help", {}),
                t.text("rounds", "help", {}),
                t("numbers_help"),
            )
        )
    )


def redo_value(command: str, text: str | None) -> str | None:
    """The value of a button that runs `text` again as `command` ("capacity" or
    "relocation"); None without a text or when it would not fit in a button."""
    if not text:
        return None
    value = json.dumps({"c": command, "t": text}, ensure_ascii=False)
    return value if len(value) <= MAX_BUTTON_VALUE else None


def choices_message(
    resolution: Resolution, t: Texts, year: int | None, redo: Redo | None = None
) -> Message:
    """Unknown name → "did you mean" buttons; ambiguous name → the candidates. With
    `redo`, a choice carries the original request on (the assignment, the report or
    the grant); without it, a choice shows that municipality's capacity."""
    query = resolution.query[:100].replace("`", "'")
    if resolution.problem == "too_long":
        return plain(t("too_long"))
    if resolution.problem == "ambiguous":
        intro = t("ambiguous", query=query)
        options = list(resolution.candidates)
    else:
        intro = t("not_found", query=query)
        options = list(resolution.suggestions)
        if options:
            intro += " " + t("did_you_mean")
        else:
            intro += " " + t("try_number")
    blocks = [section_block(intro)]
    if options:
        blocks.append(
            actions_block(
                [_choice_button(resolution.query, m, year, redo) for m in options[:MAX_BUTTONS]],
                "choices",
            )
        )
    text = intro + (" " + ", ".join(m.label for m in options) if options else "")
    return Message(text=text, blocks=blocks).check()


def _choice_button(
    query: str, municipality: Municipality, year: int | None, redo: Redo | None
) -> dict[str, Any]:
    value = redo(query, municipality) if redo else None
    if value is None:
        return _show_button(municipality, year)
    label = municipality.label[:MAX_BUTTON_TEXT]
    return button(label, f"{REDO_ACTION}:{municipality.number}", value)


def _show_button(municipality: Municipality, year: int | None) -> dict[str, Any]:
    value = json.dumps({"n": municipality.number, "y": year})
    return button(
        municipality.label[:MAX_BUTTON_TEXT], f"{SHOW_ACTION}:{municipality.number}", value
    )


# Texts that say "nothing was changed" themselves.
FULL_REFUSALS = {"permission", "busy", "disk_full", "read_only", "write_failed"}


def not_understood(
    t: Texts,
    usage: str,
    word: str = "",
    why: str = "",
    readings: tuple[int, ...] = (),
    *,
    question: bool = False,
) -> Message:
    """A command not understood: what was not (the words as typed, and for a number
    how it is no count, or its `readings`), then what a valid form looks like (the
    usage text `usage`). Nothing was asked of the core, so nothing was changed (said
    for a change, never for a `question`)."""
    lines = []
    if why in ("word", "no_count"):
        lines.append(t("not_understood" if why == "word" else "no_count", word=word))
    elif why:  # a count: the refusal that says how it is not one
        refused = t.refusal(errors.InvalidInput(why, typed=word, readings=readings))
        lines.append(refused_text(t, refused, question))
    lines.append(t(usage))
    return plain("\n".join(lines))


@dataclass(frozen=True)
class Choice:
    """One reading of a number typed: its value; what else the reading makes of the
    command, as mrkdwn (a report's reason; "" when nothing); and the value of the
    button that carries the command on with it (None when it does not fit a button)."""

    value: int
    detail: str
    redo: str | None


def choose_message(t: Texts, typed: str, choices: list[Choice]) -> Message:
    """A number that reads more than one way (`1,000`, or `50 100` before a reason):
    each reading as a button (the number) that carries the command on with it, and
    what else it makes of the command (escaped, in the text: a button's label is plain).
    Nothing is saved until one is chosen; a comma with one whole reading (`1,500`) asks
    "did you mean"."""
    if len(choices) == 1:
        intro = t("choose_comma", typed=typed, value=t.number(choices[0].value))
    else:
        intro = t("choose_count", typed=typed)
    if any(choice.redo is None for choice in choices):  # too long to carry on: type again
        readings = tuple(choice.value for choice in choices)
        code = "count_ambiguous" if len(readings) > 1 else "count_comma"
        text = t.refusal(errors.InvalidInput(code, typed=typed, readings=readings))
        return plain(t("invalid", message=Safe(text.rstrip("."))))
    details = [f"• {choice.detail}" for choice in choices if choice.detail]
    text = "\n".join([intro, *details])
    buttons = [
        button(t.plain.number(choice.value), f"{REDO_ACTION}:reading{i}", choice.redo or "")
        for i, choice in enumerate(choices[:MAX_BUTTONS])
    ]
    return Message(
        text=text.replace("*", ""), blocks=[section_block(text), actions_block(buttons, "readings")]
    ).check()


def refusal(
    error: errors.CapacityError,
    t: Texts,
    year: int | None = None,
    redo: Redo | None = None,
    *,
    question: bool = False,
) -> Message:
    """Every refusal of the core as a message: a name not found or ambiguous offers
    the choices as buttons; anything else says what is wrong, and for a change that
    nothing changed (a `question` changes nothing, so its answer never says so)."""
    resolution = error.facts.get("resolution")
    if resolution is not None:
        return choices_message(resolution, t, year, redo)
    text = t.refusal(error)
    if error.code not in FULL_REFUSALS:
        text = refused_text(t, text, question)
    return plain(text)


def refused_text(t: Texts, refused: str, question: bool) -> str:
    """A refusal's sentence: "Kunne ikke gjøre det: … Ingenting ble endret." for a
    change, "Kan ikke svare på det: …" for a question."""
    message = Safe(refused.rstrip("."))
    return (
        t.text("surfaces", "question", {"message": message})
        if question
        else t("invalid", message=message)
    )
