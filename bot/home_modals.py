"""The Home tab's forms as Block Kit (pure): report a figure, and make a plan for an
open batch. The new-batch form is `/relocation`'s own (`bot.listeners.batch_modal`)."""

from __future__ import annotations

from typing import Any

from bot.blocks import count_input, input_block
from bot.i18n import Texts
from capacity.domain.rules import MAX_YEAR, MIN_YEAR
from capacity.models import Batch, Municipality

REPORT_MODAL = "home_report_modal"
PLAN_MODAL = "home_plan_modal"
MAX_OPTIONS = 100  # Slack's limit for a static_select
MAX_OPTION_TEXT = 75


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text[:MAX_OPTION_TEXT]}, "value": value}


def _title(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:24]}  # Slack's limit for a modal's title


def report_modal(t: Texts, year: int, places: list[Municipality]) -> dict[str, Any]:
    """Municipality (an editor picks one of theirs; an admin types any), year (the
    planning year unless changed), spare places and a reason."""
    p = t.plain
    if places:
        options = [_option(m.label, m.number) for m in places[:MAX_OPTIONS]]
        place = {"type": "static_select", "options": options, "initial_option": options[0]}
    else:
        place = {"type": "plain_text_input", "max_length": 100}
    number = {"type": "number_input", "is_decimal_allowed": False}
    return {
        "type": "modal",
        "callback_id": REPORT_MODAL,
        "title": _title(p("report_modal_title")),
        "submit": {"type": "plain_text", "text": p("report_modal_submit")},
        "blocks": [
            input_block("municipality", p("field_municipality"), place),
            input_block(
                "year",
                p("field_year"),
                {
                    **number,
                    "initial_value": str(year),
                    "min_value": str(MIN_YEAR),
                    "max_value": str(MAX_YEAR),
                },
            ),
            input_block("figure", p("field_figure"), count_input(t)),  # typed as written
            input_block(
                "reason",
                p("field_reason"),
                {"type": "plain_text_input", "max_length": 500},
                optional=True,
            ),
            input_block(
                "force",
                p("field_force"),
                {"type": "checkboxes", "options": [_option(p("report_force"), "force")]},
                optional=True,
            ),
        ],
    }


def plan_modal(t: Texts, batches: list[Batch]) -> dict[str, Any]:
    """The open batches to plan (with what of each is unassigned); none: says so."""
    p = t.plain
    if not batches:
        return {
            "type": "modal",
            "callback_id": PLAN_MODAL,
            "title": _title(p("plan_modal_title")),
            "close": {"type": "plain_text", "text": p("plan_modal_close")},
            "blocks": [
                {"type": "section", "text": {"type": "plain_text", "text": p("plan_modal_none")}}
            ],
        }
    options = [
        _option(
            p(
                "plan_option",
                batch=b.name,
                year=b.year,
                status=p.status(b.status.value),
                persons=p.number(b.unallocated),
            ),
            str(b.id),
        )
        for b in batches[:MAX_OPTIONS]
    ]
    return {
        "type": "modal",
        "callback_id": PLAN_MODAL,
        "title": _title(p("plan_modal_title")),
        "submit": {"type": "plain_text", "text": p("plan_modal_submit")},
        "blocks": [
            input_block(
                "batch",
                p("field_batch"),
                {"type": "static_select", "options": options, "initial_option": options[0]},
            )
        ],
    }


def notice_modal(t: Texts, title: str, text: str) -> dict[str, Any]:
    """A form that only says something (plain text) and closes: a Home button clicked
    by someone whose role does not allow it (a Home published before a role changed)."""
    p = t.plain
    return {
        "type": "modal",
        "title": _title(title),
        "close": {"type": "plain_text", "text": p("plan_modal_close")},
        "blocks": [{"type": "section", "text": {"type": "plain_text", "text": text[:3000]}}],
    }


def field(values: dict[str, Any], block: str) -> str:
    """A submitted field's value: typed text or number, or the chosen option's value."""
    element = (values.get(block) or {}).get("value") or {}
    chosen = element.get("selected_option") or {}
    return str(chosen.get("value") or element.get("value") or "").strip()


def checked(values: dict[str, Any], block: str) -> bool:
    """Whether a form's single checkbox was ticked."""
    element = (values.get(block) or {}).get("value") or {}
    return bool(element.get("selected_options"))
