"""A collection round as a table for people: one row per municipality with its answer,
or why there is none ("not answered", "no contact": no editor to ask), as CSV (or CSV
for Excel in Norwegian settings), formula-safe like every export (`exports._write_csv`)."""

from __future__ import annotations

from capacity.domain.rounds import Member, RoundState
from capacity.service import Capacity
from capacity.transfer.exports import _write_csv

COLUMNS = (
    "number",
    "municipality",
    "county",
    "status",
    "spare",
    "decision",
    "decision_expected",
    "extra",
    "comment",
    "answered_by",
    "answered_at",
    "late",
    "last_year",
    "editors",
    "undelivered",
)


def state_of(member: Member) -> str:
    """answered | late | not answered | no contact"""
    if member.answer is not None:
        return "late" if member.answer.late else "answered"
    return "no contact" if member.no_contact else "not answered"


def row(member: Member) -> list[object]:
    answer = member.answer
    cells: list[object] = [
        member.municipality.number,
        member.municipality.name_no,
        member.county,
        state_of(member),
    ]
    if answer is None:
        cells += ["", "", "", "", "", "", "", ""]
    else:
        cells += [
            answer.spare,
            "" if answer.decision is None else answer.decision,
            answer.decision_expected.isoformat() if answer.decision_expected else "",
            "" if answer.extra is None else answer.extra,
            answer.comment,
            answer.who,
            answer.answered_at.isoformat(timespec="seconds"),
            int(answer.late),
        ]
    cells += [
        "" if member.last_year is None else member.last_year,
        " ".join(member.editors),
        "; ".join(f"{u.user}: {u.reason}" for u in member.undelivered),
    ]
    return cells


def export_round(service: Capacity, name: str | None, *, excel: bool = False) -> tuple[str, str]:
    """(file name, CSV text) of a round: its municipalities by county and number."""
    state: RoundState = service.round_status(name)
    members = sorted(state.members, key=lambda m: (m.county, m.municipality.number))
    slug = "".join(c if c.isalnum() else "-" for c in state.round.name.lower()).strip("-")
    return f"round-{slug or state.round.id}.csv", _write_csv(
        COLUMNS, (row(m) for m in members), excel=excel
    )
