"""`GET /healthz` and `GET /metrics`, for whoever runs the bot, in both run modes.

`/healthz` answers `200 {"ok": true}` when the bot can serve: the database opens, its
schema is the one this version knows, a read succeeds and a write would
(`Capacity.health`), and, in Socket Mode, the WebSocket to Slack is connected; else
`503 {"ok": false, "check": …, "reason": …}`, `check` naming what failed (open,
database, write, or socket).
`/metrics` answers the metrics (`bot.metrics`) in Prometheus' text format.

Neither needs Slack's signature, and neither says anything of a token, a user's text or
a municipality's figures. HTTP mode serves them beside `/slack/events`, or, with
`--health-port`, only on a port of their own (`OpsServer`), which only the platform
need reach; Socket Mode, which has no HTTP server otherwise, serves them on
`--health-port`. The database is read off the event loop.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from bot.backups import health_warnings
from bot.listeners.deps import Deps
from bot.probe import HEALTH
from capacity import errors

log = logging.getLogger("bot.ops")

METRICS = "/metrics"
PATHS = (HEALTH, METRICS)
JSON = "application/json"

Connected = Callable[[], Awaitable[str | None]]
"""Socket Mode's check of its WebSocket: None when connected, else why not."""


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str


class Ops:
    def __init__(self, deps: Deps, connected: Connected | None = None) -> None:
        self.deps = deps
        self.connected = connected

    async def answer(self, path: str, accept: str = "") -> Reply | None:
        """The answer to GET `path` (`accept`: the request's Accept header), or None when
        it is not one of these."""
        if path == HEALTH:
            return await self.health()
        if path == METRICS:
            return await self.metrics(accept)
        return None

    async def health(self) -> Reply:
        try:
            await asyncio.to_thread(self.deps.service.health)
        except errors.CapacityError as problem:  # the check that failed (open, database,
            return _unhealthy(str(problem), problem.facts.get("check", "database"))  # write)
        except Exception as problem:  # not foreseen: still a 503, and the log has it
            log.exception("Health check failed")
            return _unhealthy(f"health check failed: {type(problem).__name__}")
        if self.connected is not None:
            why = await self.connected()
            if why:
                return _unhealthy(why, "socket")
        warnings = await asyncio.to_thread(health_warnings, self.deps.service)
        if warnings:  # the last scheduled backup failed: served all the same
            return Reply(200, json.dumps({"ok": True, "warnings": warnings}).encode(), JSON)
        return Reply(200, b'{"ok": true}', JSON)

    async def metrics(self, accept: str = "") -> Reply:
        body, content_type = await asyncio.to_thread(self.deps.metrics.exposition, accept)
        return Reply(200, body, content_type)


def _unhealthy(reason: str, check: str | None = None) -> Reply:
    """503 with why; `check` names the check that failed, when one did."""
    body: dict[str, object] = {"ok": False}
    if check is not None:
        body["check"] = check
    body["reason"] = reason
    return Reply(503, json.dumps(body).encode(), JSON)


class OpsServer:
    """`/healthz` and `/metrics` on a port of their own: aiohttp's server, in the event
    loop the bot already runs (uvicorn's in HTTP mode, Socket Mode's otherwise)."""

    def __init__(self, ops: Ops, host: str, port: int) -> None:
        self.ops, self.host, self.port = ops, host, port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        for path in PATHS:
            app.router.add_get(path, self._handle)
        runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, self.host, self.port).start()
        self._runner = runner
        log.info(
            "Health and metrics on http://%s:%s%s and %s", self.host, self.port, HEALTH, METRICS
        )

    async def _handle(self, request: web.Request) -> web.Response:
        reply = await self.ops.answer(request.path, request.headers.get("Accept", ""))
        assert reply is not None  # only PATHS are routed here
        response = web.Response(status=reply.status, body=reply.body)
        response.headers["Content-Type"] = reply.content_type
        return response

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
