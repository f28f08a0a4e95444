"""The `capacity` command line, driven as a user types it."""

from __future__ import annotations

import json
import shutil

import click
import pytest
from click.testing import CliRunner

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
