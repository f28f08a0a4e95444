"""Run capacity-bot's HTTP server as a real process on 127.0.0.1 and talk to it as
Slack does: form-encoded slash commands and JSON interaction payloads, signed."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bot.terminal import command_body, signed_headers
from tests import forkserver

SECRET = "e2e-signing-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> dict[str, Any]:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        """The body as text; JSON decoded, so that Norwegian letters read as written."""
        raw = self.body.decode("utf-8", "replace")
        try:
            return json.dumps(json.loads(raw), ensure_ascii=False)
        except ValueError:
            return raw


class BotServer:
    def __init__(
        self,
        db: Path,
        api_url: str,
        *,
        language: str = "nb",
        env: dict[str, str] | None = None,
        log: Path | None = None,
        health_port: int | None = None,
        prefix: list[str] | None = None,
    ) -> None:
        self.db = db
        self.prefix = prefix or []  # a command to run the bot under (setpriv …)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # with a health port, /healthz and /metrics are served there only (--health-port)
        self.health_port = health_port
        self.health_url = f"http://127.0.0.1:{health_port}" if health_port else self.url
        self.env = {
            **os.environ,
            "SLACK_BOT_TOKEN": "xoxb-e2e",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": api_url,
            "CAPACITY_DB": str(db),
            "CAPACITY_LANGUAGE": language,
            "CAPACITY_ALERT_CHANNEL": "CALERTS",
            "CAPACITY_SUMMARY_AT": "off",  # a test that wants the weekly summary says when
            **(env or {}),
        }
        self.log = log or db.with_suffix(f".{self.port}.log")
        self.process: subprocess.Popen[bytes] | forkserver.Forked | None = None

    def start(self, timeout: float = 20.0) -> BotServer:
        for _ in range(3):  # a port taken meanwhile (another test process): another port
            self._launch()
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.process.poll() is not None:  # type: ignore[union-attr]
                    break
                try:
                    if self.health("/healthz").status == 200:
                        return self
                except OSError:
                    pass
                time.sleep(0.02)
            else:
                raise RuntimeError(f"server did not start: {self.log.read_text()[-2000:]}")
            if "address already in use" not in self.log.read_text():
                break
            self.port = free_port()
            self.url = f"http://127.0.0.1:{self.port}"
            if not self.health_port:
                self.health_url = self.url
        raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")

    def _launch(self) -> None:
        argv = ["-m", "bot", "serve", "--http", "--host", "127.0.0.1", "--port", str(self.port)]
        if self.health_port:
            argv += ["--health-port", str(self.health_port)]
        # Forked from the session's fork server (the bot's imports made once), or else
        # started as `python -m bot …`: the same process either way (tests/forkserver.py).
        # A prefix (a command to run the bot under, setpriv …) needs a process of its own.
        self.process = (
            None if self.prefix else forkserver.spawn(argv, env=self.env, output=self.log)
        )
        if self.process is None:
            with open(self.log, "ab") as handle:
                self.process = subprocess.Popen(
                    [*self.prefix, sys.executable, *argv],
                    env=self.env,
                    stdout=handle,
                    stderr=subprocess.STDOUT,
                )

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def __enter__(self) -> BotServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- requests ------------------------------------------------------------------------

    def request(
        self,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        method: str | None = None,
        timeout: float = 10.0,
        base: str | None = None,
    ) -> Reply:
        req = urllib.request.Request(
            (base or self.url) + path, data=body, headers=headers or {}, method=method
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout) as response:
                return Reply(response.status, response.read(), dict(response.headers.items()))
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read(), dict(error.headers.items()))

    def get(self, path: str) -> Reply:
        return self.request(path)

    def health(self, path: str) -> Reply:
        """GET `path` (/healthz, /metrics) where the bot serves it."""
        return self.request(path, base=self.health_url)

    def post_signed(
        self,
        body: str,
        *,
        timestamp: int | None = None,
        secret: str = SECRET,
        extra: dict[str, str] | None = None,
    ) -> Reply:
        headers = signed_headers(secret, body, timestamp)
        headers.update(extra or {})
        return self.request("/slack/events", body.encode(), headers)

    def command(
        self,
        text: str,
        *,
        user_id: str = "U_COORD",
        user_name: str = "kari",
        response_url: str = "http://127.0.0.1:9/response",
        command: str = "/capacity",
        extra: dict[str, str] | None = None,
    ) -> Reply:
        body = command_body(
            text, command=command, user_id=user_id, user_name=user_name, response_url=response_url
        )
        return self.post_signed(body, extra=extra)

    def action(
        self,
        action_id: str,
        value: str,
        *,
        response_url: str,
        user_id: str = "U_COORD",
        user_name: str = "kari",
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        body = self.action_body(
            action_id, value, response_url=response_url, user_id=user_id, user_name=user_name,
            extra=extra,
        )  # fmt: skip
        return self.post_signed(body, extra=headers)

    @staticmethod
    def action_body(
        action_id: str,
        value: str,
        *,
        response_url: str,
        user_id: str = "U_COORD",
        user_name: str = "kari",
        extra: dict[str, Any] | None = None,
    ) -> str:
        """A button click's body (form-encoded `payload`), as Slack sends it."""
        payload = {
            "type": "block_actions",
            "team": {"id": "T1", "domain": "ks"},
            "user": {"id": user_id, "username": user_name, "name": user_name, "team_id": "T1"},
            "api_app_id": "A1",
            "token": "legacy",
            "container": {
                "type": "message",
                "message_ts": "1.1",
                "channel_id": "C1",
                "is_ephemeral": True,
            },
            "trigger_id": "1.2.3",
            "channel": {"id": "C1", "name": "bosetting"},
            "response_url": response_url,
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": "b",
                    "type": "button",
                    "value": value,
                    "action_ts": "1.3",
                    "text": {"type": "plain_text", "text": "x"},
                }
            ],
            **(extra or {}),
        }
        return urlencode({"payload": json.dumps(payload)})

    def submit(
        self, view: dict[str, Any], values: dict[str, Any], *, user_id: str, user_name: str = "kari"
    ) -> Reply:
        """A form (`view_submission`) sent back with `values` per block: a text as a plain
        input's value, a dict as the element's state as it is (a selected option)."""
        state = {
            block: {"value": value if isinstance(value, dict) else {"type": "x", "value": value}}
            for block, value in values.items()
        }
        payload = {
            "type": "view_submission",
            "team": {"id": "T1"},
            "user": {"id": user_id, "username": user_name},
            "api_app_id": "A1",
            "token": "legacy",
            "trigger_id": "1.2",
            "view": {**view, "id": "V1", "state": {"values": state}},
        }
        return self.post_signed(urlencode({"payload": json.dumps(payload)}))

    def event(self, event: dict[str, Any], *, event_id: str = "Ev1") -> Reply:
        """An Events API delivery (`event_callback`), JSON as Slack sends it."""
        return self.post_signed(self.event_body(event, event_id=event_id))

    @staticmethod
    def event_body(event: dict[str, Any], *, event_id: str = "Ev1") -> str:
        body = {
            "token": "legacy",
            "team_id": "T1",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "event": event,
        }
        return json.dumps(body)

    def send(self, body: str, headers: dict[str, str], *, retry: int | None = None) -> Reply:
        """A body with headers signed before (a request captured and sent again); with
        `retry`, marked as Slack marks its retries (`X-Slack-Retry-Num`, not signed)."""
        headers = dict(headers)
        if retry is not None:
            headers.update(
                {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
            )
        return self.request("/slack/events", body.encode(), headers)
