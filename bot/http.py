"""HTTP mode: Bolt's own ASGI adapter behind a thin edge, served by uvicorn.

The edge does what Bolt's adapter does not: `GET /healthz`, a body limit (a larger
body is answered 413 and never buffered), and the signature check before anything in
the body is used — a request that is not signed by Slack or signed too long ago gets a
401 and is never dispatched, so no listener and no error handler ever sees it — and
each request run once (`bot.replays`): a copy of a signed request that says it is
Slack's retry (`X-Slack-Retry-Num`, which is not signed) gets the first one's answer, a
copy that does not gets a 401, and an Events API delivery Slack sends again (signed
anew, the same `event_id`) gets the first one's answer; none is dispatched again. A body
Bolt cannot parse gets a 400. Bolt checks the signature again.

The edge costs about 10-20 us a request in process (headers, one HMAC, the replay
check) and nothing measurable over HTTP: the bot behind it and the same app served by
Bolt's adapter alone answered alike (p50 0.46 ms both at concurrency 1; server CPU 330
and 330-355 us a request; bench/RESULTS.md).
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt.adapter.asgi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier

from bot.answer_cache import parsed
from bot.backups import health_warnings
from bot.listeners import shape
from bot.listeners.shape import Refusals, problem
from bot.parse import MAX_TEXT
from bot.probe import HEALTH
from bot.replays import Answer, Replays, event_key, signature_key
from capacity import errors

log = logging.getLogger("bot.http")

MAX_BODY = 1_000_000  # Slack's payloads are far smaller; more is refused unread
MAX_DRAIN = 16_000_000  # read and drop this much of a refused body, so the client hears us
EVENTS = "/slack/events"
JSON = "application/json;charset=utf-8"  # as Bolt answers with a JSON body
SHUTDOWN_GRACE = 10.0  # seconds to finish work begun after answers, at shutdown

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


async def respond(send: Send, status: int, body: bytes, content_type: str = "text/plain") -> None:
    headers = [(b"content-type", content_type.encode()), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class SlackAsgi:
    def __init__(self, app: AsyncApp, signing_secret: str) -> None:
        self.app = app
        self.bolt = AsyncSlackRequestHandler(app, path=EVENTS)
        self.verifier = SignatureVerifier(signing_secret)
        self.replays = Replays()  # the answers of the last 5 minutes, for their copies
        self.refusals = Refusals(log)
        deps = getattr(app, "deps", None)  # set by bot.app.create_app
        self.kept = functools.partial(kept_response, deps) if deps is not None else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            return await self._lifespan(receive, send)
        if scope["type"] != "http":
            return None
        path, method = scope.get("path", ""), scope.get("method", "GET")
        if path == HEALTH:
            return await self._health(send)
        if path != EVENTS:
            return await respond(send, 404, b"Not Found")
        if method != "POST":
            return await respond(send, 405, b"POST only")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        body = await _read(receive, headers.get("content-length", ""))
        if body is None:
            return await respond(send, 413, b"Body too large")
        if not self._verified(body, headers):
            return await respond(send, 401, b"Unverified request")
        delivery = _delivery(body)
        keys = [signature_key(headers["x-slack-signature"])]
        if (event := event_key(delivery.get("event_id"))) is not None:
            keys.append(event)  # Slack's own retry of an event is signed anew
        found = self.replays.find(keys)
        if found is not None:
            index, entry = found
            if index == 0 and not headers.get("x-slack-retry-num"):
                # Slack marks every retry: an unmarked copy of a signed request is not
                # Slack's, and gets nothing, not even the first one's answer
                return await respond(send, 401, b"Replayed request")
            kept = await self.replays.answer_of(entry)  # a retry: what the first did
            return await respond(send, kept.status, kept.body, kept.content_type)
        entry = self.replays.claim(keys)
        recorder = Recorder(send)
        try:
            await self._dispatch(scope, body, delivery, recorder.send)
        finally:  # even when it failed or was cancelled: a copy never runs it again
            self.replays.keep(entry, recorder.answer())

    async def _dispatch(
        self, scope: Scope, body: bytes, delivery: dict[str, Any], send: Send
    ) -> None:
        """A verified request, seen for the first time: answered by Bolt (or by the kept
        answer of a question asked before, or a 400 for a body of the wrong shape)."""
        if shape.event_problem(delivery):  # Bolt's own middleware reads an event first
            return await respond(send, 400, b"Malformed request: event")
        kept = self.kept(body) if self.kept is not None else None
        if kept is not None:  # a question asked before, the data unchanged: its answer
            return await respond(send, 200, kept.encode(), JSON)
        started = False

        async def replay() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def tracked(message: dict[str, Any]) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await self.bolt(scope, replay, tracked)
        except Exception:
            # Bolt parses the body before it dispatches (listener errors never get here:
            # Bolt hands those to the app's error handler); a signed body of the wrong
            # shape is the client's fault, logged with its traceback for the operator
            # (once per kind: a flood of them does not flood the log).
            self.refusals.note("body: Bolt could not parse it", exc_info=True)
            if not started:
                await respond(send, 400, b"Malformed request")

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        """Start at once; at shutdown, finish the work begun after answers (a change
        being committed, its message on its way) before the process exits."""
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                background = getattr(getattr(self.app, "deps", None), "background", None)
                if background is not None:
                    await background.drain(SHUTDOWN_GRACE)
                await send({"type": "lifespan.shutdown.complete"})
                return

    def _verified(self, body: bytes, headers: dict[str, str]) -> bool:
        timestamp = headers.get("x-slack-request-timestamp", "")
        signature = headers.get("x-slack-signature", "")
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
            return False
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return bool(signature) and self.verifier.is_valid(text, timestamp, signature)

    async def _health(self, send: Send) -> None:
        try:
            await asyncio.to_thread(self.app.deps.service.health)  # type: ignore[attr-defined]
        except errors.CapacityError as problem:  # the check that failed (open, database,
            check = problem.facts.get("check", "database")  # write) and why
            body = json.dumps({"ok": False, "check": check, "reason": str(problem)}).encode()
            return await respond(send, 503, body, "application/json")
        except Exception as problem:  # not foreseen: still a 503, and the log has it
            log.exception("Health check failed")
            reason = f"health check failed: {type(problem).__name__}"
            body = json.dumps({"ok": False, "reason": reason}).encode()
            return await respond(send, 503, body, "application/json")
        warnings = await asyncio.to_thread(health_warnings, self.app.deps.service)  # type: ignore[attr-defined]
        body = {"ok": True, **({"warnings": warnings} if warnings else {})}  # served all the same
        await respond(send, 200, json.dumps(body).encode(), "application/json")


def _delivery(body: bytes) -> dict[str, Any]:
    """An Events API delivery (a JSON object) as parsed; {} for anything else (forms:
    commands and interactions; a body Bolt will refuse as unparsable)."""
    if not body.lstrip().startswith(b"{"):
        return {}
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


class Recorder:
    """Passes an answer on to the client and keeps it for the request's copies."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.status = 0
        self.content_type = "text/plain"
        self.chunks: list[bytes] = []

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            for name, value in message.get("headers", ()):
                if name.lower() == b"content-type":  # one of a few: kept once
                    self.content_type = sys.intern(value.decode("latin-1"))
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))
        await self._send(message)

    def answer(self) -> Answer | None:
        return (
            Answer(self.status, b"".join(self.chunks), self.content_type) if self.status else None
        )


async def _read(receive: Receive, declared: str) -> bytes | None:
    """The body, or None when it is larger than MAX_BODY (read and dropped, up to a
    point, so that the client is not cut off while it is still sending)."""
    too_large = declared.isdigit() and int(declared) > MAX_BODY
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            too_large = True
        if too_large:
            if size > MAX_DRAIN:
                return None
        else:
            chunks.append(chunk)
        if not message.get("more_body"):
            return None if too_large else b"".join(chunks)


def serve(app: AsyncApp, signing_secret: str, host: str, port: int) -> None:
    import uvicorn

    log.info("capacity-bot listening on http://%s:%s%s", host, port, EVENTS)
    config = uvicorn.Config(
        SlackAsgi(app, signing_secret),
        host=host,
        port=port,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        access_log=False,
        log_level="warning",
        server_header=False,
        h11_max_incomplete_event_size=MAX_BODY,
    )
    config.load()  # imports the server's protocol modules now, before the freeze
    from bot.app import settle_garbage_collector

    settle_garbage_collector()
    uvicorn.Server(config).run()


def kept_response(deps: Any, raw: bytes) -> str | None:
    """The kept answer to a verified `/capacity` question, straight from its raw body,
    or None to let Bolt dispatch it (anything else, a question not kept, a user whose
    language is not known yet, a body of the wrong shape: Bolt's path answers those).

    The HTTP edge (`bot.http.SlackAsgi`) calls it after the signature and replay checks:
    a repeated question then costs a form parse and lookups, not Bolt's dispatch (about
    half an answer's CPU at 16 concurrent requests, bench/RESULTS.md). The checks Bolt's
    path makes before `KeptAnswer` are made here too: the payload's shape
    (`shape.problem`) and the user's language (`Deps.known_texts_for`)."""
    if b"command=" not in raw:  # a slash command is a form; clicks and events are not
        return None
    try:
        fields: dict[str, str] = {}
        for key, value in parse_qsl(raw.decode("utf-8"), keep_blank_values=True):
            fields.setdefault(key, value)  # the first value, as Bolt reads a form
    except (UnicodeDecodeError, ValueError):
        return None
    if fields.get("command") != "/capacity" or problem(fields, deps.allowed_url):
        return None
    texts = deps.known_texts_for(fields.get("user_id", ""))
    if texts is None:
        return None
    request = parsed(fields.get("text", "")[:MAX_TEXT])
    return deps.answers.response(request, texts)
