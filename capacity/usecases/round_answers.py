"""Answering a collection round: a municipality's answer, by one of its editors.

The spare places go through the same use case as a report (`figures.report_spare`:
attributed, the round as their source, refused below the reservations unless confirmed)
inside the answer's own transaction; the round keeps the council's decision (or the date
one is expected), the extra places and the comment beside IMDi's figures, never instead
of them. An answer after the deadline is kept and marked late (a correction after the
deadline of an answer given in time is not late); one can be changed until the round
closes, and a form that showed an older answer than the one saved meanwhile is refused,
so that a municipality is answered once, by whoever answers first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from capacity import errors
from capacity.domain.rounds import Round, RoundAnswer, RoundRefused, check_answer, is_late
from capacity.models import Actor, Municipality
from capacity.storage import repository
from capacity.storage import rounds as rounds_db
from capacity.usecases.access import can_edit
from capacity.usecases.core import Core, iso
from capacity.usecases.figures import report_spare
from capacity.usecases.queries import municipality
from capacity.usecases.results import ChangeResult
from capacity.usecases.rounds import SOURCE, by_id


@dataclass(frozen=True)
class Answered:
    round: Round
    municipality: Municipality
    answer: RoundAnswer
    before: RoundAnswer | None
    report: ChangeResult


def answer_round(
    core: Core,
    round_id: int,
    query: str,
    actor: Actor,
    *,
    spare: int,
    decision: int | None = None,
    decision_expected: date | None = None,
    extra: int | None = None,
    comment: str = "",
    force: bool = False,
    seen: str | None = None,
) -> Answered:
    """A municipality's answer to a round, by one of its editors: the spare places are
    reported through `report_spare` (the round as their source), the rest kept as the
    round's answer, all in one transaction. An answer after the deadline is kept and
    marked late; one can be changed until the round closes. `seen` is the answer the
    form showed (`answer_mark`): if someone else answered since, this is refused, so
    that a municipality is answered once, by whoever answers first."""
    comment = check_answer(spare, decision, decision_expected, extra, comment)
    found = by_id(core, round_id)
    place = municipality(core, query, found.year)
    with core.store.write() as db:
        found = rounds_db.by_id(db, round_id) or found
        if not found.open:
            raise RoundRefused("round_closed", name=found.name)
        if not rounds_db.is_member(db, found.id, place.number):
            raise RoundRefused("round_not_member", field="municipality", municipality=place,
                               name=found.name)  # fmt: skip
        if not can_edit(core, actor, place):
            raise errors.PermissionDenied(
                "round_not_editor", actor=actor.id, municipality=place, name=found.name
            )
        before = rounds_db.answer(db, found.id, place.number)
        if seen is not None and answer_mark(before) != seen and before is not None:
            raise RoundRefused(
                "round_answered_meanwhile",
                who=before.who,
                at=before.answered_at,
                spare=before.spare,
                municipality=place,
            )
        report = report_spare(
            core,
            place.number,
            spare,
            actor,
            year=found.year,
            source=SOURCE.format(name=found.name),
            reason=comment[:500],
            force=force,
        )
        now = core.clock()
        change_id = report.change.id if report.change else None
        rounds_db.save_answer(
            db,
            found.id,
            place.number,
            spare=spare,
            decision=decision,
            decision_expected=decision_expected,
            extra=extra,
            comment=comment,
            by=actor.id,
            by_name=actor.name,
            at=iso(now),
            # a correction keeps the first answer's time: answered on time stays on time
            late=before.late if before is not None else is_late(now, found.deadline),
            change_id=change_id,
        )
        saved = rounds_db.answer(db, found.id, place.number)
        assert saved is not None
        repository.record(
            db,
            iso(now),
            actor,
            "round_answer",
            f"round/{found.id}/{place.number}",
            _record(before),
            _record(saved),
            source=SOURCE.format(name=found.name),
        )
    return Answered(found, place, saved, before, report)


def answer_mark(answer: RoundAnswer | None) -> str:
    """What identifies the answer a form showed ("" for none)."""
    return "" if answer is None else iso(answer.answered_at)


def _record(answer: RoundAnswer | None) -> dict[str, Any] | None:
    if answer is None:
        return None
    return answer.model_dump(mode="json", exclude={"answered_by_name", "change_id"})


def current_answer(core: Core, round_id: int, number: str) -> RoundAnswer | None:
    return rounds_db.answer(core.store.db, round_id, number)
