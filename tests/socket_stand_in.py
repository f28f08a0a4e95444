"""A stand-in for Slack's side of Socket Mode on 127.0.0.1, an aiohttp server in a thread
of its own: `POST /api/apps.connections.open` hands out `ws://…/link?ticket=N`, `/link`
is the WebSocket (one `Link` per connection, driven from the test), `/response/<name>`
records what the bot posts to a `response_url`, and any other `/api/<method>` answers
`{"ok": true}`. Every request is recorded, headers included."""

from __future__ import annotations

import asyncio
import contextlib
import json
import queue
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

TIMEOUT = 5.0


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


class Link:
    """One WebSocket connection the bot opened, seen from Slack's side."""

    def __init__(
        self,
        stand_in: SocketStandIn,
        ws: web.WebSocketResponse,
        ticket: str,
        transport: asyncio.BaseTransport | None = None,
    ) -> None:
        self.stand_in = stand_in
        self.ws = ws
        self.ticket = ticket
        self.transport = transport
        self.inbox: queue.Queue[dict[str, Any]] = queue.Queue()
        self.closed = threading.Event()  # set when the connection has ended
        self.close_code: int | None = None

    def send(self, message: dict[str, Any]) -> None:
        self.stand_in.call(self.ws.send_str(json.dumps(message)))

    def receive(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The next message the bot sent on this socket."""
        try:
            return self.inbox.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"link {self.ticket}: nothing received in {timeout} s") from None

    def close(self) -> None:
        """Close the connection from Slack's side (a close frame)."""
        self.stand_in.call(self._quietly(self.ws.close()))

    def hello(self) -> None:
        self.send(
            {
                "type": "hello",
                "num_connections": 1,
                "debug_info": {"host": "stand-in", "approximate_connection_time": 18060},
                "connection_info": {"app_id": "A1"},
            }
        )

    def envelope(
        self, kind: str, envelope_id: str, payload: dict[str, Any], *, retry_attempt: int = 0
    ) -> dict[str, Any]:
        """Send an envelope and wait for its ack (the bot's answer rides on it); with
        `retry_attempt`, as Slack delivers one again."""
        self.send(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": True,
                "retry_attempt": retry_attempt,
                "retry_reason": "timeout" if retry_attempt else "",
            }
        )
        ack = self.receive()
        assert ack.get("envelope_id") == envelope_id, ack
        return ack

    # -- a connection going wrong --------------------------------------------------------

    def send_text(self, text: str) -> None:
        """A text frame as it is (of any size: the bot's limit is 4 MiB)."""
        self.stand_in.call(self._quietly(self.ws.send_str(text)))

    def send_binary(self, data: bytes) -> None:
        self.stand_in.call(self._quietly(self.ws.send_bytes(data)))

    def half_frame_then_reset(self) -> None:
        """The start of a text frame of 1,000 bytes, then a TCP reset (RST)."""

        async def cut() -> None:
            assert self.transport is not None
            header = bytes([0x81, 126]) + (1000).to_bytes(2, "big")
            self.transport.write(header + b'{"envelope_id": "cut", "type": "events_api"')  # type: ignore[attr-defined]
            raw = self.transport.get_extra_info("socket")
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.transport.abort()  # type: ignore[attr-defined]

        self.stand_in.call(cut())

    @staticmethod
    async def _quietly(sending: Any) -> None:
        with contextlib.suppress(ConnectionError):  # the bot may drop it mid-frame
            await sending


class SocketStandIn:
    """Run with `with SocketStandIn() as slack:`; `slack.api_url`, `slack.response_url()`."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.links: list[Link] = []
        self.lock = threading.Lock()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="stand-in", daemon=True)
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._tickets = 0
        self.refusing = False  # apps.connections.open answers an error (Slack down)

    # -- life ----------------------------------------------------------------------------

    def __enter__(self) -> SocketStandIn:
        self.thread.start()
        self.call(self._start())
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.call(self._stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(TIMEOUT)
            self.loop.close()

    def call(self, coroutine: Any, timeout: float = TIMEOUT) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_post("/response/{name}", self._response)
        app.router.add_get("/link", self._link)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def _stop(self) -> None:
        for link in list(self.links):
            if not link.ws.closed:
                await link.ws.close()
        assert self._runner is not None
        await self._runner.cleanup()

    # -- addresses and records -----------------------------------------------------------

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"http://127.0.0.1:{self.port}/response/{name}"

    def requests_to(self, path: str) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.path == path]

    def wait_for(self, path: str, count: int = 1, timeout: float = TIMEOUT) -> list[Request]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.requests_to(path)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"{path}: {len(self.requests_to(path))} requests, wanted {count}")

    def wait_for_link(self, count: int = 1, timeout: float = TIMEOUT) -> Link:
        """The `count`-th WebSocket connection, once the bot has opened it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.links) >= count:
                    return self.links[count - 1]
            time.sleep(0.02)
        raise AssertionError(f"{len(self.links)} WebSocket connections, wanted {count}")

    # -- handlers (on the stand-in's loop) -----------------------------------------------

    async def _record(self, request: web.Request) -> Request:
        raw = await request.text()
        if "json" in request.content_type:
            body = json.loads(raw) if raw else {}
        else:
            body = dict((await request.post()).items())
        record = Request(request.path, dict(request.headers), body)
        with self.lock:
            self.requests.append(record)
        return record

    async def _api(self, request: web.Request) -> web.Response:
        await self._record(request)
        if request.match_info["method"] == "apps.connections.open":
            if self.refusing:
                return web.json_response({"ok": False, "error": "internal_error"})
            with self.lock:
                self._tickets += 1
                ticket = self._tickets
            url = f"ws://127.0.0.1:{self.port}/link?ticket={ticket}"
            return web.json_response({"ok": True, "url": url})
        return web.json_response({"ok": True})

    async def _response(self, request: web.Request) -> web.Response:
        await self._record(request)
        return web.json_response({"ok": True})

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)  # answers the client's pings with pongs
        await ws.prepare(request)
        link = Link(self, ws, request.query.get("ticket", ""), request.transport)
        with self.lock:
            self.links.append(link)
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    link.inbox.put(json.loads(message.data))
        finally:
            link.close_code = ws.close_code
            link.closed.set()
        return ws
