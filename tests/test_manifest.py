"""manifest.yml is valid for Slack and declares exactly the commands the app handles."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.listeners.commands import handlers
from bot.terminal import command_body, signed_headers

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = Path(__file__).with_name("slack") / "manifest.schema.1.0.0.json"


@pytest.fixture(scope="module")
def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))


def test_manifest_validates_against_slacks_schema(manifest):
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema).validate(manifest)


def test_manifest_asks_only_for_the_scopes_the_app_uses(manifest):
    assert set(manifest["oauth_config"]["scopes"]["bot"]) <= {
        "commands",
        "chat:write",
        "channels:history",
        "groups:history",
        "users:read",
        "files:write",  # charts and exports (the upload flow)
        "im:write",  # an export in a direct message (conversations.open)
        "users:read.email",  # rounds: roles granted by e-mail (users.lookupByEmail)
        "im:history",  # rounds: a direct message looked for before it is sent again
    }
    assert {"files:write", "im:write", "chat:write"} <= set(
        manifest["oauth_config"]["scopes"]["bot"]
    )
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True


def test_the_manifest_declares_exactly_the_commands_the_app_registers(manifest, bolt_app):
    declared = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert declared == set(handlers(bolt_app.deps))
    for command in declared | {"/not-ours"}:
        body = command_body("hjelp", command=command)
        request = AsyncBoltRequest(body=body, headers=signed_headers("s3cret", body))
        response = asyncio.run(bolt_app.async_dispatch(request))
        assert (response.status == 200) == (command in declared), command


@pytest.fixture
def bolt_app(fresh):
    from bot.app import create_app
    from bot.settings import load_settings

    return create_app(
        load_settings(slack_signing_secret="s3cret", slack_bot_token="xoxb-test"), fresh
    )


def test_the_manifest_declares_the_home_tab_and_its_event(manifest):
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert "app_home_opened" in manifest["settings"]["event_subscriptions"]["bot_events"]
    assert "users:read" in manifest["oauth_config"]["scopes"]["bot"]  # users.info's locale


def test_the_manifest_declares_the_scopes_of_collection_rounds(manifest):
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"users:read.email", "im:history", "im:write", "chat:write"} <= scopes
