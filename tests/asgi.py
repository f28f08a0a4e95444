"""Drive the bot's ASGI edge in process, as uvicorn does: one request, its answer.

Faster than a server process for many requests (fuzzing, the health checks); the edge
(`bot.http.SlackAsgi`) and everything behind it are the real ones."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from bot.terminal import signed_headers


@dataclass
class Answer:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


async def call(
    asgi: Any, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> Answer:
    method = "POST" if body or headers else "GET"
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
        + [(b"content-length", str(len(body)).encode())],
    }
    sent = False
    out: dict[str, Any] = {"status": 0, "body": b""}

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            out["status"] = message["status"]
        elif message["type"] == "http.response.body":
            out["body"] += message.get("body", b"")

    await asyncio.wait_for(asgi(scope, receive, send), 10)
    return Answer(out["status"], out["body"])


async def signed(asgi: Any, secret: str, body: str, **extra: str) -> Answer:
    headers = signed_headers(secret, body)
    headers.update(extra)
    return await call(asgi, "/slack/events", body.encode(), headers)
