"""A stand-in for Slack on 127.0.0.1: the Web API (`/api/<method>`) and `response_url`s
(`/response/<id>`), recording every request the bot sends, with failure modes for fault
tests. Like bolt-python's own mock Web API server, but a real HTTP server.

File uploads follow Slack's current flow: `files.getUploadURLExternal` hands out an upload
URL on this server (`/upload/<file id>`), the bytes are POSTed there (raw or as
multipart/form-data), and `files.completeUploadExternal` shares the uploaded files."""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import json
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.stand_in_users import users_list


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # a burst of 16+ clients: no SYN drops
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up before its answer (the bot's time limits, which the
        # fault tests provoke) is what those tests expect, not an error to print
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


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
        # users.info: each user's Slack locale ("en-US", "nn-NO", …; missing: none given),
        # and fault modes: a delay before answering, or an error answer.
        self.locales: dict[str, str] = {}
        # users.lookupByEmail: address -> user id (unknown: users_not_found)
        self.emails: dict[str, str] = {}
        # Slack's rate limits, by method: every nth call answered 429 `ratelimited` with
        # Retry-After (`ratelimit[method] = (n, "1")`), and a cap of calls a second
        # (`rate_caps[method] = 20`: more within a second are answered 429, Retry-After 1)
        self.ratelimit: dict[str, tuple[int, str]] = {}
        self.rate_caps: dict[str, float] = {}
        self.limited: dict[str, int] = {}  # 429s answered, by method
        # (method, when, Retry-After, the caller's Authorization header) of each 429
        self.limited_at: list[tuple[str, float, float, str]] = []
        self._counts: dict[str, int] = {}
        self._recent: dict[str, deque[float]] = {}
        # conversations.open: users Slack does not know (user_not_found)
        self.unknown_users: set[str] = set()
        # chat.update: messages deleted in Slack (message_not_found)
        self.deleted: set[str] = set()
        self.users_info_delay = 0.0
        self.users_info_error = ""
        self.workspace: list[str] = []  # users.list's members (empty unless a test fills it)
        self.posted: list[dict[str, Any]] = []  # messages that reached the channel
        self._ts = 1_600_000_000.0
        # Uploads: file id -> what files.getUploadURLExternal was told, the bytes received at
        # the upload URL ("data") and, once completed, how it was shared.
        self.files: dict[str, dict[str, Any]] = {}
        # Scripted answers at the upload URL, consumed in order: ("status", code) answers
        # that status without keeping the bytes; ("stall", seconds) waits before answering.
        self.upload_script: deque[tuple[Any, ...]] = deque()
        self._file_count = 0
        # Faults by method ("response" for response_urls, or a Web API method), until
        # cleared: ("delay", seconds) answers normally after a wait; ("status", code)
        # answers that status; ("drop",) closes the connection without an answer.
        self.faults: dict[str, tuple[Any, ...]] = {}
        # set by release(): every "delay" fault, and "stall" upload, answers at once
        self.released = threading.Event()
        self.server = _Server(("127.0.0.1", port), self._handler())
        # shutdown() waits for serve_forever's next poll: a short one keeps every test
        # that stops a stand-in from paying half a second for it
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

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

    def release(self) -> None:
        """End the delays and stalls now, those under way and those to come: at a test's
        end, so that the bot's calls waiting on them end too instead of running out their
        time limits while the bot stops."""
        self.released.set()

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

    def responses(self, name: str) -> list[Call]:
        """The posts to `response_url(name)`, in order."""
        return [c for c in self.calls_to("response") if c.path.endswith("/response/" + name)]

    def wait_responses(self, name: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Wait until `count` posts reached `response_url(name)`; all of them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.responses(name)
            if len(found) >= count:
                return found
            time.sleep(0.01)
        raise AssertionError(f"{len(self.responses(name))} answers at /response/{name}")

    def answer_to(self, name: str, click: Callable[[], Any], timeout: float = 10.0) -> Call:
        """Run `click` (a button click answered at `response_url(name)`, after the click
        itself is answered) and wait for the answer it posts there."""
        before = len(self.responses(name))
        click()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.responses(name)
            if len(found) > before:
                return found[before]
            time.sleep(0.01)
        raise AssertionError(f"no answer at /response/{name} within {timeout} s")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                if self.path.startswith("/upload/"):  # a file's bytes: not UTF-8 text
                    self._upload(self.rfile.read(length) if length else b"")
                    return
                raw = self.rfile.read(length).decode("utf-8") if length else ""
                body = _parse(raw, self.headers.get("Content-Type", ""))
                if self.path.startswith("/api/"):
                    method = self.path[len("/api/") :].split("?")[0]
                elif self.path.startswith("/response/"):
                    method = "response"
                else:
                    method = self.path
                if method.startswith(("files.", "conversations.open")) and "?" in self.path:
                    # slack_sdk sends these methods' arguments in the URL
                    query = parse_qs(urlsplit(self.path).query)
                    body = {**{k: v[0] for k, v in query.items()}, **body}
                    if isinstance(body.get("files"), str):
                        with contextlib.suppress(ValueError):
                            body["files"] = json.loads(body["files"])
                call = Call(self.path, method, body, dict(self.headers.items()))
                with stand_in.lock:
                    stand_in.calls.append(call)
                    fault = stand_in.faults.get(method)
                if fault and fault[0] == "delay":
                    stand_in.released.wait(fault[1])
                elif fault and fault[0] == "status":
                    with contextlib.suppress(OSError):
                        self._send(fault[1], {"ok": False, "error": "fault"})
                    return
                elif fault and fault[0] == "drop":
                    self.close_connection = True
                    self.connection.close()
                    return
                retry_after = stand_in._rate_limited(method, call)
                if retry_after is not None:
                    with contextlib.suppress(OSError):
                        self._send(
                            429, {"ok": False, "error": "ratelimited"}, {"Retry-After": retry_after}
                        )
                    return
                with stand_in.lock:
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

            def do_GET(self) -> None:  # noqa: N802 - slack_sdk GETs a few methods (users.info)
                parts = urlsplit(self.path)
                if not parts.path.startswith("/api/"):
                    self._send_text(404, "not found")
                    return
                method = parts.path[len("/api/") :]
                body = {k: v[0] for k, v in parse_qs(parts.query).items()}
                call = Call(self.path, method, body, dict(self.headers.items()))
                with stand_in.lock:
                    stand_in.calls.append(call)
                self._send(200, stand_in._answer(method, body))

            def _upload(self, data: bytes) -> None:
                file_id = urlsplit(self.path).path.rstrip("/").rsplit("/", 1)[-1]
                content_type = self.headers.get("Content-Type", "")
                if content_type.startswith("multipart/form-data"):
                    data = _multipart_file(data, content_type)
                call = Call(
                    self.path,
                    "upload",
                    {"file_id": file_id, "length": len(data), "content_type": content_type},
                    dict(self.headers.items()),
                )
                with stand_in.lock:
                    stand_in.calls.append(call)
                    scripted = stand_in.upload_script.popleft() if stand_in.upload_script else None
                    known = file_id in stand_in.files
                if scripted and scripted[0] == "stall":
                    stand_in.released.wait(scripted[1])
                if scripted and scripted[0] == "status":
                    self._send_text(scripted[1], "error")
                    return
                if not known:
                    self._send_text(404, "unknown upload")
                    return
                with stand_in.lock:
                    stand_in.files[file_id]["data"] = data
                self._send_text(200, f"OK - {len(data)}")

            def _send_text(self, status: int, text: str) -> None:
                data = text.encode()
                with contextlib.suppress(OSError):  # a client that gave up waiting is gone
                    self.send_response(status)
                    self.send_header("Content-Type", "text/plain; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)

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

    def _rate_limited(self, method: str, call: Call) -> str | None:
        """Retry-After when this call of `method` is refused as rate-limited, else None."""
        with self.lock:
            count = self._counts[method] = self._counts.get(method, 0) + 1
            every = self.ratelimit.get(method)
            retry_after = every[1] if every and count % every[0] == 0 else None
            cap = self.rate_caps.get(method)
            if retry_after is None and cap:
                now = time.monotonic()
                recent = self._recent.setdefault(method, deque())
                while recent and recent[0] <= now - 1.0:
                    recent.popleft()
                if len(recent) >= cap:
                    retry_after = "1"
                else:
                    recent.append(now)
            if retry_after is not None:
                self.limited[method] = self.limited.get(method, 0) + 1
                who = call.headers.get("Authorization", "")
                self.limited_at.append((method, call.at, float(retry_after), who))
            return retry_after

    def _update(self, body: dict[str, Any]) -> dict[str, Any]:
        ts, channel = body.get("ts"), body.get("channel")
        with self.lock:
            found = [m for m in self.posted if m["ts"] == ts and m.get("channel") == channel]
            if ts in self.deleted or not found:
                return {"ok": False, "error": "message_not_found"}
            found[0].update(text=body.get("text"), blocks=body.get("blocks"))
        return {"ok": True, "channel": channel, "ts": ts}

    def dms(self, user: str) -> list[dict[str, Any]]:
        """The messages posted to a user's direct-message channel (D<user>), in order."""
        with self.lock:
            return [m for m in self.posted if m.get("channel") == f"D{user}"]

    def _answer(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        if method == "chat.postMessage":
            ts = self._post(body)
            return {"ok": True, "channel": body.get("channel"), "ts": ts}
        if method == "chat.update":
            return self._update(body)
        if method == "conversations.history":
            with self.lock:
                messages = [
                    {"ts": m["ts"], "text": m.get("text", ""), "metadata": m.get("metadata")}
                    for m in reversed(self.posted)
                    if m.get("channel") == body.get("channel")
                ]
            return {"ok": True, "messages": messages, "has_more": False}
        if method == "users.info":
            return self._user_info(body)
        if method == "users.lookupByEmail":
            user = self.emails.get(str(body.get("email", "")).lower())
            if user is None:
                return {"ok": False, "error": "users_not_found"}
            return {"ok": True, "user": {"id": user, "profile": {"email": body.get("email")}}}
        if method == "users.list":
            with self.lock:
                return users_list(list(self.workspace), dict(self.locales), body)
        if method == "views.publish":
            if not body.get("user_id") or not body.get("view"):
                return {"ok": False, "error": "invalid_arguments"}
            return {"ok": True, "view": {"id": "V1", "type": "home"}}
        if method == "conversations.open":  # the bot's direct message with a user
            users = str(body.get("users") or "")
            if not users or "," in users:
                return {"ok": False, "error": "invalid_arguments"}
            if users in self.unknown_users:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "channel": {"id": f"D{users}"}}
        if method == "auth.test":
            return {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1"}
        if method == "response":
            return {"ok": True}
        if method == "files.getUploadURLExternal":
            return self._upload_url(body)
        if method == "files.completeUploadExternal":
            return self._complete_upload(body)
        return {"ok": True}

    def _user_info(self, body: dict[str, Any]) -> dict[str, Any]:
        if self.users_info_delay:
            time.sleep(self.users_info_delay)
        if self.users_info_error:
            return {"ok": False, "error": self.users_info_error}
        user = {"id": body.get("user"), "name": str(body.get("user", "")).lower()}
        locale = self.locales.get(str(body.get("user")))
        if locale and str(body.get("include_locale")).lower() in ("true", "1"):
            user["locale"] = locale
        return {"ok": True, "user": user}

    def views(self, user_id: str) -> list[dict[str, Any]]:
        """The Home views published for a user, oldest first."""
        found = []
        for call in self.calls_to("views.publish"):
            if call.body.get("user_id") == user_id:
                view = call.body.get("view")
                found.append(json.loads(view) if isinstance(view, str) else view)
        return found

    def wait_views(
        self, user_id: str, count: int = 1, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        """Wait until `count` Home views were published for a user; all of them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.views(user_id)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(
            f"{len(self.views(user_id))} views published for {user_id}, wanted {count}"
        )

    def upload_url(self, file_id: str) -> str:
        return f"http://127.0.0.1:{self.port}/upload/{file_id}"

    def _upload_url(self, body: dict[str, Any]) -> dict[str, Any]:
        if not body.get("filename") or not str(body.get("length", "")).isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        if int(body["length"]) == 0:
            return {"ok": False, "error": "missing_argument"}
        if len(body.get("alt_txt") or "") > 1000:
            return {"ok": False, "error": "alt_txt_too_large"}
        with self.lock:
            self._file_count += 1
            file_id = f"F{self._file_count:010d}"
            self.files[file_id] = {
                "filename": body["filename"],
                "length": int(body["length"]),
                "alt_txt": body.get("alt_txt"),
            }
        return {"ok": True, "upload_url": self.upload_url(file_id), "file_id": file_id}

    def _complete_upload(self, body: dict[str, Any]) -> dict[str, Any]:
        files = body.get("files")
        if not isinstance(files, list) or not files:
            return {"ok": False, "error": "invalid_arguments"}
        shared = []
        with self.lock:
            for item in files:
                known = self.files.get(item.get("id", ""))
                if known is None or "data" not in known:
                    return {"ok": False, "error": "file_not_found"}
                known.update(
                    title=item.get("title") or known["filename"],
                    channel=body.get("channel_id"),
                    thread_ts=body.get("thread_ts"),
                    initial_comment=body.get("initial_comment"),
                    completed=True,
                )
                shared.append(
                    {
                        "id": item["id"],
                        "name": known["filename"],
                        "title": known["title"],
                        "size": len(known["data"]),
                        "alt_txt": known.get("alt_txt"),
                    }
                )
        return {"ok": True, "files": shared}


def _multipart_file(data: bytes, content_type: str) -> bytes:
    """The file part (or else the first part) of a multipart/form-data body."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + data)
    parts = list(message.iter_parts()) if message.is_multipart() else []
    for part in parts:
        if part.get_filename() is not None:
            return part.get_payload(decode=True) or b""
    return (parts[0].get_payload(decode=True) or b"") if parts else data


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
