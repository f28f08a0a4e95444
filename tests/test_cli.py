"""The `capacity` command line, driven as a user types it."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from zoneinfo import ZoneInfo

import click
import pytest
from click.testing import CliRunner

from bot.cli import cli as bot_cli
from capacity.cli import cli


@pytest.fixture
def run(_seeded_template, tmp_path):
    path = tmp_path / "cli.db"
    shutil.copy(_seeded_template, path)
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, ["--db", str(path), *args], catch_exceptions=False)

    return invoke


def _commands(group: click.Group, prefix: str = ""):
    for name, command in group.commands.items():
        yield f"{prefix}{name}", command
        if isinstance(command, click.Group):
            yield from _commands(command, f"{prefix}{name} ")


@pytest.mark.parametrize("name,command", list(_commands(cli)))
def test_every_command_has_help_with_an_example(name, command):
    assert command.help and "Example:" in command.help, name


def test_show_a_municipality(run):
    result = run("show", "Trondheim")
    assert result.exit_code == 0
    assert "Trondheim (5001), 2020" in result.output
    assert "115" in result.output and "KS storbynettverk" in result.output


def test_show_json_for_scripts(run):
    data = json.loads(run("show", "Tromso", "--json").output)
    assert (data["number"], data["year"], data["spare"], data["remaining"]) == (
        "5401",
        2020,
        50,
        50,
    )
    assert data["figures"]["decision"]["value"] == 82


@pytest.mark.slow
def test_show_the_network_and_the_country_with_totals(run):
    network = json.loads(run("show", "--json").output)
    assert network["totals"]["spare"]["value"] == 398
    assert len(network["municipalities"]) == 7
    country = json.loads(run("show", "norge", "--json").output)
    assert country["totals"]["decision"]["value"] == 4838
    assert len(country["municipalities"]) == 356
    assert "Total (356 municipalities)" in run("show", "alle").output


def test_report_spare_and_history(run):
    result = run("report-spare", "Trondheim", "120", "--source", "e-post", "--by", "Kari")
    assert result.exit_code == 0
    assert "115 → 120" in result.output and "Kari" in result.output
    assert "e-post" in run("history", "Trondheim").output


def spare_of(run, place: str) -> int:
    return json.loads(run("show", place, "--json").output)["spare"]


@pytest.mark.parametrize(
    "typed", [("1 000",), ("1", "000"), ("1.000",), ("1\u00a0000",), ("1\u202f000",)]
)
def test_report_spare_reads_the_value_as_it_is_typed(run, typed):
    result = run("report-spare", "Trondheim", *typed, "--source", "møte")
    assert result.exit_code == 0, result.output
    assert spare_of(run, "Trondheim") == 1000


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("1,000", "'1,000' can be read as 1000 or 1;"),
        ("1,500", "'1,500' is no whole number if the comma marks decimals; did you mean 1500?"),
        ("1,5", "'1,5' is not a whole number"),
        ("1 00", "'1 00' is not a number I can read"),
        ("²", "'²' is not written with the digits 0–9"),
        ("mange", "'mange' is not a count"),
    ],
)
def test_report_spare_refuses_a_count_not_understood_and_changes_nothing(run, typed, said):
    result = run("report-spare", "Trondheim", typed, "--source", "x")
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {said}")
    assert spare_of(run, "Trondheim") == 115


@pytest.mark.slow
def test_batches_are_registered_and_assigned_with_counts_as_typed(run):
    made = run("batch", "new", "Ukraina", "1", "000", "--year", "2020", "--scope", "norge")
    assert made.exit_code == 0 and "1000 persons" in made.output
    assert run("report-spare", "Oslo", "1 200", "--source", "x").exit_code == 0
    assert run("batch", "new", "Stor", "1,000", "--year", "2020").exit_code == 1
    refused = run("batch", "allocate", "Ukraina", "Oslo", "1,000")
    assert refused.exit_code == 1 and "can be read as 1000 or 1" in refused.output
    assert spare_of(run, "Oslo") == 1200 and "Stor" not in run("batch", "list").output
    placed = run("batch", "allocate", "Ukraina", "Oslo", "1.000")
    assert placed.exit_code == 0 and "Reserved 1000 of 'Ukraina' in Oslo" in placed.output
    assert json.loads(run("show", "Oslo", "--json").output)["remaining"] == 200


def test_batch_lifecycle(run):
    assert run("batch", "new", "Moria 2020", "50", "--year", "2020").exit_code == 0
    assert run("batch", "allocate", "Moria 2020", "--auto").exit_code == 0
    network = json.loads(run("show", "--json").output)
    assert network["totals"]["remaining"]["value"] == 348
    assert "allocated" in run("batch", "list").output
    assert run("batch", "cancel", "Moria 2020").exit_code == 0
    assert json.loads(run("show", "--json").output)["totals"]["remaining"]["value"] == 398


def test_a_batch_that_does_not_fit_warns(run):
    result = run("batch", "new", "Big", "400", "--year", "2020")
    assert result.exit_code == 0
    assert "400 persons exceed the 398 places" in result.output


@pytest.mark.parametrize(
    "args",
    [
        ("show", "Atlantis"),
        ("show", "Herøy"),
        ("show", "x" * 10_000),
        ("report-spare", "Trondheim", "100000000", "--source", "x"),
        ("batch", "show", "Nothing"),
        ("batch", "new", "A", "10", "--households", "5,x"),
        ("grant", "U1", "editor"),
    ],
)
def test_errors_are_one_clear_line_without_a_traceback(run, args):
    result = run(*args)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.output.startswith("Error: ")
    assert len(result.output.strip().splitlines()) == 1


def test_grant_and_roles(run):
    assert run("grant", "U1", "editor", "Trondheim").exit_code == 0
    assert "editor of Trondheim (5001)" in run("roles", "U1").output


# -- --db, backup, restore, the JSON round trip ---------------------------------------------


@pytest.fixture
def db(_seeded_template, tmp_path):
    path = tmp_path / "cli.db"
    shutil.copy(_seeded_template, path)
    return path


def capacity(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_db_works_before_or_after_the_subcommand(db):
    before = capacity("--db", str(db), "report-spare", "Trondheim", "99", "--source", "x")
    after = capacity("show", "Trondheim", "--db", str(db), "--json")

    assert before.exit_code == 0
    assert json.loads(after.output)["spare"] == 99
    assert json.loads(capacity("batch", "list", "--json", "--db", str(db)).output) == []


@pytest.mark.parametrize(
    "args",
    [("show", "Trondheim"), ("export",), ("backup", "copy.db"), ("batch", "list"), ("roles", "U1")],
)
def test_a_db_that_does_not_exist_is_an_error_and_is_not_created(tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    missing = tmp_path / "typo.db"

    after = capacity(*args, "--db", str(missing))
    before = capacity("--db", str(missing), *args)
    from_env = capacity(*args, env={"CAPACITY_DB": str(missing)})

    for result in (after, before, from_env):
        assert result.exit_code == 1
        assert result.output.startswith(f"Error: No database at {missing}")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_init_creates_the_db_it_is_given_wherever_the_option_stands(tmp_path):
    assert capacity("init", "--db", str(tmp_path / "a.db")).exit_code == 0
    assert capacity("--db", str(tmp_path / "b.db"), "init").exit_code == 0
    assert json.loads(capacity("show", "Tromso", "--json", "--db", str(tmp_path / "b.db")).output)


@pytest.mark.slow
def test_backup_and_restore_from_the_command_line(db, tmp_path):
    backed = capacity("backup", str(tmp_path / "saved.db"), "--db", str(db))
    capacity("report-spare", "Trondheim", "1", "--source", "x", "--db", str(db))
    restored = capacity("restore", str(tmp_path / "saved.db"), "--db", str(db))
    elsewhere = capacity("restore", str(tmp_path / "saved.db"), "--db", str(tmp_path / "new.db"))

    assert backed.exit_code == 0 and "integrity check ok" in backed.output
    assert restored.exit_code == 0 and "kept as" in restored.output
    assert (
        json.loads(capacity("show", "Trondheim", "--json", "--db", str(db)).output)["spare"] == 115
    )
    assert elsewhere.exit_code == 0 and "kept as" not in elsewhere.output
    replaced = next(tmp_path.glob("cli.db.replaced-*"))
    assert (
        json.loads(capacity("show", "Trondheim", "--json", "--db", str(replaced)).output)["spare"]
        == 1
    )


@pytest.mark.parametrize(
    ("content", "says"),
    [("number,year\n", "is not a SQLite database"), (None, "exists already")],
)
def test_backup_and_restore_refusals_are_one_line(db, tmp_path, content, says):
    other = tmp_path / "other.db"
    if content is None:
        shutil.copy(db, other)
        result = capacity("backup", str(other), "--db", str(db))
    else:
        other.write_text(content)
        result = capacity("restore", str(other), "--db", str(db))

    assert result.exit_code == 1 and says in result.output
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.slow
def test_export_then_init_then_import_gives_an_identical_export(db, tmp_path):
    capacity("batch", "new", "Moria 2020", "50", "--year", "2020", "--db", str(db))
    capacity("batch", "allocate", "Moria 2020", "--auto", "--db", str(db))
    exported = tmp_path / "export.json"
    assert capacity("export", "-o", str(exported), "--db", str(db)).exit_code == 0
    new = tmp_path / "new.db"
    assert capacity("init", "--db", str(new)).exit_code == 0

    loaded = capacity("import", str(exported), "--db", str(new))
    again = capacity("import", str(exported), "--db", str(new))
    created = capacity("import", str(exported), "--db", str(tmp_path / "created.db"))

    assert loaded.exit_code == 0 and "rows loaded" in loaded.output
    assert capacity("export", "--db", str(new)).output == exported.read_text(encoding="utf-8")
    assert again.exit_code == 1 and "holds data already" in again.output
    assert created.exit_code == 0
    assert (
        capacity("export", "--db", str(tmp_path / "created.db")).output
        == capacity("export", "--db", str(db)).output
    )


def test_export_excel_writes_the_bytes_excel_reads(db, tmp_path):
    out = tmp_path / "tall.csv"

    result = capacity(
        "export", "--format", "csv", "--what", "figures", "--excel", "-o", str(out), "--db", str(db)
    )
    refused = capacity("export", "--excel", "--db", str(db))

    assert result.exit_code == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbfnumber;name;year;")
    assert b"\r\n" in out.read_bytes() and b"\r\r\n" not in out.read_bytes()
    assert refused.exit_code == 1 and "csv" in refused.output


def test_the_national_table_shows_the_original_and_the_revised_request(run):
    output = run("show", "norge").output
    assert "Orig. req." in output and "5 120" in output and "3 602" in output


def test_the_planning_year_is_shown_and_set(run):
    assert "The planning year is 2020" in run("year").output
    assert "2021 (was 2020)" in run("year", "2021", "--by", "Kari").output
    assert "Trondheim (5001), 2021" in run("show", "Trondheim").output


def test_as_of_reads_the_network_as_it_stood_in_norwegian_time(run):
    run("report-spare", "Oslo", "90", "--source", "x")
    then = json.loads(run("show", "storbynettverket", "--as-of", "1.10.2020", "--json").output)
    assert then["totals"]["spare"]["value"] == 398
    day = datetime.now(ZoneInfo("Europe/Oslo")).date().isoformat()  # today: the whole day
    today = json.loads(run("show", "storbynettverket", "--as-of", day, "--json").output)
    assert today["totals"]["spare"]["value"] == 398 - 73 + 90
    refused = run("show", "Oslo", "--as-of", "yesterday")
    assert refused.exit_code == 1 and "1.10.2020" in refused.output


def test_a_report_below_the_reservations_needs_force(run):
    run("batch", "new", "Moria 2020", "50", "--year", "2020")
    run("batch", "allocate", "Moria 2020", "Bærum", "30")
    refused = run("report-spare", "Bærum", "27", "--source", "x")
    assert refused.exit_code == 1 and "30" in refused.output
    assert "Add --force to save it." in refused.output and "Confirm" not in refused.output
    forced = run("report-spare", "Bærum", "27", "--source", "x", "--force")
    assert forced.exit_code == 0 and "overbooked by 3" in forced.output


def every_command(group: click.Group, path: tuple[str, ...] = ()):
    if not path:
        yield (), group
    for name, command in group.commands.items():
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from every_command(command, (*path, name))


def test_help_prints_the_examples_as_written_one_command_a_line():
    shown = capacity("backup", "--help").output
    assert "\n      capacity backup /var/backups/capacity/\n" in shown
    assert (
        '\n      capacity backup --prune /var/backups/capacity/ --keep "14d 8w" --dry-run\n'
        in shown
    )
    for root, group in (("capacity", cli), ("capacity-bot", bot_cli)):
        for path, command in every_command(group):
            if "Example:" not in (command.help or ""):
                continue
            text = CliRunner().invoke(group, [*path, "--help"]).output
            example = text.split("Example:\n\n", 1)[1].split("\n\n", 1)[0]
            for line in example.splitlines():  # each line one command, as in the docstring
                assert line.startswith(f"      {root} ") and line.count(f"{root} ") == 1, (
                    path,
                    line,
                )
