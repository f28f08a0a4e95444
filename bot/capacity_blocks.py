"""Block Kit for `/capacity`: a municipality, the network or the country, a report, the
history and the planning year. Pure functions from the core's answers to messages;
every answer names its year, and its moment when it is "as of"."""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

from bot.age_blocks import age_text, stale_note
from bot.blocks import (
    Message,
    actions_block,
    button,
    context_block,
    header_block,
    plain,
    section_block,
)
from bot.chart_blocks import chart_actions
from bot.i18n import Safe, Texts
from bot.list_blocks import list_button
from bot.standing_blocks import table, table_notes
from capacity.models import (
    IMDI_MEASURES,
    CapacityLine,
    Change,
    Measure,
    Overview,
    Total,
    YearFigures,
)
from capacity.reference.geography import NATIONAL
from capacity.texts import standing
from capacity.usecases.results import ChangeResult

PAGE_SIZE = 20
PAGE_ACTION = "capacity_page"
REPORT_ANYWAY_ACTION = "capacity_report_anyway"
EXTRA_MEASURES = (Measure.MINORS_REQUEST, Measure.MINORS_DECISION, Measure.FAMILY_REUNIFICATION)


def _headline(line: CapacityLine, t: Texts) -> str:
    m = line.municipality
    values: dict[str, Any] = {"name": m.name, "number": m.number, "year": line.year}
    moment = t.moment(line.as_of) if line.as_of else None
    if line.remaining is None:
        return t("no_spare_reported", **values)
    if line.overbooked:
        key = "overbooked_as_of" if moment else "overbooked_now"
        return standing.text(t, key, over=t.number(line.overbooked), moment=moment, **values)
    key = "remaining_as_of" if moment else "remaining_now"
    return t(key, remaining=t.number(line.remaining), moment=moment, **values)


def _partial(t: Texts, source_date: str) -> str:
    return t("partial_note", date=t.short_date(source_date)) if source_date else ""


def _other_year(item: YearFigures, t: Texts) -> str:
    return t(
        "other_year_line",
        year=item.year,
        partial=Safe(_partial(t, item.partial)),
        request=t.number(item.values.get(Measure.REQUEST)),
        decision=t.number(item.values.get(Measure.DECISION)),
        settled=t.number(item.values.get(Measure.SETTLED)),
    )


def capacity_message(
    line: CapacityLine, t: Texts, *, now: datetime | None = None, stale_days: int | None = None
) -> Message:
    """One municipality: spare places (or how far it is overbooked), the figures
    behind them with their source and date (and, given `now`, how old the reported
    figure is, marked old past `stale_days`), and IMDi's figures of the other years."""
    m = line.municipality
    others = [_other_year(item, t) for item in line.other_years]
    if not line.figures:
        years = ", ".join(map(str, line.years_with_figures)) or t("no_years")
        text = t("no_figures", name=m.name, number=m.number, year=line.year, years=years)
        blocks = [section_block(text)]
        if others:
            blocks.append(context_block("\n".join(others)))
        return Message(text=text.replace("*", ""), blocks=blocks).check()
    headline = _headline(line, t)
    details = []
    report = line.spare_report
    if report is not None:
        details.append(
            t(
                "reported_line",
                spare=t.number(report.value),
                source=report.source,
                by=report.actor,
                date=t.when(report.source_date, report.changed_at),
            )
        )
        if now is not None and stale_days is not None and line.as_of is None:
            details[-1] += " " + age_text(report, t, now, stale_days)
    details.append(t("reserved_line", reserved=t.number(line.reserved_open)))
    if line.settled:
        details.append(t("settled_line", settled=t.number(line.settled)))
    if line.overbooking:
        batches = ", ".join(f"{name} ({t.number(persons)})" for name, persons in line.overbooking)
        details.append(t("overbooked_batches", batches=batches))
    figures = [
        f"{t.measure(measure)}: *{t.number(line.value(measure))}*"
        for measure in (*IMDI_MEASURES, *EXTRA_MEASURES)
        if measure in line.figures
    ]
    blocks = [section_block(headline), section_block("\n".join(details))]
    if line.named is not None:  # the name typed is another municipality in the year's structure
        blocks.append(context_block(standing.named(t, line)))
    if figures:
        if line.partial:
            date = t.short_date(line.partial)
            heading = t("imdi_partial_heading", year=line.year, date=date)
        else:
            heading = t("imdi_heading", year=line.year)
        blocks.append(section_block(f"*{heading}*\n" + "\n".join(figures)))
        blocks.append(context_block("\n".join(_notes(line, t))))
    if others:
        blocks.append(context_block(f"*{t('other_years_heading')}*\n" + "\n".join(others)))
    blocks.append(chart_actions(t, m.number, line.year))  # the chart of these figures
    text = headline.replace("*", "") + ". " + ". ".join(d.replace("*", "") for d in details)
    return Message(text=text, blocks=blocks).check()


def _notes(line: CapacityLine, t: Texts) -> list[str]:
    notes = [
        t(
            "derived",
            dr=t.signed(line.decision_minus_request),
            ds=t.signed(line.decision_minus_settled),
        )
    ]
    if any(not line.known(m) for m in IMDI_MEASURES if m in line.figures):
        notes.append(t("unknown_note"))
    sources = sorted({line.figures[m].source for m in IMDI_MEASURES if m in line.figures} - {""})
    notes.extend(t("source", source=source) for source in sources)
    return notes


# -- overviews ---------------------------------------------------------------------------


def total_text(total: Total, t: Texts) -> str:
    """A total with no known value is unknown (and says how many lack one), not 0."""
    if total.known:
        return t.number(total.value)
    return t("unknown_total", count=t.number(total.unknown + total.missing))


def overview_message(
    overview: Overview,
    t: Texts,
    page: int = 1,
    *,
    now: datetime | None = None,
    stale_days: int | None = None,
) -> Message:
    """A group (every member) or the country (those with reported spare capacity, most
    remaining first, a page at a time, with buttons to the other pages)."""
    totals = overview.totals
    national = overview.scope == NATIONAL
    lines = list(overview.lines)
    if national:
        lines = sorted(
            (ln for ln in lines if ln.spare is not None),
            key=lambda ln: (-(ln.remaining or 0), ln.municipality.name_no),
        )
    pages = max(1, math.ceil(len(lines) / PAGE_SIZE))
    page = min(max(1, page), pages)
    shown = lines[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    label = standing.text(t, "total_label")
    over = standing.overbooked_of(overview.lines)
    total = standing.total_line(t, totals, over, overview.year, label)
    if overview.as_of:
        title = t.plain(
            "overview_title_as_of",
            title=t.scope(overview.title),
            year=overview.year,
            moment=t.plain.moment(overview.as_of),
        )
    else:
        title = t.plain("overview_title", title=t.scope(overview.title), year=overview.year)
    blocks = [header_block(title[:150])]
    if national:
        blocks.append(
            section_block(
                t(
                    "national_totals",
                    year=overview.year,
                    original=total_text(totals[Measure.ORIGINAL_REQUEST], t),
                    request=total_text(totals[Measure.REQUEST], t),
                    decision=total_text(totals[Measure.DECISION], t),
                    settled=total_text(totals[Measure.SETTLED], t),
                )
            )
        )
    blocks.append(section_block(total))
    if shown:
        blocks.append(section_block(table(shown, t)))
    notes = _overview_notes(overview, lines, shown, page, pages, t)
    if now is not None and stale_days is not None and overview.as_of is None:
        old = stale_note(list(overview.lines), t, now, stale_days)
        notes += [old] if old else []
    if notes:
        blocks.append(context_block("\n".join(notes)))
    buttons = []
    if national and page > 1:
        buttons.append(_page_button(t("previous"), overview, page - 1))
    if national and page < pages:
        buttons.append(_page_button(t("next"), overview, page + 1))
    if _whole_list(overview):  # every municipality with figures, as a file
        buttons.append(list_button(t, overview.scope, overview.year))
    if buttons:
        blocks.append(actions_block(buttons, f"pages-{page}"))
    text = f"{title}: " + total.replace("*", "")
    return Message(text=text, blocks=blocks).check()


def _whole_list(overview: Overview) -> bool:
    """Whether the country's answer offers its whole list as a file: any municipality has
    figures (IMDi's, when none reported spare places), and it is now, not "as of"."""
    national = overview.scope == NATIONAL
    return national and overview.as_of is None and any(ln.figures for ln in overview.lines)


def _overview_notes(
    overview: Overview,
    lines: list[CapacityLine],
    shown: list[CapacityLine],
    page: int,
    pages: int,
    t: Texts,
) -> list[str]:
    national = overview.scope == NATIONAL
    notes = table_notes(shown, overview.totals, t)
    if national and lines:
        first = (page - 1) * PAGE_SIZE + 1
        notes.append(
            t(
                "page",
                page=page,
                pages=pages,
                first=first,
                last=first + len(shown) - 1,
                count=len(lines),
            )
        )
    if _whole_list(overview):
        notes.append(standing.text(t, "list_hint"))
    totals = overview.totals
    unknown = {m: totals[m.value].unknown for m in (Measure.DECISION, Measure.SETTLED)}
    decision, settled = unknown[Measure.DECISION], unknown[Measure.SETTLED]
    if national and (decision or settled):  # a figure left out of no sum is not named
        key = "unknown_counts" if decision and settled else (
            "unknown_counts_decision" if decision else "unknown_counts_settled")  # fmt: skip
        notes.append(t(key, decision=decision, settled=settled))
    return notes


def _page_button(label: str, overview: Overview, page: int) -> dict[str, Any]:
    value = json.dumps({"s": overview.scope, "y": overview.year, "p": page})
    return button(label, f"{PAGE_ACTION}:{page}", value)


# -- changes -----------------------------------------------------------------------------


def report_message(result: ChangeResult, t: Texts, user: str) -> Message:
    m = result.municipality
    before = t.number(result.before) if result.before is not None else t("none")
    remaining = standing.remaining_now(t, result.line)
    text = t(
        "report_done",
        name=m.name_no,
        number=m.number,
        year=result.year,
        before=before,
        after=t.number(result.after),
        remaining=Safe(remaining),
        user=user,
    )
    if result.alerted:
        text += " " + t("channel_alerted")
    return plain(text)


def report_anyway(refused: Message, t: Texts, value: dict[str, Any]) -> Message:
    """A report below the reservations, refused with the numbers: a button saves it
    anyway (the place is then overbooked and the coordination channel is told)."""
    confirm = {
        **button(t.plain("report_anyway"), REPORT_ANYWAY_ACTION, json.dumps(value)),
        "style": "danger",
    }
    return Message(
        text=refused.text, blocks=[*refused.blocks, actions_block([confirm], "anyway")]
    ).check()


def _shown(value: Any, t: Texts) -> str:
    if value == "absent":
        return t("history_absent")
    return t.number(value) if value is None or isinstance(value, int) else str(value)


def _what(change: Change, t: Texts) -> str:
    parts = change.key.split("/")
    if change.entity == "figure" and len(parts) == 3:
        return t(
            "history_figure",
            measure=t.measure(parts[2]),
            year=parts[1],
            before=_shown(change.before, t),
            after=_shown(change.after, t),
        )
    if change.entity == "allocation" and len(parts) == 4 and isinstance(change.after, dict):
        persons = t.number(change.after.get("persons"))
        if change.before is None:
            return t("history_reserved", persons=persons, year=parts[1],
                     batch=str(change.after.get("batch", "")))  # fmt: skip
        return t("history_released", persons=persons, year=parts[1])
    return t("history_other", key=change.key, before=str(change.before), after=str(change.after))


def planning_year_message(
    year: int, t: Texts, before: int | None = None, user: str = ""
) -> Message:
    if before is None:
        return plain(t("planning_year_is", year=year))
    if before == year:
        return plain(t("planning_year_same", year=year))
    return plain(t("planning_year_set", year=year, before=before, user=user))
