"""A stand-in for Slack on 127.0.0.1: the Web API (`/api/<method>`) and `response_url`s
(`/response/<id>`), recording every request the bot sends, with failure modes for fault
tests. Like bolt-python's own mock Web API server, but a real HTTP server."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Call:
    path: str
    method: str  # Web API method, or "response"
    body: dict[str, Any]
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)
    wall: float = field(default_factory=time.time)


class StandIn:
    """Run with `with StandIn() as slack:`; `slack.api_url` and `slack.response_url()`."""

    def __init__(self, port: int = 0) -> None:
        self.calls: list[Call] = []
        self.lock = threading.Lock()
        # Scripted answers for chat.postMessage, consumed in order; then normal answers.
        # Each item: ("status", code, headers, body); ("drop",) to close without answer;
        # ("post-then-drop",) to post the message and then lose the answer.
        self.script: deque[tuple[Any, ...]] = deque()
        self.posted: list[dict[str, Any]] = []  # messages that reached the channel
        self._ts = 1_600_000_000.0
        ThreadingHTTPServer.request_queue_size = 256  # a burst of 16+ clients: no SYN drops
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"http://127.0.0.1:{self.port}/response/{name}"

    def __enter__(self) -> StandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def calls_to(self, method: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.calls_to(method)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"{method}: {len(self.calls_to(method))} calls, wanted {count}")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8") if length else ""
                body = _parse(raw, self.headers.get("Content-Type", ""))
                if self.path.startswith("/api/"):
                    method = self.path[len("/api/") :].split("?")[0]
                elif self.path.startswith("/response/"):
                    method = "response"
                else:
                    method = self.path
                call = Call(self.path, method, body, dict(self.headers.items()))
                with stand_in.lock:
                    stand_in.calls.append(call)
                    scripted = (
                        stand_in.script.popleft()
                        if method == "chat.postMessage" and stand_in.script
                        else None
                    )
                if scripted and scripted[0] == "post-then-drop":  # posted, answer lost
                    stand_in._post(body)
                    self.close_connection = True
                    self.connection.close()
                    return
                if scripted and scripted[0] == "drop":
                    self.close_connection = True
                    self.connection.close()
                    return
                if scripted:
                    _, status, headers, payload = scripted
                    if payload.get("ok") or payload.get("deliver"):
                        stand_in._post(body)  # delivered, though the answer may be lost
                    self._send(
                        status, {k: v for k, v in payload.items() if k != "deliver"}, headers
                    )
                    return
                self._send(200, stand_in._answer(method, body))

            def _send(
                self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
            ) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def _post(self, body: dict[str, Any]) -> str:
        with self.lock:
            self._ts += 1
            ts = f"{self._ts:.6f}"
            self.posted.append({**body, "ts": ts})
        return ts

    def _answer(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        if method == "chat.postMessage":
            ts = self._post(body)
            return {"ok": True, "channel": body.get("channel"), "ts": ts}
        if method == "conversations.history":
            with self.lock:
                messages = [
                    {"ts": m["ts"], "text": m.get("text", ""), "metadata": m.get("metadata")}
                    for m in reversed(self.posted)
                    if m.get("channel") == body.get("channel")
                ]
            return {"ok": True, "messages": messages, "has_more": False}
        if method == "auth.test":
            return {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1"}
        if method == "response":
            return {"ok": True}
        return {"ok": True}


def _parse(raw: str, content_type: str) -> dict[str, Any]:
    if not raw:
        return {}
    if "json" in content_type:
        try:
            return json.loads(raw)
        except ValueError:
            return {"_raw": raw}
    parsed = {k: v[0] for k, v in parse_qs(raw).items()}
    for key in ("metadata", "blocks"):
        if isinstance(parsed.get(key), str):
            with contextlib.suppress(ValueError):
                parsed[key] = json.loads(parsed[key])
    return parsed
