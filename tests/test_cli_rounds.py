"""`capacity round …` on the command line, and `capacity grant EMAIL …` looked up in Slack."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from capacity import Capacity
from capacity.cli import cli
from capacity.models import Actor
from capacity.storage.store import Store
from tests.conftest import CLI
from tests.stand_in import StandIn

NEXT_MONTH = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%d")


@pytest.fixture
def db(seeded_db):
    service = Capacity(Store(seeded_db))
    for number in ("0301", "4601", "5001"):
        service.grant(f"U_ED{number}", "editor", CLI, number)
    service.store.close()
    return seeded_db


def run(db, *args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, [*args, "--db", str(db)], env=env or {})


def opened(db, name: str = "Kapasitet 2027", scope: str = "storbynettverket"):
    result = run(db, "round", "open", name, "--deadline", NEXT_MONTH, "--scope", scope,
                 "--year", "2027")  # fmt: skip
    assert result.exit_code == 0, result.output
    return result


def test_round_open_queues_a_message_per_editor_and_names_those_without_contact(db):
    output = opened(db).output
    assert output.startswith("Opened «Kapasitet 2027» (2027, KS storbynettverk): 7 municipalities")
    assert "3 direct message(s) queued" in output
    assert "No contact (no editor to ask): 4: Stavanger, Bærum, Kristiansand, Tromsø" in output


def test_round_list_status_remind_and_close(db):
    opened(db)
    service = Capacity(Store(db))
    found = service.round("Kapasitet 2027")
    service.answer_round(found.id, "Oslo", Actor(id="U_ED0301", name="kari"), spare=73, extra=5)
    service.store.close()
    listed = run(db, "round", "list").output
    assert "#1 «Kapasitet 2027» 2027 KS storbynettverk: open" in listed and "1 of 7" in listed
    status = run(db, "round", "status").output
    assert "1 of 7 answered (0 late), 73 places offered, 5 more with help" in status
    assert "  Oslo (0301): 73 places, 5 more with help; kari, " in status
    assert "  Stavanger (1103): no contact" in status
    assert "  Bergen (4601): not answered" in status
    assert run(db, "round", "remind").output == "«Kapasitet 2027»: 2 reminder(s) queued\n"
    closed = run(db, "round", "close", "kapasitet 2027")
    assert closed.output.startswith("Closed «Kapasitet 2027»: 1 of 7 answered (0 late), 73")


def test_round_export_has_a_row_per_municipality_formula_safe(db):
    opened(db)
    service = Capacity(Store(db))
    found = service.round(None)
    service.answer_round(found.id, "Bergen", Actor(id="U_ED4601"), spare=50, comment="=SUM(A1)")
    service.store.close()
    result = run(db, "round", "export", "--excel")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("\ufeffnumber;municipality;county;status")
    rows = list(csv.DictReader(io.StringIO(result.output.lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == 7
    bergen = next(r for r in rows if r["municipality"] == "Bergen")
    assert (bergen["status"], bergen["spare"], bergen["comment"]) == ("answered", "50", "'=SUM(A1)")
    assert {r["status"] for r in rows} == {"answered", "not answered", "no contact"}


def test_a_bad_round_is_one_line_on_stderr_and_changes_nothing(db):
    past = run(db, "round", "open", "X", "--deadline", "2020-01-01", "--scope", "norge")
    assert past.exit_code == 1 and "the deadline 1 January 2020" in past.output
    assert "has already passed" in past.output
    assert run(db, "round", "list").output == "No rounds yet.\n"
    assert "no round is called «Nope»" in run(db, "round", "status", "Nope").output


@pytest.mark.slow
def test_grant_by_email_looks_the_person_up_in_slack(db):
    with StandIn() as slack:
        slack.emails["kari.nordmann@trondheim.kommune.no"] = "U0KARI"
        env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": slack.api_url}
        result = run(db, "grant", "kari.nordmann@trondheim.kommune.no", "editor", "Trondheim",
                     env=env)  # fmt: skip
        assert result.exit_code == 0, result.output
        assert result.output == "U0KARI is editor of Trondheim\n"
        link = run(db, "grant", "<mailto:Kari.Nordmann@trondheim.kommune.no|kari>", "editor",
                   "Trondheim", env=env)  # fmt: skip
        assert link.output == "U0KARI is editor of Trondheim (already)\n"
        unknown = run(db, "grant", "ola@example.no", "editor", "Trondheim", env=env)
    assert unknown.exit_code == 1
    assert "Slack knows no user with the address ola@example.no" in unknown.output
    assert run(db, "roles", "U0KARI").output.startswith("editor of Trondheim")


def test_grant_by_email_without_a_token_says_what_is_needed_and_changes_nothing(db):
    result = run(db, "grant", "kari@x.no", "editor", "Oslo", env={"SLACK_BOT_TOKEN": ""})
    assert result.exit_code == 1
    assert "Looking up kari@x.no needs Slack: set SLACK_BOT_TOKEN" in result.output
