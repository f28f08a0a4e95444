"""HTTP mode: Bolt's own ASGI adapter behind a thin edge, served by uvicorn.

The edge does what Bolt's adapter does not, in this order, each once:

* a body limit (a larger body is answered 413 and never buffered);
* the signature check before anything in the body is used: a request that is not signed
  by Slack or signed too long ago gets a 401 and is never dispatched, so no listener and
  no error handler ever sees it (Bolt checks the signature again);
* each request run once (`bot.replays`): a copy of a signed request that says it is
  Slack's retry (`X-Slack-Retry-Num`, which is not signed) gets the first one's answer,
  a copy that does not gets a 401, and an Events API delivery Slack sends again (signed
  anew, the same `event_id`) gets the first one's answer; none is dispatched again;
  a request that can change something also has its keys taken in the database, once the
  front has read it (`bot.replay_records`), so that a copy at another process or after a
  restart is answered the same way;
* the front (`bot.listeners.front.Front`): the payload's shape (a 400 naming the field),
  the user's language, the command's text parsed, and whether a kept answer serves a
  `/capacity` question, which is then the response, without Bolt;
* then Bolt, whose listeners read what the front decided; a body Bolt cannot parse gets a
  400;
* one log line and the metrics of the request, once it is answered.

It also serves `GET /healthz` and `GET /metrics` (`bot.ops`), or leaves them to a port
of their own (`--health-port`).

The edge costs about 10-20 us a request in process (headers, one HMAC, the replay
check) and nothing measurable over HTTP: the bot behind it and the same app served by
Bolt's adapter alone answered alike (p50 0.46 ms both at concurrency 1; server CPU 330
and 330-355 us a request; bench/RESULTS.md).
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import uvicorn
from slack_bolt.adapter.asgi.async_handler import AsyncSlackRequestHandler
from slack_bolt.request.internals import parse_body
from slack_sdk.signature import SignatureVerifier

from bot.app import CapacityApp, settle_garbage_collector
from bot.listeners.front import JSON, Front, Taken, describe
from bot.listeners.shape import Refusals
from bot.ops import PATHS, Ops, OpsServer
from bot.replay_records import NOT_RECORDED, Claim, Records
from bot.replays import Answer, Key, Replays, event_key, signature_key

log = logging.getLogger("bot.http")

MAX_BODY = 1_000_000  # Slack's payloads are far smaller; more is refused unread
MAX_DRAIN = 16_000_000  # read and drop this much of a refused body, so the client hears us
EVENTS = "/slack/events"
SHUTDOWN_GRACE = 10.0  # seconds to finish work begun after answers, at shutdown
OUTCOMES = {400: "malformed", 401: "unverified", 404: "unmatched"}  # Bolt's own answers

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


async def respond(send: Send, status: int, body: bytes, content_type: str = "text/plain") -> None:
    headers = [(b"content-type", content_type.encode()), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class SlackAsgi:
    """The edge. With `health_port`, `/healthz` and `/metrics` are served only there
    (`bot.ops.OpsServer`, started with the app), not beside `/slack/events`."""

    def __init__(
        self,
        app: CapacityApp,
        signing_secret: str,
        *,
        host: str = "127.0.0.1",
        health_port: int | None = None,
    ) -> None:
        self.app = app
        self.deps = app.deps
        self.bolt = AsyncSlackRequestHandler(app, path=EVENTS)
        self.verifier = SignatureVerifier(signing_secret)
        self.replays = Replays()  # the answers of the last 5 minutes, for their copies
        self.records = Records(self.deps.service, self.deps.background)  # and in the database
        self.refusals = Refusals(log)
        self.front = Front(self.deps)  # the one look at a request before its listener
        self.ops = Ops(self.deps)
        self.ops_server = OpsServer(self.ops, host, health_port) if health_port else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            return await self._lifespan(receive, send)
        if scope["type"] != "http":
            return None
        path, method = scope.get("path", ""), scope.get("method", "GET")
        if path in PATHS and self.ops_server is None:
            accept = next((v for k, v in scope["headers"] if k.lower() == b"accept"), b"")
            reply = await self.ops.answer(path, accept.decode("latin-1"))
            assert reply is not None
            return await respond(send, reply.status, reply.body, reply.content_type)
        if path != EVENTS:
            return await respond(send, 404, b"Not Found")
        if method != "POST":
            return await respond(send, 405, b"POST only")
        started = time.perf_counter()
        request = await self._request(scope, receive, send)
        self.front.done(request, time.perf_counter() - started)

    async def _request(self, scope: Scope, receive: Receive, send: Send) -> Taken:
        """A POST to /slack/events, answered; what was decided about it, for its log."""
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        body = await _read(receive, headers.get("content-length", ""))
        if body is None:
            await respond(send, 413, b"Body too large")
            return Taken(outcome="too_large")
        if not self._verified(body, headers):
            await respond(send, 401, b"Unverified request")
            return Taken(outcome="unverified")
        payload = _payload(body, headers.get("content-type"))
        keys = [signature_key(headers["x-slack-signature"])]
        if payload is not None and (event := event_key(payload.get("event_id"))) is not None:
            keys.append(event)  # Slack's own retry of an event is signed anew
        found = self.replays.find(keys)
        if found is not None:
            copy = describe(payload or {})
            index, entry = found
            if index == 0 and not headers.get("x-slack-retry-num"):
                # Slack marks every retry: an unmarked copy of a signed request is not
                # Slack's, and gets nothing, not even the first one's answer
                await respond(send, 401, b"Replayed request")
                copy.outcome = "copy_refused"
                return copy
            kept = await self.replays.answer_of(entry)  # a retry: what the first did
            await respond(send, kept.status, kept.body, kept.content_type)
            copy.outcome = "replayed"
            return copy
        entry = self.replays.claim(keys)
        recorder = Recorder(send, bool(headers.get("x-slack-retry-num")))
        try:
            return await self._dispatch(scope, body, payload, recorder, keys)
        finally:  # even when it failed or was cancelled: a copy never runs it again
            self.replays.keep(entry, recorder.answer())
            self.records.keep(recorder.claim, entry.answer)

    async def _dispatch(
        self,
        scope: Scope,
        body: bytes,
        payload: dict[str, Any] | None,
        recorder: Recorder,
        keys: list[Key],
    ) -> Taken:
        """A verified request, seen for the first time here: taken by the front (refused,
        answered with a kept answer, or decided about); when it can change something, its
        keys taken in the database (a copy another process or a run before a restart
        answered gets that answer); then answered by Bolt."""
        send = recorder.send
        if payload is None:  # Bolt could not read it either
            self.refusals.note("body: it is not a form or a JSON object Slack sends")
            await respond(send, 400, b"Malformed request")
            return Taken(outcome="malformed")
        request = await self.front.take(payload)
        if request.problem:
            await respond(send, 400, f"Malformed request: {request.problem}"[:300].encode())
            return request
        if request.kept is not None:  # a question asked before, the data unchanged
            await respond(send, 200, request.kept.encode(), JSON)
            return request
        if self.records.wanted(request):
            recorder.claim = await self.records.take(keys)
            if recorder.claim.seen is not None:
                return await self._copy(recorder, request)
        status = 0

        async def replay() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def tracked(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            with request.current():
                await self.bolt(scope, replay, tracked)
        except Exception:
            # Listener errors never get here (Bolt hands those to the app's error
            # handler): what Bolt could not make sense of is the client's fault, logged
            # with its traceback for the operator (once per kind).
            self.refusals.note("body: Bolt could not read it", exc_info=True)
            if not status:
                await respond(send, 400, b"Malformed request")
                status = 400
        if status in OUTCOMES:
            request.outcome = OUTCOMES[status]
        elif status >= 500:
            request.outcome = "error"
        return request

    async def _copy(self, recorder: Recorder, request: Taken) -> Taken:
        """A copy of a request the database has (answered by another process, or before
        a restart): as a copy found in memory is answered, never run."""
        claim = recorder.claim
        first = await self.records.answer(claim)
        recorder.kept = first  # this process's copies get the first answer too
        if claim.by_signature and not recorder.retry:  # not Slack's: nothing
            await respond(recorder.send, 401, b"Replayed request")
            request.outcome = "copy_refused"
        else:
            await respond(recorder.send, first.status, first.body, first.content_type)
            request.outcome = "replayed"
        recorder.claim = NOT_RECORDED
        return request

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        """Start at once (and the health port's server, if any); at shutdown, finish the
        work begun after answers (a change being committed, its message on its way)
        before the process exits."""
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if self.ops_server is not None:
                    await self.ops_server.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.deps.background.drain(SHUTDOWN_GRACE)
                if self.ops_server is not None:
                    await self.ops_server.stop()
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


def _payload(body: bytes, content_type: str | None) -> dict[str, Any] | None:
    """The payload as Bolt reads it (`parse_body`: a form, a form's JSON `payload`, or a
    JSON body), or None when it is none of these."""
    try:
        found = parse_body(
            body.decode("utf-8"), content_type.split(";")[0] if content_type else None
        )
    except (ValueError, RecursionError):
        return None
    return found if isinstance(found, dict) else None


class Recorder:
    """Passes an answer on to the client and keeps it for the request's copies."""

    def __init__(self, send: Send, retry: bool = False) -> None:
        self._send = send
        self.retry = retry  # the request says it is Slack's retry (`X-Slack-Retry-Num`)
        self.status = 0
        self.content_type = "text/plain"
        self.chunks: list[bytes] = []
        self.claim: Claim = NOT_RECORDED  # its keys in the database (`bot.replay_records`)
        self.kept: Answer | None = None  # what its copies get, if not what was sent

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
        if self.kept is not None:
            return self.kept
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


def serve(
    app: CapacityApp, signing_secret: str, host: str, port: int, health_port: int | None = None
) -> None:
    log.info("capacity-bot listening on http://%s:%s%s", host, port, EVENTS)
    config = uvicorn.Config(
        SlackAsgi(app, signing_secret, host=host, health_port=health_port),
        host=host,
        port=port,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        access_log=False,
        log_config=None,  # uvicorn's lines go through the bot's log (bot.logs)
        log_level="warning",
        server_header=False,
        h11_max_incomplete_event_size=MAX_BODY,
    )
    config.load()  # imports the server's protocol modules now, before the freeze
    settle_garbage_collector()
    uvicorn.Server(config).run()
