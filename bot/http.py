"""HTTP mode: `POST /slack/events` (commands, interactivity) and `GET /healthz`, as an
ASGI application served by uvicorn (uvloop, httptools): the async Bolt app answers each
request on the event loop, and requests that wait on Slack do not hold up others."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import unquote

from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

log = logging.getLogger("bot.http")

MAX_BODY = 1_000_000  # Slack's payloads are far smaller; more is refused unread

Scope = dict[str, Any]


class TooLarge(Exception):
    """The request body is larger than MAX_BODY"""


async def _read_body(receive: Any, declared: int) -> bytes:
    if declared > MAX_BODY:
        raise TooLarge
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise TooLarge
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


async def _send(
    send: Any,
    status: int,
    body: bytes,
    headers: dict[str, list[str]] | None = None,
    content_type: str = "text/plain; charset=utf-8",
) -> None:
    pairs = [(b"content-length", str(len(body)).encode())]
    seen_type = False
    for name, values in (headers or {}).items():
        if name.lower() == "content-length":
            continue
        seen_type = seen_type or name.lower() == "content-type"
        pairs.extend((name.encode("latin-1"), value.encode("latin-1")) for value in values)
    if not seen_type:
        pairs.append((b"content-type", content_type.encode()))
    await send({"type": "http.response.start", "status": status, "headers": pairs})
    await send({"type": "http.response.body", "body": body})


class SlackAsgi:
    def __init__(self, app: AsyncApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            return
        path, method = scope.get("path", ""), scope.get("method", "GET")
        if path == "/healthz":
            return await self._health(send)
        if path != "/slack/events":
            return await _send(send, 404, b"Not Found")
        if method != "POST":
            return await _send(send, 405, b"POST only")
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope.get("headers", []):
            headers[raw_name.decode("latin-1").lower()] = raw_value.decode("latin-1")
        try:
            declared = int(headers.get("content-length") or 0)
            body = (await _read_body(receive, declared)).decode("utf-8")
        except TooLarge:
            return await _send(send, 413, b"Body too large")
        except (ValueError, UnicodeDecodeError):
            return await _send(send, 400, b"Malformed request")
        query = unquote(scope.get("query_string", b"").decode("latin-1"))
        try:
            request = AsyncBoltRequest(body=body, query=query, headers=headers)
            response = await self.app.async_dispatch(request)
        except Exception:
            # Bolt parses the body before it dispatches (listener errors never get here:
            # Bolt handles those), and a body of the wrong shape (a JSON list as payload,
            # say) raises from its parser: the client's fault, answered 400, logged with
            # the traceback for the operator.
            log.warning("Malformed request body", exc_info=True)
            return await _send(send, 400, b"Malformed request")
        await _send(send, response.status, (response.body or "").encode("utf-8"), response.headers)

    async def _health(self, send: Any) -> None:
        service = self.app.deps.service  # type: ignore[attr-defined]
        service.store.db.execute("SELECT 1").fetchone()
        await _send(send, 200, json.dumps({"ok": True}).encode(), content_type="application/json")


def serve(app: AsyncApp, host: str, port: int) -> None:
    import uvicorn

    log.info("capacity-bot listening on http://%s:%s/slack/events", host, port)
    config = uvicorn.Config(
        SlackAsgi(app),
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
    uvicorn.Server(config).run()
