"""The sentences of a pace answer, in one language, for Slack (a mrkdwn catalogue) and
the terminal (a plain one): built here once from the domain's answers, so the bot, the
CLI, the weekly summary and the Home tab say the same. Texts: `[pace]` in the catalogues.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from capacity.domain.pace import Comparison, Interval, Pace, percent
from capacity.domain.pace_scope import MunicipalityPace, ScopePace, Standing
from capacity.texts.i18n import Catalogue, Safe

MANY_INTERVALS = 3  # up to this many paces between snapshots are listed one by one
NAMES = 12  # municipalities named in a group counted apart; the rest are counted


@dataclass
class Said:
    """A pace answer as sentences: its title (plain), the main lines, the projection
    with its method (two sentences) when there is one, and the notes."""

    title: str
    lines: list[str] = field(default_factory=list)
    projection: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def say(t: Catalogue, key: str, **values: Any) -> str:
    return t.text("pace", key, values)


def pct(t: Catalogue, value: int | None) -> str:
    return t.number(None) if value is None else say(t, "percent", value=t.number(value))


def day(t: Catalogue, when: date) -> str:
    return t.short_date(when.isoformat())


def position(t: Catalogue, ahead: int) -> str:
    """Persons ahead of the line, or behind it."""
    if ahead < 0:
        return say(t, "behind", count=t.number(-ahead))
    if ahead > 0:
        return say(t, "ahead", count=t.number(ahead))
    return say(t, "on_line")


def against_decision(t: Catalogue, settled: int, decision: int) -> str:
    if settled < decision:
        return say(t, "below", count=t.number(decision - settled))
    if settled > decision:
        return say(t, "above", count=t.number(settled - decision))
    return say(t, "exact")


def month(t: Catalogue, value: float) -> str:
    return t.number(round(value))


def standing_lines(t: Catalogue, p: Pace, name: str) -> list[str]:
    """Where `p` stands: settled against the decision and the line, the pace needed,
    the pace between snapshots; or why it is unknown, or the result of a year over."""
    if p.day is None:
        return [say(t, "no_snapshot", year=p.year)]
    when = day(t, p.day)
    if p.problem == "no_decision":
        return [say(t, "no_decision", name=name, year=p.year, date=when)]
    if p.problem == "unknown_settled":
        return [say(t, "unknown_settled", name=name, year=p.year, date=when)]
    settled, decision = p.settled or 0, p.decision or 0
    if p.over:
        where = against_decision(t, settled, decision)
        return [
            say(t, "over", year=p.year, settled=t.number(settled), decision=t.number(decision),
                share=pct(t, p.share), position=Safe(where), date=when)
        ]  # fmt: skip
    lines = [
        say(t, "standing", settled=t.number(settled), decision=t.number(decision),
            share=pct(t, p.share), date=when, year_share=pct(t, p.year_share),
            day=p.elapsed, days=p.length),
        say(t, "line", line=t.number(p.line), date=when, position=Safe(position(t, p.ahead or 0))),
    ]  # fmt: skip
    if p.needed == 0:
        lines.append(say(t, "reached"))
    elif p.needed is not None:
        lines.append(say(t, "needed", count=t.number(p.needed)))
    lines.extend(between_lines(t, p))
    return lines


def between_lines(t: Catalogue, p: Pace) -> list[str]:
    if p.snapshots == 1:
        return [say(t, "one_snapshot", year=p.year)]
    if not p.intervals:
        return []
    if len(p.intervals) <= MANY_INTERVALS:
        paces = ", ".join(_interval(t, i) for i in p.intervals)
        return [say(t, "between", paces=Safe(paces))]
    rates = [i.per_month for i in p.intervals]
    return [
        say(t, "between_many", latest=Safe(_interval(t, p.intervals[-1])),
            slowest=month(t, min(rates)), fastest=month(t, max(rates)),
            count=t.number(len(p.intervals)))
    ]  # fmt: skip


def _interval(t: Catalogue, i: Interval) -> str:
    return say(t, "interval", count=month(t, i.per_month), start=day(t, i.start), end=day(t, i.end))


def projection_lines(t: Catalogue, p: Pace) -> list[str]:
    """The projection, labelled as one, and its method in two sentences."""
    found = p.projection
    if found is None or not p.decision:
        return []
    if found.low == found.high:  # the slowest and fastest paces end the year alike
        return [
            say(t, "projection_one", year=p.year, settled=t.number(found.low),
                share=pct(t, percent(found.low, p.decision)), decision=t.number(p.decision)),
            say(t, "method"),
        ]  # fmt: skip
    return [
        say(t, "projection", year=p.year, low=t.number(found.low), high=t.number(found.high),
            low_share=pct(t, percent(found.low, p.decision)),
            high_share=pct(t, percent(found.high, p.decision)), decision=t.number(p.decision)),
        say(t, "method"),
    ]  # fmt: skip


def last_year_line(t: Catalogue, c: Comparison | None) -> list[str]:
    if c is None:
        return []
    return [
        say(t, "last_year", date=day(t, c.day), settled=t.number(c.settled),
            decision=t.number(c.decision), share=pct(t, c.share), line=t.number(c.line),
            position=Safe(position(t, c.ahead)))
    ]  # fmt: skip


def source_line(t: Catalogue, days: Sequence[date]) -> list[str]:
    if not days:
        return []
    return [say(t, "source", dates=", ".join(day(t, d) for d in days))]


def municipality(t: Catalogue, answer: MunicipalityPace) -> Said:
    """A municipality's pace as sentences."""
    m, p = answer.municipality, answer.pace
    said = Said(title=t.plain.text("pace", "title", {"year": p.year, "title": m.label}))
    said.lines = standing_lines(t, p, m.name_no)
    said.projection = projection_lines(t, p)
    said.notes = last_year_line(t, p.last_year)
    if answer.settled_by_batches:
        said.notes.append(say(t, "batches", year=p.year, count=t.number(answer.settled_by_batches)))
    said.notes += source_line(t, answer.days if not p.over else ())
    return said


def scope(t: Catalogue, answer: ScopePace) -> Said:
    """A scope's pace as sentences (the tables of its municipalities are the adapters')."""
    p = answer.total
    title = t.scope(answer.title)
    said = Said(title=t.plain.text("pace", "title", {"year": answer.year, "title": title}))
    counted = len(answer.standings)
    if p.day is not None and counted:
        said.lines.append(say(t, "scope_sum", count=counted))
    said.lines += standing_lines(t, p, title)
    if counted and p.day is not None and not p.over:
        said.lines.append(
            say(t, "behind_count", count=t.number(answer.behind), total=t.number(counted))
        )
    said.projection = projection_lines(t, p)
    said.notes = last_year_line(t, p.last_year)
    apart = apart_line(t, answer)
    if apart:
        said.notes.append(apart)
    if answer.settled_by_batches:
        said.notes.append(say(t, "batches", year=p.year, count=t.number(answer.settled_by_batches)))
    return said


def apart_line(t: Catalogue, answer: ScopePace, limit: int = NAMES) -> str:
    """The municipalities counted apart, by reason, named (the first `limit`)."""
    groups = []
    for key, names in (("apart_no_decision", answer.no_decision),
                       ("apart_unknown", answer.unknown_settled)):  # fmt: skip
        if names:
            shown = ", ".join(names[:limit])
            if len(names) > limit:
                shown += " " + say(t, "more", count=t.number(len(names) - limit))
            groups.append(say(t, key, count=t.number(len(names)), names=shown))
    return say(t, "apart", groups=Safe("; ".join(groups))) if groups else ""


def network_line(t: Catalogue, answer: ScopePace) -> str:
    """One line for the weekly summary and the Home tab."""
    p = answer.total
    title = t.scope(answer.title)
    if p.day is None or not p.counted:
        return say(t, "network_none", year=answer.year)
    settled, decision = t.number(p.settled), t.number(p.decision)
    if p.over:
        return say(t, "network_over", year=p.year, title=title, settled=settled,
                   decision=decision, share=pct(t, p.share))  # fmt: skip
    return say(
        t, "network_line", year=p.year, title=title, date=day(t, p.day), settled=settled,
        decision=decision, share=pct(t, p.share), position=Safe(position(t, p.ahead or 0)),
        behind=t.number(answer.behind), counted=t.number(len(answer.standings)),
    )  # fmt: skip


def table(t: Catalogue, standings: Sequence[Standing]) -> list[str]:
    """Municipalities as monospaced lines: name, settled, decision, line, ± the line,
    share (a code block in Slack, plain lines in a terminal)."""
    keys = ("col_settled", "col_decision", "col_line", "col_ahead", "col_share")
    head = (t.plain("col_municipality"), *(t.plain.text("pace", key, {}) for key in keys))
    rows = [head, *(row(t, s) for s in standings)]
    widths = [max(len(cells[i]) for cells in rows) for i in range(len(head))]
    return [
        " ".join(
            cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i])
            for i, cell in enumerate(cells)
        ).rstrip()
        for cells in rows
    ]


def row(t: Catalogue, s: Standing) -> tuple[str, str, str, str, str, str]:
    """A municipality in a scope's table: name, settled, decision, line, ±, share."""
    ahead = s.ahead or 0
    signed = ("+" if ahead > 0 else "") + t.number(ahead).replace("-", "−")
    return (s.name, t.number(s.settled), t.number(s.decision), t.number(s.line), signed,
            pct(t, s.share))  # fmt: skip
