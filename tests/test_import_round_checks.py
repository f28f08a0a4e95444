"""`capacity import FILE.json` checks a collection round's rows and the scheduled
backups' rows as it checks the rest (issue 16): before, a round with a deadline of
"garbage" was loaded, and then `innhenting liste` and `status` answered "something went
wrong", the Home tab was never published and alert delivery failed at every poll, with
`/healthz` at 200; a backup run whose facts did not make its text stopped `/healthz`
answering at all. An export with a round, its answers and a snooze as the bot wrote them
loads whole."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from capacity import Actor, errors
from capacity.transfer import export_checks
from capacity.transfer.exports import export
from capacity.transfer.restore import import_json
from tests.conftest import ADMIN

CAPACITY = Path(sys.executable).with_name("capacity")
EDITOR = Actor(id="U_ED0301", name="kari")
AT = "2026-12-08T00:14:43.000000+00:00"
OSLO = {"structure": 2024, "number": "0301", "name": "Oslo", "name_no": "Oslo"}
ROUND = {
    "id": 1, "name": "Kapasitet 2027", "name_key": "kapasitet 2027", "year": 2027,
    "scope": "storbynettverket", "scope_title": "KS storbynettverk",
    "deadline": "2027-01-15T22:59:59.999999+00:00", "status": "open", "opened_at": AT,
    "opened_by": "U_ADMIN", "opened_by_name": "ada", "closed_at": None, "closed_by": "",
    "version": 0,
}  # fmt: skip
ANSWER = {
    "round_id": 1, "number": "0301", "spare": 60, "decision": None,
    "decision_expected": "2027-02-01", "extra": 5, "comment": "", "answered_by": "U_ED0301",
    "answered_by_name": "kari", "answered_at": AT, "late": 0, "change_id": None,
}  # fmt: skip
RUN = {
    "due": "2026-12-08T02:00:00.000000+00:00", "status": "failed", "owner": "vm:1:a",
    "lease_until": 0.0, "started_at": AT, "finished_at": AT, "directory": "/backups",
    "path": "", "size": 0, "seconds": 0.0, "problem": "copy_disk_full",
    "facts": '{"path": "/backups/c.db", "free": 0}', "pruned": 0,
}  # fmt: skip


def tables(**edits: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """A small document's tables: Oslo, a round of it answered and snoozed, a failed
    backup; `edits` change one table's first row."""
    found = {
        "municipalities": [OSLO],
        "rounds": [ROUND],
        "round_members": [{"round_id": 1, "number": "0301"}],
        "round_answers": [ANSWER],
        "round_snoozes": [{"round_id": 1, "user_id": "U_ED0301", "snoozed_at": AT, "until": AT}],
        "round_trackers": [{"round_id": 1, "channel": "C1", "ts": "1.2", "posts": 1}],
        "backup_runs": [RUN],
    }
    for table, values in edits.items():
        found[table] = [{**found[table][0], **values}]
    return found


EDITS = {
    "round deadline garbage": ("rounds", {"deadline": "garbage"}, "deadline"),
    "round year 99999": ("rounds", {"year": 99999}, "year"),
    "round status hacked": ("rounds", {"status": "hacked"}, "status"),
    "round name of 5000": ("rounds", {"name": "x" * 5000}, "name"),
    "member of 9999": ("round_members", {"number": "9999"}, "number"),
    "member of round 77": ("round_members", {"round_id": 77}, "round_id"),
    "answer of -5": ("round_answers", {"spare": -5}, "spare"),
    "answer at garbage": ("round_answers", {"answered_at": "garbage"}, "answered_at"),
    "snooze until garbage": ("round_snoozes", {"until": "garbage"}, "until"),
    "tracker of round 77": ("round_trackers", {"round_id": 77}, "round_id"),
    "backup due garbage": ("backup_runs", {"due": "garbage"}, "due"),
    "backup facts not JSON": ("backup_runs", {"facts": "{nope"}, "facts"),
    "backup facts short of its text": ("backup_runs", {"facts": "{}"}, "facts"),
}


def test_a_round_and_a_backup_as_the_bot_writes_them_pass_the_checks():
    export_checks.check(tables(), {}, "small.json")


@pytest.mark.parametrize(("table", "values", "column"), EDITS.values(), ids=EDITS.keys())
def test_an_edited_round_or_backup_row_is_refused_naming_its_table_row_and_column(
    table, values, column
):
    with pytest.raises(errors.InvalidExport) as refused:
        export_checks.check(tables(**{table: values}), {}, "edited.json")
    found = refused.value.problems[0]
    assert (found.table, found.row, found.column) == (table, 1, column), refused.value.problems


@pytest.fixture
def with_a_round(fresh):
    fresh.grant(EDITOR.id, "editor", ADMIN, "Oslo")
    found = fresh.open_round("Kapasitet 2027", "15.1.2027", "storbynettverket", ADMIN, year=2027)
    fresh.answer_round(found.round.id, "Oslo", EDITOR, spare=60, extra=5, comment="ok")
    fresh.snooze_round(found.round.id, EDITOR)
    return json.loads(export(fresh, "json"))


@pytest.mark.slow  # whole imports, and a process
def test_capacity_import_loads_a_round_as_the_bot_wrote_it_and_refuses_one_edited(
    with_a_round, tmp_path
):
    sound, broken = tmp_path / "sound.json", tmp_path / "broken.json"
    sound.write_text(json.dumps(with_a_round))
    with_a_round["tables"]["rounds"][0]["deadline"] = "garbage"
    broken.write_text(json.dumps(with_a_round))

    loaded = import_json(sound.read_bytes(), "sound.json", tmp_path / "sound.db")
    refused = subprocess.run(
        [str(CAPACITY), "import", str(broken), "--db", str(tmp_path / "broken.db")],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip

    assert loaded.rows > 0
    assert refused.returncode == 1 and "nothing was imported" in refused.stderr
    assert "rounds row 1, deadline: deadline 'garbage' is not a UTC time" in refused.stderr
    assert not (tmp_path / "broken.db").exists()
