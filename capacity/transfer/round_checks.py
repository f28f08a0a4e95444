"""A JSON export's collection rounds and scheduled backups, checked as the bot reads them
(`export_checks` checks the rest): a round through the `Round` model, with its name, year
and times as `rounds.open_round` writes them; its municipalities, answers (`RoundAnswer`,
`check_answer`), snoozes and tracker in a round of the export; a backup's times, facts and
problem as `/healthz` and the metrics read them. Pure."""

from __future__ import annotations

from capacity import errors
from capacity.domain.rounds import Round, RoundAnswer, check_answer, check_name
from capacity.domain.rules import check_year
from capacity.transfer.row_checks import Found, Problems, Rows, json_text, text, utc_time


def check_rounds(rows: Rows, found: Found, problems: Problems) -> None:
    for row, values in problems.rows("rounds", rows):
        with row.check("name"):
            if check_name(text(values.get("name"), "name")) != values["name"]:
                raise ValueError(f"the name {values['name']!r} has spaces the bot never keeps")
        for column in ("deadline", "opened_at", "closed_at"):
            with row.check(column):
                utc_time(values.get(column), column, empty=column == "closed_at")
        with row.check("year"):
            found.rounds[values.get("id")] = check_year(values.get("year"))
        if not row.failed:
            with row.check("status"):
                Round.model_validate({k: v for k, v in values.items() if k != "name_key"})


ROUND_TABLES = ("round_members", "round_answers", "round_snoozes", "round_trackers")


def check_round_rows(rows: Rows, found: Found, problems: Problems, table: str) -> None:
    """The rows of `table` (members, answers, snoozes, trackers) in a round of the export."""
    for row, values in problems.rows(table, rows):
        with row.check("round_id"):
            if values.get("round_id") not in found.rounds:
                raise ValueError(f"round {values.get('round_id')!r} is not in the export")
        if "number" in values:
            with row.check("number"):
                found.place(values["number"], found.rounds.get(values.get("round_id"), 2024))
        for column in ("answered_at", "snoozed_at", "until"):
            if column in values:
                with row.check(column):
                    utc_time(values[column], column)
        if table == "round_answers" and not row.failed:
            with row.check("spare"):
                a = RoundAnswer.model_validate({**values, "late": bool(values.get("late"))})
                check_answer(a.spare, a.decision, a.decision_expected, a.extra, a.comment)


def check_backup_runs(rows: Rows, found: Found, problems: Problems) -> None:
    for row, values in problems.rows("backup_runs", rows):
        for column in ("due", "started_at", "finished_at"):
            with row.check(column):
                utc_time(values.get(column), column, empty=column == "finished_at")
        with row.check("facts"):
            facts = json_text(values.get("facts"), "facts")
            if not isinstance(facts, dict):
                raise ValueError("facts is not a JSON object")
            try:  # as `/healthz` says why it failed
                if values.get("problem"):
                    str(errors.DatabaseProblem(values["problem"], **facts))
            except KeyError as missing:
                raise ValueError(f"problem and facts do not make a text ({missing})") from None
