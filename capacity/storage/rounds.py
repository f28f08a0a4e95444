"""Collection rounds in SQLite: rounds, their frozen municipalities, answers, snoozes,
the tracker message's row, people's direct-message channels, and the round's messages
in the outbox. Rows in, models out; the use cases (`usecases/rounds*.py`) decide what
is one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from capacity.domain.rounds import Round, RoundAnswer, RoundStatus, Undelivered
from capacity.models import Role
from capacity.storage.repository import marks, rows_of


def _round(row: dict[str, Any]) -> Round:
    return Round(**{k: v for k, v in row.items() if k != "name_key"})


def insert_round(
    db: Database,
    *,
    name: str,
    key: str,
    year: int,
    scope: str,
    scope_title: str,
    deadline: str,
    at: str,
    by: str,
    by_name: str,
    numbers: Sequence[str],
) -> int:
    cursor = db.conn.execute(
        """INSERT INTO rounds (name, name_key, year, scope, scope_title, deadline, opened_at,
                               opened_by, opened_by_name)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [name, key, year, scope, scope_title, deadline, at, by, by_name],
    )
    round_id = int(cursor.lastrowid or 0)
    db.conn.executemany(
        "INSERT INTO round_members (round_id, number) VALUES (?, ?)",
        [(round_id, number) for number in numbers],
    )
    return round_id


def name_taken(db: Database, key: str) -> bool:
    return db.conn.execute("SELECT 1 FROM rounds WHERE name_key = ?", [key]).fetchone() is not None


def by_key(db: Database, key: str) -> Round | None:
    found = list(rows_of(db, "SELECT * FROM rounds WHERE name_key = ?", [key]))
    return _round(found[0]) if found else None


def by_id(db: Database, round_id: int) -> Round | None:
    found = list(rows_of(db, "SELECT * FROM rounds WHERE id = ?", [round_id]))
    return _round(found[0]) if found else None


def rounds(db: Database, status: RoundStatus | None = None) -> list[Round]:
    if status is None:
        return [_round(r) for r in rows_of(db, "SELECT * FROM rounds ORDER BY id")]
    sql = "SELECT * FROM rounds WHERE status = ? ORDER BY id"
    return [_round(r) for r in rows_of(db, sql, [status.value])]


def members(db: Database, round_id: int) -> list[str]:
    sql = "SELECT number FROM round_members WHERE round_id = ? ORDER BY number"
    return [row[0] for row in db.conn.execute(sql, [round_id])]


def is_member(db: Database, round_id: int, number: str) -> bool:
    sql = "SELECT 1 FROM round_members WHERE round_id = ? AND number = ?"
    return db.conn.execute(sql, [round_id, number]).fetchone() is not None


def member_counts(db: Database, round_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """(answered, members) per round."""
    sql = (
        "SELECT m.round_id, count(a.number), count(*) FROM round_members m LEFT JOIN "
        "round_answers a ON a.round_id = m.round_id AND a.number = m.number "
        f"WHERE m.round_id IN ({marks(round_ids)}) GROUP BY m.round_id"
    )
    return {row[0]: (row[1], row[2]) for row in db.conn.execute(sql, list(round_ids))}


def _answer(row: dict[str, Any]) -> RoundAnswer:
    values = {k: v for k, v in row.items() if k != "round_id"}
    values["late"] = bool(values["late"])
    return RoundAnswer(**values)


def answers(db: Database, round_id: int) -> dict[str, RoundAnswer]:
    sql = "SELECT * FROM round_answers WHERE round_id = ?"
    return {row["number"]: _answer(row) for row in rows_of(db, sql, [round_id])}


def answer(db: Database, round_id: int, number: str) -> RoundAnswer | None:
    sql = "SELECT * FROM round_answers WHERE round_id = ? AND number = ?"
    found = list(rows_of(db, sql, [round_id, number]))
    return _answer(found[0]) if found else None


def save_answer(
    db: Database,
    round_id: int,
    number: str,
    *,
    spare: int,
    decision: int | None,
    decision_expected: date | None,
    extra: int | None,
    comment: str,
    by: str,
    by_name: str,
    at: str,
    late: bool,
    change_id: int | None,
) -> None:
    db.conn.execute(
        """INSERT INTO round_answers (round_id, number, spare, decision, decision_expected,
                                      extra, comment, answered_by, answered_by_name,
                                      answered_at, late, change_id)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (round_id, number) DO UPDATE SET
             spare = excluded.spare, decision = excluded.decision,
             decision_expected = excluded.decision_expected, extra = excluded.extra,
             comment = excluded.comment, answered_by = excluded.answered_by,
             answered_by_name = excluded.answered_by_name,
             answered_at = excluded.answered_at, late = excluded.late,
             change_id = excluded.change_id""",
        [
            round_id,
            number,
            spare,
            decision,
            decision_expected.isoformat() if decision_expected else None,
            extra,
            comment,
            by,
            by_name,
            at,
            int(late),
            change_id,
        ],
    )
    touch(db, round_id)


def touch(db: Database, round_id: int) -> None:
    """Something its tracker shows has changed."""
    db.conn.execute("UPDATE rounds SET version = version + 1 WHERE id = ?", [round_id])


def close(db: Database, round_id: int, at: str, by: str) -> None:
    db.conn.execute(
        "UPDATE rounds SET status = 'closed', closed_at = ?, closed_by = ?, "
        "version = version + 1 WHERE id = ?",
        [at, by, round_id],
    )


def last_answers(db: Database, year: int, numbers: Sequence[str]) -> dict[str, int]:
    """Each municipality's answer in the latest round of `year` it was in."""
    if not numbers:
        return {}
    sql = (
        "SELECT a.number, a.spare FROM round_answers a JOIN rounds r ON r.id = a.round_id "
        f"WHERE r.year = ? AND a.number IN ({marks(numbers)}) ORDER BY r.id"
    )
    return {row[0]: row[1] for row in db.conn.execute(sql, [year, *numbers])}


# -- who is asked ------------------------------------------------------------------------


def editors(db: Database, numbers: Sequence[str]) -> dict[str, list[str]]:
    """The users with an editor role naming each of these numbers."""
    found: dict[str, list[str]] = {}
    if not numbers:
        return found
    sql = (
        f"SELECT number, user_id FROM roles WHERE role = ? AND number IN ({marks(numbers)}) "
        "ORDER BY granted_at, user_id"
    )
    for number, user in db.conn.execute(sql, [Role.EDITOR.value, *numbers]):
        found.setdefault(number, []).append(user)
    return found


def edited_by(db: Database, user_id: str) -> list[str]:
    """The numbers a user's editor roles name."""
    sql = "SELECT number FROM roles WHERE user_id = ? AND role = ? AND number != ''"
    return [row[0] for row in db.conn.execute(sql, [user_id, Role.EDITOR.value])]


def snoozes(db: Database, round_id: int) -> dict[str, tuple[datetime, datetime]]:
    sql = "SELECT user_id, snoozed_at, until FROM round_snoozes WHERE round_id = ?"
    return {
        user: (datetime.fromisoformat(at), datetime.fromisoformat(until))
        for user, at, until in db.conn.execute(sql, [round_id])
    }


def snooze(db: Database, round_id: int, user_id: str, at: str, until: str) -> None:
    db.conn.execute(
        """INSERT INTO round_snoozes (round_id, user_id, snoozed_at, until) VALUES (?, ?, ?, ?)
           ON CONFLICT (round_id, user_id) DO UPDATE SET snoozed_at = excluded.snoozed_at,
             until = excluded.until""",
        [round_id, user_id, at, until],
    )


# -- the round's messages in the outbox --------------------------------------------------


def _pattern(round_id: int) -> str:
    return f"round:{round_id}:*"


def undelivered(db: Database, round_id: int) -> dict[str, list[Undelivered]]:
    """Direct messages Slack refused for good, by municipality number."""
    sql = (
        "SELECT json_extract(payload, '$.number'), json_extract(payload, '$.user'), last_error "
        "FROM outbox WHERE kind = 'round_message' AND status = 'failed' AND dedupe_key GLOB ? "
        "ORDER BY id"
    )
    found: dict[str, list[Undelivered]] = {}
    for number, user, error in db.conn.execute(sql, [_pattern(round_id)]):
        found.setdefault(number, []).append(Undelivered(user=user, reason=error or "?"))
    return found


def pending_messages(db: Database, round_id: int) -> int:
    sql = (
        "SELECT count(*) FROM outbox WHERE kind = 'round_message' AND status = 'pending' "
        "AND dedupe_key GLOB ?"
    )
    return int(db.conn.execute(sql, [_pattern(round_id)]).fetchone()[0])


def queued_keys(db: Database, round_id: int, prefix: str) -> set[str]:
    """The keys of a round's messages queued so far that start with `prefix`."""
    sql = "SELECT dedupe_key FROM outbox WHERE dedupe_key GLOB ?"
    return {row[0] for row in db.conn.execute(sql, [f"round:{round_id}:{prefix}*"])}


def message_status(db: Database, key: str) -> str | None:
    row = db.conn.execute("SELECT status FROM outbox WHERE dedupe_key = ?", [key]).fetchone()
    return row[0] if row else None


# -- direct-message channels -------------------------------------------------------------


def dm_channel(db: Database, user_id: str) -> str | None:
    row = db.conn.execute("SELECT channel FROM dm_channels WHERE user_id = ?", [user_id]).fetchone()
    return row[0] if row else None


def remember_dm(db: Database, user_id: str, channel: str, at: str) -> None:
    db.conn.execute(
        "INSERT INTO dm_channels (user_id, channel, opened_at) VALUES (?, ?, ?) "
        "ON CONFLICT (user_id) DO UPDATE SET channel = excluded.channel",
        [user_id, channel, at],
    )


# -- the tracker -------------------------------------------------------------------------


def add_tracker(db: Database, round_id: int, channel: str) -> None:
    db.conn.execute(
        "INSERT OR IGNORE INTO round_trackers (round_id, channel) VALUES (?, ?)",
        [round_id, channel],
    )


def trackers(db: Database) -> list[dict[str, Any]]:
    """Every tracker with its round's state: what the tracker worker looks at."""
    sql = (
        "SELECT t.*, r.version, r.status, r.deadline FROM round_trackers t "
        "JOIN rounds r ON r.id = t.round_id ORDER BY t.round_id"
    )
    return list(rows_of(db, sql))


def tracker(db: Database, round_id: int) -> dict[str, Any] | None:
    found = list(rows_of(db, "SELECT * FROM round_trackers WHERE round_id = ?", [round_id]))
    return found[0] if found else None


def take_lease(db: Database, round_id: int, owner: str, now: float, until: float) -> bool:
    """Whether `owner` holds the tracker's lease now (taken when free or run out)."""
    cursor = db.conn.execute(
        "UPDATE round_trackers SET lease_owner = ?, lease_until = ? "
        "WHERE round_id = ? AND (lease_owner = ? OR lease_owner = '' OR lease_until < ?)",
        [owner, until, round_id, owner, now],
    )
    return cursor.rowcount == 1


def tracker_posting(db: Database, round_id: int, owner: str) -> int:
    """Count a post about to be made (so that a later owner knows to look for it)."""
    db.conn.execute(
        "UPDATE round_trackers SET posts = posts + 1 WHERE round_id = ? AND lease_owner = ?",
        [round_id, owner],
    )
    row = db.conn.execute("SELECT posts FROM round_trackers WHERE round_id = ?", [round_id])
    return int(row.fetchone()[0])


def tracker_written(
    db: Database, round_id: int, owner: str, ts: str, shown: str, written_at: float
) -> bool:
    cursor = db.conn.execute(
        "UPDATE round_trackers SET ts = ?, shown = ?, written_at = ? "
        "WHERE round_id = ? AND lease_owner = ?",
        [ts, shown, written_at, round_id, owner],
    )
    return cursor.rowcount == 1


def tracker_replaced(db: Database, round_id: int, owner: str) -> None:
    """Its message is gone (deleted in Slack): the next write posts a new one."""
    db.conn.execute(
        "UPDATE round_trackers SET ts = '', posts = 0 WHERE round_id = ? AND lease_owner = ?",
        [round_id, owner],
    )


def rounds_waiting_for(db: Database, numbers: Sequence[str]) -> list[tuple[int, str]]:
    """(round id, number) of open rounds whose member `number` has not answered."""
    if not numbers:
        return []
    sql = (
        "SELECT m.round_id, m.number FROM round_members m JOIN rounds r ON r.id = m.round_id "
        "LEFT JOIN round_answers a ON a.round_id = m.round_id AND a.number = m.number "
        f"WHERE r.status = 'open' AND a.number IS NULL AND m.number IN ({marks(numbers)}) "
        "ORDER BY r.deadline, m.number"
    )
    return [(row[0], row[1]) for row in db.conn.execute(sql, list(numbers))]


def reported_spare(db: Database, year: int, numbers: Sequence[str]) -> dict[str, int]:
    """The reported spare places of `year` (known values only)."""
    if not numbers:
        return {}
    sql = (
        "SELECT number, value FROM figures WHERE year = ? AND measure = 'spare' "
        f"AND value IS NOT NULL AND number IN ({marks(numbers)})"
    )
    return {row[0]: row[1] for row in db.conn.execute(sql, [year, *numbers])}


def open_without_tracker(db: Database) -> list[int]:
    sql = (
        "SELECT r.id FROM rounds r LEFT JOIN round_trackers t ON t.round_id = r.id "
        "WHERE r.status = 'open' AND t.round_id IS NULL ORDER BY r.id"
    )
    return [row[0] for row in db.conn.execute(sql)]
