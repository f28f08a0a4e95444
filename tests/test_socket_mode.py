"""Socket Mode: the envelope Slack sends over the socket, dispatched by Bolt's Socket Mode
handler and answered on the socket (no network); the run built inside the event loop and
closed when stopped; and `capacity-bot serve` as a real process over a real WebSocket to
a stand-in for Slack on 127.0.0.1: commands, buttons, a refresh, SIGTERM and SIGINT."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.app import create_app
from bot.settings import load_settings
from bot.socket_mode import build_handler, run_socket_mode
from tests.bot_server import free_port
from tests.socket_stand_in import SocketStandIn

SLASH_COMMAND = {
    "token": "legacy",
    "team_id": "T1",
    "team_domain": "ks",
    "channel_id": "C1",
    "channel_name": "bosetting",
    "user_id": "U1",
    "user_name": "kari",
    "command": "/capacity",
    "text": "Tromso",
    "api_app_id": "A1",
    "is_enterprise_install": "false",
    "response_url": "http://127.0.0.1:9/r",
    "trigger_id": "1.2.3",
}


class RecordingSocketClient:
    """Stands in for the WebSocket client: records what would be sent back."""

    def __init__(self) -> None:
        import logging

        self.sent = []
        self.logger = logging.getLogger("test.socket")

    async def send_socket_mode_response(self, response) -> None:
        self.sent.append(response)


def test_a_slash_command_envelope_is_answered_on_the_socket(fresh):
    settings = load_settings(slack_bot_token="xoxb-test", slack_app_token="xapp-1-test")
    app = create_app(settings, fresh)
    envelope = {
        "envelope_id": "57d6a792-4d35-4d0b-b6aa-3361493e1caf",
        "type": "slash_commands",
        "accepts_response_payload": True,
        "payload": SLASH_COMMAND,
    }
    client = RecordingSocketClient()

    async def deliver() -> None:
        handler = AsyncSocketModeHandler(app, settings.slack_app_token)  # never connected
        await handler.handle(client, SocketModeRequest.from_dict(envelope))
        await handler.client.aiohttp_client_session.close()

    asyncio.run(deliver())
    [response] = client.sent
    assert response.envelope_id == envelope["envelope_id"]
    assert response.payload["text"].startswith("Tromsø (5401), 2020: 50 ledige plasser")
    assert response.payload["response_type"] == "ephemeral"


# -- The run: built inside the loop, connected with the app token, stopped by a signal --

BUTTON_PAYLOAD = {
    "type": "block_actions",
    "team": {"id": "T1", "domain": "ks"},
    "user": {"id": "U1", "username": "kari", "name": "kari", "team_id": "T1"},
    "api_app_id": "A1",
    "token": "legacy",
    "container": {"type": "message", "message_ts": "1.1", "channel_id": "C1", "is_ephemeral": True},
    "trigger_id": "1.2.3",
    "channel": {"id": "C1", "name": "bosetting"},
    "actions": [
        {
            "action_id": "capacity_show:5001",
            "block_id": "b",
            "type": "button",
            "value": json.dumps({"n": "5001", "y": None}),
            "action_ts": "1.3",
            "text": {"type": "plain_text", "text": "Trondheim (5001)"},
        }
    ],
}


class Worker:
    def __init__(self) -> None:
        self.stopped = False

    def stop(self, timeout: float = 5.0) -> None:
        self.stopped = True


@pytest.mark.slow
def test_the_run_builds_its_handler_in_the_loop_and_closes_everything_when_stopped(fresh):
    """The bug: the handler (and its aiohttp session) built before the loop ran. Here the
    run is started and stopped with no Slack to reach (a closed port): it must not raise,
    must point `apps.connections.open` at SLACK_API_URL with the app token, and must close
    its session and stop the outbox worker on the way out."""
    dead_port = free_port()
    settings = load_settings(
        slack_bot_token="xoxb-test",
        slack_app_token="xapp-1-test",
        slack_api_url=f"http://127.0.0.1:{dead_port}/api/",
    )
    app = create_app(settings, fresh)
    worker = Worker()
    seen = {}

    async def run() -> None:
        handler = build_handler(app, settings)
        web = handler.client.web_client
        seen.update(base_url=web.base_url, token=web.token, app_token=handler.client.app_token)
        stop = asyncio.Event()
        asyncio.get_running_loop().call_later(0.3, stop.set)
        await asyncio.wait_for(
            run_socket_mode(app, settings, worker=worker, stop=stop, handler=handler), 10
        )
        seen["session_closed"] = handler.client.aiohttp_client_session.closed
        seen["client_closed"] = handler.client.closed

    asyncio.run(run())
    assert seen == {
        "base_url": f"http://127.0.0.1:{dead_port}/api/",
        "token": "xapp-1-test",
        "app_token": "xapp-1-test",
        "session_closed": True,
        "client_closed": True,
    }
    assert worker.stopped


@pytest.fixture
def socket_slack():
    with SocketStandIn() as stand_in:
        yield stand_in


@contextlib.contextmanager
def bot_process(db: Path, api_url: str, log: Path, **settings: str):
    """`python -m bot serve` (Socket Mode) as a real process; killed if still running.
    `settings`: more of its environment (CAPACITY_HEALTH_PORT="8080")."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k.lower() not in ("http_proxy", "https_proxy", "all_proxy")
        and not k.startswith(("SLACK_", "CAPACITY_"))
    }
    env.update(
        SLACK_BOT_TOKEN="xoxb-e2e",
        SLACK_APP_TOKEN="xapp-1-A1-e2e",
        SLACK_API_URL=api_url,
        CAPACITY_DB=str(db),
        CAPACITY_LANGUAGE="nb",
        CAPACITY_ALERT_CHANNEL="CALERTS",
        # as BotServer: no weekly summary unless a test says when (on a Monday after 08:00
        # it would be queued and posted meanwhile, its writes making kept answers stale)
        CAPACITY_SUMMARY_AT="off",
    )
    env.update(settings)
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve"],
            env=env,
            cwd=db.parent,  # no stray .env
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(5)


def link_or_exit(slack: SocketStandIn, process: subprocess.Popen, log: Path, count: int = 1):
    """The `count`-th socket the bot opens; fails at once, with the log, if it died."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the bot exited {process.returncode}:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(AssertionError):
            return slack.wait_for_link(count, timeout=0.1)
    raise AssertionError(f"no socket {count} from the bot:\n{log.read_text()[-3000:]}")


@pytest.mark.slow
def test_serve_over_a_real_websocket_reconnects_and_stops_on_sigterm(
    socket_slack, _seeded_template, tmp_path
):
    slack = socket_slack
    db = tmp_path / "bot.db"
    shutil.copy(_seeded_template, db)
    log = tmp_path / "bot.log"
    with bot_process(db, slack.api_url, log) as process:
        # Connected with the app token, at SLACK_API_URL
        link = link_or_exit(slack, process, log)
        [opened] = slack.requests_to("/api/apps.connections.open")
        assert opened.headers["Authorization"] == "Bearer xapp-1-A1-e2e"
        assert link.ticket == "1"
        link.hello()

        # A slash command: answered on the ack
        command = {**SLASH_COMMAND, "response_url": slack.response_url("command")}
        ack = link.envelope("slash_commands", "env-command", command)
        assert ack["payload"]["text"].startswith("Tromsø (5401), 2020: 50 ledige plasser")
        assert ack["payload"]["response_type"] == "ephemeral"

        # A button: acked, answered at its response_url
        button = {**BUTTON_PAYLOAD, "response_url": slack.response_url("button")}
        link.envelope("interactive", "env-button", button)
        [answer] = slack.wait_for("/response/button")
        assert answer.body["replace_original"] is True
        assert answer.body["text"].startswith("Trondheim (5001), 2020:")

        # Slack asks for a refresh: a new URL, a new socket, the old one closed
        link.send({"type": "disconnect", "reason": "refresh_requested", "debug_info": {}})
        slack.wait_for("/api/apps.connections.open", count=2)
        second = link_or_exit(slack, process, log, count=2)
        assert second.ticket == "2"
        assert link.closed.wait(5), "the old socket stayed open"
        second.hello()
        ack = second.envelope("slash_commands", "env-again", {**command, "text": "Bergen"})
        assert ack["payload"]["text"].startswith("Bergen (4601), 2020:")

        # SIGTERM: the socket closed (1000), exit 0, quickly
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(8) == 0, log.read_text()[-3000:]
        assert time.monotonic() - started < 5
        assert second.closed.wait(2), "the socket stayed open"
        assert second.close_code == 1000
    text = log.read_text()
    assert "Outbox worker stopped" in text
    for trouble in ("Traceback", "Unclosed", "Task was destroyed", "no running event loop"):
        assert trouble not in text, text[-3000:]


@pytest.mark.slow
def test_sigint_while_slack_is_unreachable_stops_the_retries_and_exits_0(
    _seeded_template, tmp_path
):
    """The SDK retries a failed `apps.connections.open` forever; a signal ends that too."""
    db = tmp_path / "bot.db"
    shutil.copy(_seeded_template, db)
    log = tmp_path / "bot.log"
    with bot_process(db, f"http://127.0.0.1:{free_port()}/api/", log) as process:
        deadline = time.monotonic() + 15
        while "Failed to connect" not in log.read_text():
            assert process.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        assert process.wait(5) == 0, log.read_text()[-3000:]
    assert "capacity-bot stopped" in log.read_text()
