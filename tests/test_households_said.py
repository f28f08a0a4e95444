"""Households as answers say them: a few as typed, many counted by size ("29 × 7,
37 × 6, …"), on every surface that echoes a batch's households (issue 15)."""

from __future__ import annotations

import asyncio
import json
import shutil

import pytest
from click.testing import CliRunner
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.app import LOCAL_SECRET, create_app
from bot.batch_blocks import households_cell
from bot.settings import load_settings
from bot.terminal import command_body, signed_headers
from capacity.cli import cli
from capacity.domain.households import said
from tests.conftest import ADMIN

# 300 households of 1,500 persons: what a national batch looks like
SIZES = [7] * 29 + [6] * 37 + [5] * 80 + [4] * 90 + [3] * 44 + [2] * 18 + [1] * 2
COUNTED = "29 × 7, 37 × 6, 80 × 5, 90 × 4, 44 × 3, 18 × 2, 2 × 1"
TYPED = ",".join(map(str, SIZES))
PERSONS = sum(SIZES)


def test_a_few_households_are_said_as_typed():
    assert said([(5,), (4, 3), (6,)]) == "5,4+3,6"
    assert said([(5,)] * 10) == "5,5,5,5,5,5,5,5,5,5"


def test_many_households_are_counted_by_size_largest_first():
    assert len(SIZES) == 300
    assert said([(size,) for size in SIZES]) == COUNTED
    linked = [(4, 3)] * 2 + [(7,)] * 9 + [(2,)] * 3
    assert said(linked) == "2 × 4+3, 9 × 7, 3 × 2"  # linked ones stay written as linked


def test_a_table_cell_counts_them_and_is_cut_at_its_width():
    cell = households_cell([(size,) for size in SIZES])
    assert cell == "29 × 7, 37 × 6, 80 × 5, 90 × 4, 44 × 3,…"
    assert len(cell) <= 40


@pytest.fixture
def app(fresh):
    fresh.grant("ULOCAL", "admin", ADMIN)
    settings = load_settings(slack_signing_secret=LOCAL_SECRET, slack_bot_token="xoxb-test")
    return create_app(settings, fresh)


def relocation(app, text: str) -> dict:
    body = command_body(text, command="/relocation")
    request = AsyncBoltRequest(body=body, headers=signed_headers(LOCAL_SECRET, body))
    return json.loads(asyncio.run(app.async_dispatch(request)).body)


def test_registering_300_households_in_slack_says_them_by_size(app):
    reply = relocation(app, f'ny "Ukraina" {PERSONS} familier {TYPED} år 2020 omfang norge')
    text = reply["blocks"][0]["text"]["text"]
    assert f"i husholdninger på {COUNTED}" in text, text
    assert "7,7,7" not in json.dumps(reply)
    shown = relocation(app, 'vis "Ukraina"')  # what is still unassigned: the same way
    assert f"(husholdninger {COUNTED})" in json.dumps(shown, ensure_ascii=False)


def test_a_refusal_that_names_the_households_left_counts_them(app):
    relocation(app, f'ny "Ukraina" {PERSONS} familier {TYPED} år 2020 omfang norge')
    reply = relocation(app, 'tildel "Ukraina" Oslo 8000')  # no households add up to it
    blob = json.dumps(reply, ensure_ascii=False)
    assert "7,7,7" not in blob and "6,6,6" not in blob, blob


def test_the_command_line_says_them_by_size_too(_seeded_template, tmp_path):
    path = tmp_path / "cli.db"
    shutil.copy(_seeded_template, path)
    made = CliRunner().invoke(
        cli,
        ["--db", str(path), "batch", "new", "Ukraina", str(PERSONS), "--households", TYPED,
         "--year", "2020", "--scope", "norge"],
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    shown = CliRunner().invoke(cli, ["--db", str(path), "batch", "show", "Ukraina"])
    assert f"(households {COUNTED})" in " ".join(shown.output.split()), shown.output
