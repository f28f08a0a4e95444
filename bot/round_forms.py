"""What a collection round asks people, as Block Kit (pure): the direct message (the
request, a reminder) with the buttons that open the answer form or snooze, the answer
form itself, the Home's form to open a round, and the Home's lines about rounds."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot.blocks import Message, actions_block, button, context_block, input_block, section_block
from bot.i18n import Texts
from bot.round_blocks import r
from capacity.domain.rounds import Round, RoundAnswer, RoundMessage
from capacity.domain.rules import MAX_FIGURE, MAX_NAME_LENGTH, MAX_YEAR, MIN_YEAR
from capacity.models import Municipality

ANSWER_ACTION = "round_answer"  # opens the answer form: {"r": round id, "n": number}
SNOOZE_ACTION = "round_snooze"  # "remind me tomorrow": {"r": round id}
OPEN_ACTION = "round_open_form"  # the Home's "new round" (admins)
ANSWER_MODAL = "round_answer_modal"
OPEN_MODAL = "round_open_modal"
MESSAGE_TYPE = "round_message"  # the metadata of a direct message (found again by its key)


def _title(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:24]}  # Slack's limit for a modal's title


def _answer_button(t: Texts, message: RoundMessage | tuple[int, str, str]) -> dict[str, Any]:
    round_id, number, name = (
        (message.round_id, message.number, message.name)
        if isinstance(message, RoundMessage)
        else message
    )
    value = json.dumps({"r": round_id, "n": number})
    label = t.plain.text("rounds", "answer_button", {"name": name})[:75]
    return {**button(label, f"{ANSWER_ACTION}:{round_id}:{number}", value), "style": "primary"}


def request_message(message: RoundMessage, t: Texts) -> Message:
    """The request to an editor (or a reminder): what is asked, the deadline, last
    year's places, and a button that opens the form."""
    values = {
        "round": message.round_name,
        "name": message.name,
        "year": message.year,
        "deadline": t.date(message.deadline),
    }
    key = "ask_text" if message.purpose == "ask" else "remind_text"
    text = r(t, key, **values)
    lines = [text, r(t, "ask_what", **values)]
    if message.last_year is not None:
        lines.append(r(t, "ask_last_year", last_year=t.number(message.last_year)))
    buttons = [_answer_button(t, message)]
    if message.purpose == "remind":
        snooze = json.dumps({"r": message.round_id})
        buttons.append(button(t.plain.text("rounds", "snooze_button", {}), SNOOZE_ACTION, snooze))
    blocks = [
        section_block("\n".join(lines[:1])),
        section_block("\n".join(lines[1:])),
        actions_block(buttons, f"round-{message.round_id}-{message.number}"),
    ]
    return Message(text=text.replace("*", ""), blocks=blocks).check()


def answer_modal(
    t: Texts, found: Round, place: Municipality, answer: RoundAnswer | None, seen: str
) -> dict[str, Any]:
    """The answer form: spare places (required), the decision or the date one is
    expected, the places with more help, a comment; prefilled with the answer so far,
    which says who gave it."""
    p = t.plain
    number = {"type": "number_input", "is_decimal_allowed": False, "min_value": "0"}
    number["max_value"] = str(MAX_FIGURE)

    def prefilled(element: dict[str, Any], value: object) -> dict[str, Any]:
        return {**element, "initial_value": str(value)} if value is not None else element

    intro = r(
        t,
        "form_intro",
        round=found.name,
        name=place.name_no,
        number=place.number,
        year=found.year,
        deadline=t.date(found.deadline),
    )
    if answer is not None:
        intro += "\n" + r(
            t,
            "form_answered",
            who=answer.who,
            when=t.date(answer.answered_at),
            spare=t.number(answer.spare),
        )
    expected: dict[str, Any] = {"type": "datepicker"}
    if answer is not None and answer.decision_expected:
        expected["initial_date"] = answer.decision_expected.isoformat()
    comment: dict[str, Any] = {"type": "plain_text_input", "multiline": True, "max_length": 1000}
    if answer is not None and answer.comment:
        comment["initial_value"] = answer.comment
    force = {"type": "checkboxes", "options": [_option(p.text("rounds", "form_force", {}))]}
    return {
        "type": "modal",
        "callback_id": ANSWER_MODAL,
        "private_metadata": json.dumps({"r": found.id, "n": place.number, "s": seen}),
        "title": _title(p.text("rounds", "form_title", {})),
        "submit": {"type": "plain_text", "text": p.text("rounds", "form_submit", {})},
        "blocks": [
            section_block(intro),
            input_block(
                "spare",
                p.text("rounds", "field_spare", {"year": found.year}),
                prefilled(number, answer.spare if answer else None),
            ),
            input_block(
                "decision",
                p.text("rounds", "field_decision", {"year": found.year}),
                prefilled(number, answer.decision if answer else None),
                optional=True,
            ),
            input_block("expected", p.text("rounds", "field_expected", {}), expected, True),
            input_block(
                "extra",
                p.text("rounds", "field_extra", {}),
                prefilled(number, answer.extra if answer else None),
                optional=True,
            ),
            input_block("comment", p.text("rounds", "field_comment", {}), comment, True),
            input_block("force", p.text("rounds", "field_force", {}), force, optional=True),
        ],
    }


def _option(text: str, value: str = "force") -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text[:75]}, "value": value}


def open_modal(t: Texts, year: int, today: date) -> dict[str, Any]:
    """The Home's form to open a round (admins): name, deadline, scope and year."""
    p = t.plain
    return {
        "type": "modal",
        "callback_id": OPEN_MODAL,
        "title": _title(p.text("rounds", "open_title", {})),
        "submit": {"type": "plain_text", "text": p.text("rounds", "open_submit", {})},
        "blocks": [
            input_block(
                "name",
                p.text("rounds", "field_name", {}),
                {"type": "plain_text_input", "max_length": MAX_NAME_LENGTH},
            ),
            input_block(
                "deadline",
                p.text("rounds", "field_deadline", {}),
                {"type": "datepicker", "initial_date": today.isoformat()},
            ),
            input_block(
                "scope",
                p.text("rounds", "field_scope", {}),
                {"type": "plain_text_input", "initial_value": "storbynettverket"},
            ),
            input_block(
                "year",
                p.text("rounds", "field_year", {}),
                {
                    "type": "number_input",
                    "is_decimal_allowed": False,
                    "min_value": str(MIN_YEAR),
                    "max_value": str(MAX_YEAR),
                    "initial_value": str(year),
                },
            ),
        ],
    }


def answered_message(
    found: Round,
    place: Municipality,
    answer: RoundAnswer,
    t: Texts,
    report: str,
    overbooked: int = 0,
) -> Message:
    """The confirmation an editor gets after the form is saved (saved anyway below the
    reservations: by how much the municipality is overbooked)."""
    key = "answered_late" if answer.late else "answered"
    text = r(t, key, round=found.name, name=place.name_no, spare=t.number(answer.spare))
    if overbooked:
        text += " " + r(t, "answered_overbooked", name=place.name_no, over=t.number(overbooked))
    return Message(text=text, blocks=[section_block(text), context_block(report)]).check()


def snoozed_message(t: Texts, until_text: str) -> Message:
    text = r(t, "snoozed", when=until_text)
    return Message(text=text, blocks=[section_block(text)]).check()


# -- the Home ----------------------------------------------------------------------------


def home_blocks(
    t: Texts,
    waiting: list[tuple[Round, Municipality]],
    open_rounds: list[tuple[Round, int, int]],
    admin: bool,
) -> list[dict[str, Any]]:
    """An editor's rounds waiting for their answer (with the form's button), and for an
    admin the open rounds with their counts and a button to open a new one."""
    blocks: list[dict[str, Any]] = []
    if waiting:
        blocks.append(section_block(r(t, "home_waiting")))
        for found, place in waiting[:5]:
            line = r(
                t,
                "home_waiting_line",
                round=found.name,
                name=place.name_no,
                deadline=t.date(found.deadline),
            )
            blocks.append(
                {
                    **section_block(line),
                    "accessory": _answer_button(t, (found.id, place.number, place.name_no)),
                }  # fmt: skip
            )
    if admin:
        if open_rounds:
            lines = [
                r(
                    t,
                    "home_open_line",
                    round=found.name,
                    answered=t.number(answered),
                    members=t.number(members),
                    deadline=t.date(found.deadline),
                )
                for found, answered, members in open_rounds[:5]
            ]
            blocks.append(section_block(r(t, "home_open") + "\n" + "\n".join(lines)))
        new = button(t.plain.text("rounds", "home_new", {}), OPEN_ACTION, "new")
        blocks.append(actions_block([new], "home_rounds"))
    return blocks
