"""Collection rounds as Block Kit (pure): where a round stands (the tracker in the
coordination channel and `/capacity innhenting status` show the same), the closing
summary, the list of rounds, and the answer to opening one. Within Slack's limits (3,000
characters a section, 50 blocks a message); everything users typed is escaped."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.blocks import (
    MAX_SECTION,
    Message,
    context_block,
    header_block,
    plain,
    section_block,
    section_blocks,
)
from bot.i18n import Texts
from capacity.domain.rounds import Member, Round, RoundClosed, RoundLine, RoundState

MAX_NAMES = 12  # names listed per county line before "+N"
TRACKER_KEY = "round_tracker"  # the tracker's metadata event type


def r(t: Texts, key: str, **values: Any) -> str:
    """A text of the `[rounds]` table."""
    return t.text("rounds", key, values)


def names(t: Texts, members: list[Member] | tuple[Member, ...], limit: int = MAX_NAMES) -> str:
    shown = ", ".join(m.municipality.name_no for m in members[:limit])
    more = len(members) - limit
    return shown + (r(t, "more", count=t.number(more)) if more > 0 else "")


def _chunks(lines: list[str]) -> list[dict[str, Any]]:
    """Lines as sections of at most 3,000 characters, each line cut to 2,900."""
    return section_blocks(lines, MAX_SECTION, line_limit=2900)


def _deadline(state: RoundState, t: Texts) -> str:
    found = state.round
    if not found.open:
        when = found.closed_at or state.at
        return r(t, "closed_at", when=t.date(when), who=found.closed_by)
    if state.past_deadline:
        return r(t, "deadline_passed", deadline=t.date(found.deadline))
    return r(t, "deadline", deadline=t.date(found.deadline))


def status_blocks(state: RoundState, t: Texts, updated: datetime | None = None) -> list[dict]:
    found = state.round
    title = t.plain.text("rounds", "title", {"name": found.name, "year": found.year})
    totals = r(
        t,
        "totals",
        answered=t.number(len(state.answered)),
        members=t.number(len(state.members)),
        late=t.number(len(state.late)),
        offered=t.number(state.offered),
    )
    if state.last_year is not None:
        totals += " " + r(t, "against_last_year", last_year=t.number(state.last_year))
    if state.extra:
        totals += " " + r(t, "extra_total", extra=t.number(state.extra))
    head = [
        header_block(title[:150]),
        section_block(
            r(t, "scope_line", scope=t.scope(found.scope_title)) + "\n" + _deadline(state, t)
        ),
        section_block(totals),
    ]
    counties = []
    waiting: dict[str, list[Member]] = {}
    for member in state.not_answered:
        waiting.setdefault(member.county, []).append(member)
    for count in sorted(state.by_county(), key=lambda c: c.county):
        line = r(
            t,
            "county_line",
            county=count.county or "–",
            answered=t.number(count.answered),
            members=t.number(count.members),
        )
        if waiting.get(count.county):
            line += " " + r(t, "waiting_for", names=names(t, waiting[count.county]))
        counties.append(line)
    notes = []
    if state.late:
        notes.append(r(t, "late_ones", names=names(t, state.late, 40)))
    if state.no_contact:
        notes.append(r(t, "no_contact_ones", names=names(t, state.no_contact, 40)))
    for member in state.undelivered[:10]:
        reasons = ", ".join(f"{u.user}: {u.reason}" for u in member.undelivered[:3])
        notes.append(r(t, "undelivered", name=member.municipality.name_no, reasons=reasons))
    if len(state.undelivered) > 10:
        notes.append(r(t, "undelivered_more", count=t.number(len(state.undelivered) - 10)))
    if state.pending_messages:
        notes.append(r(t, "pending", count=state.pending_messages))
    blocks = head + _chunks(counties) + _chunks(notes)
    if updated is not None:
        blocks.append(context_block(r(t, "updated", when=t.date(updated))))
    return blocks[:50]


def status_message(state: RoundState, t: Texts, updated: datetime | None = None) -> Message:
    """Answered and not answered per county, the places offered (against last year),
    the late ones, those without contact, messages Slack did not take and why."""
    blocks = status_blocks(state, t, updated)
    # the notification text is read for mentions: escaped, unlike the header's plain text
    text = r(t, "title", name=state.round.name, year=state.round.year)
    text += ": " + t.plain.text(
        "rounds",
        "totals",
        {
            "answered": t.number(len(state.answered)),
            "members": t.number(len(state.members)),
            "late": t.number(len(state.late)),
            "offered": t.number(state.offered),
        },
    ).replace("*", "")
    return Message(text=text, blocks=blocks).check()


def tracker_message(state: RoundState, t: Texts, updated: datetime) -> Message:
    """The tracker in the coordination channel: the status, "updated 14:32"."""
    return status_message(state, t, updated)


def closing_message(event: RoundClosed, t: Texts) -> Message:
    """The coordination channel's summary when a round is closed."""
    title = t.plain.text("rounds", "closed_title", {"name": event.round_name, "year": event.year})
    lines = [
        r(
            t,
            "closed_totals",
            answered=t.number(event.answered),
            members=t.number(event.members),
            late=t.number(len(event.late)),
            offered=t.number(event.offered),
        )
    ]
    if event.last_year is not None:
        change = event.offered - event.last_year
        lines.append(
            r(t, "closed_last_year", last_year=t.number(event.last_year), change=t.signed(change))
        )
    if event.extra:
        lines.append(r(t, "extra_total", extra=t.number(event.extra)))
    if event.late:
        lines.append(r(t, "late_ones", names=", ".join(event.late[:40])))
    if event.not_answered:
        lines.append(r(t, "not_answered_ones", names=", ".join(event.not_answered[:60])))
    if event.no_contact:
        lines.append(r(t, "no_contact_ones", names=", ".join(event.no_contact[:40])))
    blocks = [
        header_block(title[:150]),
        *_chunks(lines),
        context_block(r(t, "closed_by", who=event.closed_by, when=t.date(event.closed_at))),
    ]
    text = r(t, "closed_title", name=event.round_name, year=event.year)  # escaped
    return Message(text=text + ". " + lines[0].replace("*", ""), blocks=blocks).check()


def opened_message(
    found: Round, members: int, asked: int, no_contact: list[str], t: Texts
) -> Message:
    text = r(
        t,
        "opened",
        name=found.name,
        year=found.year,
        scope=t.scope(found.scope_title),
        members=t.number(members),
        deadline=t.date(found.deadline),
        asked=t.number(asked),
    )
    if no_contact:
        shown = ", ".join(no_contact[:40]) + (
            r(t, "more", count=t.number(len(no_contact) - 40)) if len(no_contact) > 40 else ""
        )
        text += "\n" + r(t, "no_contact_ones", names=shown)
    return plain(text[:3000])


def list_message(rounds: list[Round], counts: dict[int, tuple[int, int]], t: Texts) -> Message:
    if not rounds:
        return plain(r(t, "none_yet"))
    lines = [
        r(
            t,
            "list_line",
            name=found.name,
            year=found.year,
            scope=t.scope(found.scope_title),
            status=r(t, f"status_{found.status.value}"),
            deadline=t.date(found.deadline, time=False),
            answered=t.number(counts.get(found.id, (0, 0))[0]),
            members=t.number(counts.get(found.id, (0, 0))[1]),
        )
        for found in rounds[-20:]
    ]
    text = "\n".join(lines)
    return Message(text=text.replace("*", ""), blocks=_chunks(lines)).check()


def reminded_message(found: Round, count: int, t: Texts) -> Message:
    return plain(r(t, "reminded", name=found.name, count=count))


def closed_message(event: RoundClosed, t: Texts) -> Message:
    return plain(
        r(
            t,
            "closed_reply",
            name=event.round_name,
            answered=t.number(event.answered),
            members=t.number(event.members),
            offered=t.number(event.offered),
        )
    )


def usage(t: Texts) -> Message:
    return plain(r(t, "usage"))


def summary_blocks(lines: tuple[RoundLine, ...], t: Texts) -> list[dict[str, Any]]:
    """The weekly summary's open rounds: how many have answered, who has not."""
    if not lines:
        return []
    texts = [r(t, "summary_heading")]
    for line in lines:
        text = r(
            t,
            "summary_line",
            name=line.name,
            answered=t.number(line.answered),
            members=t.number(line.members),
            deadline=t.date(line.deadline),
        )
        missing = line.members - line.answered
        if line.not_answered:
            shown = ", ".join(line.not_answered)
            if missing > len(line.not_answered):
                shown += r(t, "more", count=t.number(missing - len(line.not_answered)))
            text += " " + r(t, "waiting_for", names=shown)
        texts.append(text)
    return _chunks(texts)
