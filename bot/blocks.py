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
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.i18n import Safe, Texts
from capacity import errors
from capacity.models import IMDI_MEASURES, CapacityLine, Measure, Municipality, Overview, Total
from capacity.names import Resolution
from capacity.results import ChangeResult

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_BUTTONS = 25
MAX_HEADER = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ID = 255
PAGE_SIZE = 20

SHOW_ACTION = "capacity_show"
PAGE_ACTION = "capacity_page"
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
    return plain(t("help"))


def capacity_message(line: CapacityLine, t: Texts) -> Message:
    """One municipality: spare places now, the figures behind them and their source."""
    m = line.municipality
    if not line.figures:
        years = ", ".join(map(str, line.years_with_figures)) or t("no_years")
        return plain(t("no_figures", name=m.name, number=m.number, year=line.year, years=years))
    if line.remaining is not None:
        headline = t(
            "remaining_now",
            name=m.name,
            number=m.number,
            year=line.year,
            remaining=t.number(line.remaining),
        )
    else:
        headline = t("no_spare_reported", name=m.name, number=m.number, year=line.year)
    details = []
    report = line.spare_report
    if report is not None:
        details.append(
            t(
                "reported_line",
                spare=t.number(report.value),
                source=report.source,
                by=report.actor,
                date=f"{report.changed_at:%Y-%m-%d}",
            )
        )
    details.append(t("reserved_line", reserved=t.number(line.reserved)))
    figures = [
        f"{t.measure(measure)}: *{t.number(line.value(measure))}*"
        for measure in (
            *IMDI_MEASURES,
            Measure.MINORS_REQUEST,
            Measure.MINORS_DECISION,
            Measure.FAMILY_REUNIFICATION,
        )
        if measure in line.figures
    ]
    sources = sorted({line.figures[m].source for m in IMDI_MEASURES if m in line.figures} - {""})
    blocks = [section_block(headline), section_block("\n".join(details))]
    if figures:
        blocks.append(
            section_block(f"*{t('imdi_heading', year=line.year)}*\n" + "\n".join(figures))
        )
        notes = [
            t(
                "derived",
                dr=t.signed(line.decision_minus_request),
                ds=t.signed(line.decision_minus_settled),
            )
        ]
        if any(not line.known(m) for m in IMDI_MEASURES if m in line.figures):
            notes.append(t("unknown_note"))
        notes.extend(t("source", source=source) for source in sources)
        blocks.append(context_block("\n".join(notes)))
    text = headline.replace("*", "") + ". " + ". ".join(d.replace("*", "") for d in details)
    return Message(text=text, blocks=blocks).check()


def _table(lines: list[CapacityLine], t: Texts) -> str:
    width = max([len(t("col_municipality"))] + [len(line.municipality.name_no) for line in lines])
    head = (
        f"{t('col_municipality'):<{width}} {t('col_remaining'):>6} "
        f"{t('col_reported'):>6} {t('col_reserved'):>6}"
    )
    rows = [head]
    for line in lines:
        rows.append(
            f"{line.municipality.name_no:<{width}} "
            f"{_cell(line.remaining, t):>6} {_cell(line.spare, t):>6} {t.number(line.reserved):>6}"
        )
    return "```\n" + "\n".join(rows) + "\n```"


def _cell(value: int | None, t: Texts) -> str:
    return "–" if value is None else t.number(value)


def _sum(total: Total, t: Texts) -> str:
    """A total with no known value is unknown, not 0."""
    return t.number(total.value) if total.counted else t("unknown")


def overview_message(overview: Overview, t: Texts, page: int = 1) -> Message:
    """A group (every member) or the country (those with reported spare capacity, most
    remaining first, a page at a time, with buttons to the other pages)."""
    totals = overview.totals
    national = overview.scope == "norge"
    lines = list(overview.lines)
    if national:
        lines = sorted(
            (ln for ln in lines if ln.spare is not None),
            key=lambda ln: (-(ln.remaining or 0), ln.municipality.name_no),
        )
    pages = max(1, math.ceil(len(lines) / PAGE_SIZE))
    page = min(max(1, page), pages)
    shown = lines[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    total = t(
        "overview_total",
        remaining=t.number(totals["remaining"].value),
        spare=t.number(totals["spare"].value),
        reserved=t.number(totals["reserved"].value),
    )
    blocks = [header_block(t.plain("overview_title", title=overview.title, year=overview.year))]
    if national:
        blocks.append(
            section_block(
                t(
                    "national_totals",
                    year=overview.year,
                    original=_sum(totals[Measure.ORIGINAL_REQUEST], t),
                    request=_sum(totals[Measure.REQUEST], t),
                    decision=_sum(totals[Measure.DECISION], t),
                    settled=_sum(totals[Measure.SETTLED], t),
                )
            )
        )
    blocks.append(section_block(total))
    if shown:
        blocks.append(section_block(_table(shown, t)))
    else:
        blocks.append(section_block(t("no_reports", year=overview.year)))
    notes = []
    if national and lines:
        notes.append(
            t(
                "page",
                page=page,
                pages=pages,
                first=(page - 1) * PAGE_SIZE + 1,
                last=(page - 1) * PAGE_SIZE + len(shown),
                count=len(lines),
            )
        )
        notes.append(t("export_hint"))
    unknown = {m: totals[m.value].unknown for m in (Measure.DECISION, Measure.SETTLED)}
    if national and any(unknown.values()):
        notes.append(
            t(
                "unknown_counts",
                decision=unknown[Measure.DECISION],
                settled=unknown[Measure.SETTLED],
            )
        )
    if notes:
        blocks.append(context_block("\n".join(notes)))
    if national and pages > 1:
        buttons = []
        if page > 1:
            buttons.append(_page_button(t("previous"), overview, page - 1))
        if page < pages:
            buttons.append(_page_button(t("next"), overview, page + 1))
        blocks.append(actions_block(buttons, f"pages-{page}"))
    text = f"{overview.title} {overview.year}: " + total.replace("*", "")
    return Message(text=text, blocks=blocks).check()


def _page_button(label: str, overview: Overview, page: int) -> dict[str, Any]:
    value = json.dumps({"s": overview.scope, "y": overview.year, "p": page})
    return button(label, f"{PAGE_ACTION}:{page}", value)


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


FULL_REFUSALS = {"permission", "busy"}  # texts that say "nothing was changed" themselves


def refusal(
    error: errors.CapacityError, t: Texts, year: int | None = None, redo: Redo | None = None
) -> Message:
    """Every refusal of the core as a message: a name not found or ambiguous offers
    the choices as buttons (carrying the request on, with `redo`); anything else says
    what is wrong and that nothing changed."""
    resolution = error.facts.get("resolution")
    if resolution is not None:
        return choices_message(resolution, t, year, redo)
    text = t.refusal(error)
    if error.code not in FULL_REFUSALS:
        text = t("invalid", message=Safe(text.rstrip(".")))
    return plain(text)


def report_message(result: ChangeResult, t: Texts, user: str) -> Message:
    m = result.municipality
    before = t.number(result.before) if result.before is not None else t("none")
    text = t(
        "report_done",
        name=m.name_no,
        number=m.number,
        year=result.year,
        before=before,
        after=t.number(result.after),
        remaining=t.number(result.line.remaining),
        user=user,
    )
    if result.alerted:
        text += " " + t("channel_alerted")
    return plain(text)
