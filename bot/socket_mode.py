"""Socket Mode: the async Bolt app behind a WebSocket that the bot opens to Slack, so no
public URL is needed.

Everything here runs inside the event loop. Bolt's `AsyncSocketModeHandler` builds
slack_sdk's aiohttp `SocketModeClient`, whose constructor opens an aiohttp session and
schedules its message processor on the running loop: built before `asyncio.run` starts
one, it fails with "no running event loop".

The client asks `apps.connections.open` (POST, the app token as Bearer) for a WebSocket
URL, connects, acks each envelope on the socket with the app's answer, and opens a new
socket when Slack sends `disconnect`, the connection goes quiet, or it breaks (at once:
`bot.socket_client`). SIGTERM and SIGINT close the socket and the aiohttp session, stop
the outbox worker and return, so that the process exits 0.

Each envelope is handled once (`Envelopes`): one delivered again (`retry_attempt`, or
the same envelope twice) is acked with the first one's answer and not dispatched again,
as over HTTP (`bot.replays`; there is no signature here: the key is a digest of the
payload, and an event's `event_id`; a changing one is also kept in the database,
`bot.replay_records`, for a redelivery after a restart). Then the front of the request path takes it, as
over HTTP (`bot.listeners.front`): a payload of the wrong shape is acked and dropped
before Bolt sees it, logged once per kind; a `/capacity` question whose answer is kept
is acked with it, without Bolt; the rest goes to Bolt with what the front decided. Each
envelope gets one log line and its metrics once it is acked.

With `--health-port` (`CAPACITY_HEALTH_PORT`), `GET /healthz` and `GET /metrics` are
served on that port (`bot.ops`): healthy when the database can be served and the
WebSocket is connected.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import time
from typing import Any, Protocol

from slack_bolt.adapter.socket_mode.async_base_handler import AsyncBaseSocketModeHandler
from slack_bolt.adapter.socket_mode.async_internals import run_async_bolt_app
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import CapacityApp
from bot.listeners import shape
from bot.listeners.front import JSON, Front, Taken, describe
from bot.ops import Ops, OpsServer
from bot.replay_records import NOT_RECORDED, Claim, Records
from bot.replays import Answer, Key, Replays, digest_key, event_key
from bot.settings import Settings
from bot.socket_client import PromptSocketModeClient
from bot.web_api import MeteredAsyncWebClient

log = logging.getLogger("bot.socket_mode")

SIGNALS = (signal.SIGTERM, signal.SIGINT)
CLOSE_TIMEOUT = 5.0  # s to close the socket politely before dropping it
PING_INTERVAL = 10.0  # s between pings; a socket silent for 4 pings is replaced


class Stoppable(Protocol):
    def stop(self, timeout: float = 5.0) -> None: ...


class Envelopes(AsyncBaseSocketModeHandler):
    """Bolt's Socket Mode handler (`AsyncSocketModeHandler`), with each envelope handled
    once, payloads of the wrong shape acked and dropped before Bolt, and a client that
    reconnects as soon as its socket breaks."""

    def __init__(
        self, app: CapacityApp, app_token: str, web_client: AsyncWebClient, ping_interval: float
    ) -> None:
        self.app = app
        self.app_token = app_token
        self.client = PromptSocketModeClient(
            app_token=app_token,
            logger=logging.getLogger("bot.socket_mode.client"),
            web_client=web_client,
            ping_interval=ping_interval,
        )
        self.client.socket_mode_request_listeners.append(self.handle)  # type: ignore[arg-type]
        self.replays = Replays()  # the answers of the last 5 minutes, for redeliveries
        self.records = Records(app.deps.service, app.deps.background)  # and in the database
        self.refusals = shape.Refusals(log)
        self.front = Front(app.deps)  # the one look at a request before its listener

    async def handle(self, client: AsyncBaseSocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        started = time.perf_counter()
        keys = envelope_keys(req)
        found = self.replays.find(keys)
        if found is not None:  # delivered again: the first one's answer, not run again
            kept = await self.replays.answer_of(found[1])
            copy = describe(req.payload if isinstance(req.payload, dict) else {})
            copy.outcome = "replayed"
            self.front.done(copy, time.perf_counter() - started)
            return await _ack(client, req, kept)
        entry = self.replays.claim(keys)
        answer, request = None, Taken(outcome="error")
        claim = NOT_RECORDED
        try:
            answer, request, claim = await self._answer(req, keys)
        finally:  # even when it failed: a redelivery never runs it again
            self.replays.keep(entry, answer)
            self.records.keep(claim, entry.answer)
        # The log line just before the ack (it costs the ack some 20 us): whoever has the
        # ack finds the envelope's line in the log
        self.front.done(request, time.perf_counter() - started)
        await _ack(client, req, answer)

    async def _answer(self, req: SocketModeRequest, keys: list[Key]) -> tuple[Answer, Taken, Claim]:
        request = await self.front.take(req.payload)
        if request.problem:  # acked, so that Slack does not send it again, and dropped
            self.refusals.note(request.problem)
            return Answer(200), request, NOT_RECORDED
        if request.kept is not None:  # a question asked before, the data unchanged
            return Answer(200, request.kept.encode(), JSON), request, NOT_RECORDED
        claim = NOT_RECORDED
        if self.records.wanted(request):  # a redelivery after a restart, or elsewhere
            claim = await self.records.take(keys)
            if claim.seen is not None:
                request.outcome = "replayed"
                return await self.records.answer(claim), request, NOT_RECORDED
        with request.current():
            response = await run_async_bolt_app(self.app, req)
        if response.status != 200:
            self.refusals.note(f"status {response.status}: {str(response.body)[:80]}")
            request.outcome = "unmatched" if response.status == 404 else "error"
        content_type = (response.headers.get("content-type") or [""])[0]
        answer = Answer(response.status, (response.body or "").encode(), content_type)
        return answer, request, claim

    async def connected(self) -> str | None:
        """None when the WebSocket to Slack is connected; else why it is not (for
        `/healthz`)."""
        if await self.client.is_connected():
            return None
        if self.client.current_session is None:
            return "not connected to Slack yet (Socket Mode)"
        return "the Socket Mode connection to Slack is down (reconnecting)"


def envelope_keys(req: SocketModeRequest) -> list[Key]:
    """A digest of the payload (the same envelope, or Slack's redelivery of it) and, for
    an event, its `event_id`."""
    keys: list[Key] = []
    try:
        raw = json.dumps(req.payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        keys.append(digest_key(raw.encode()))
    except (RecursionError, TypeError, ValueError):  # refused by the shape check anyway
        pass
    if (event := event_key(req.payload.get("event_id"))) is not None:
        keys.append(event)
    return keys


async def _ack(client: AsyncBaseSocketModeClient, req: SocketModeRequest, answer: Answer) -> None:
    """Ack an envelope with an answer, as Bolt's adapter does (`send_async_response`): a
    JSON body as the payload, other text as `{"text": …}`, an answer that is not a 200
    not at all (Slack then tries again, and finds this answer)."""
    if answer.status != 200:
        return
    payload: dict[str, Any] | None = None
    if answer.body and answer.content_type.startswith("application/json"):
        payload = json.loads(answer.body)
    elif answer.body:
        payload = {"text": answer.body.decode("utf-8", "replace")}
    await client.send_socket_mode_response(
        SocketModeResponse(envelope_id=req.envelope_id, payload=payload)
    )


def build_handler(
    app: CapacityApp, settings: Settings, *, ping_interval: float = PING_INTERVAL
) -> Envelopes:
    """The Socket Mode handler; call it from a coroutine (it needs the running loop).

    Its Web API client is its own, for `apps.connections.open` only: it points at
    `SLACK_API_URL` like the app's, and holds the app token (the SDK also passes the app
    token with each call) rather than the bot token."""
    asyncio.get_running_loop()  # fail here, plainly, rather than inside aiohttp
    web_client = MeteredAsyncWebClient(
        metrics=app.deps.metrics,
        token=settings.slack_app_token,
        base_url=settings.slack_api_url,
        timeout=10,
    )
    return Envelopes(app, settings.slack_app_token or "", web_client, ping_interval)


async def run_socket_mode(
    app: CapacityApp,
    settings: Settings,
    *,
    worker: Stoppable | None = None,
    stop: asyncio.Event | None = None,
    handler: Envelopes | None = None,
    health: tuple[str, int] | None = None,
) -> None:
    """Serve the app over Socket Mode until SIGTERM or SIGINT (or until `stop` is set),
    then close the socket and its session and stop `worker` (the outbox worker). With
    `health` (a host and a port), `/healthz` and `/metrics` are served there."""
    loop = asyncio.get_running_loop()
    stop = stop or asyncio.Event()
    installed = []
    for sig in SIGNALS:
        try:
            loop.add_signal_handler(sig, _on_signal, sig, stop)
        except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not main thread
            continue
        installed.append(sig)
    handler = handler or build_handler(app, settings)
    ops = None
    if health is not None:  # before connecting: unhealthy until connected
        ops = OpsServer(Ops(app.deps, handler.connected), *health)
        await ops.start()
    connecting = asyncio.ensure_future(handler.connect_async())
    stopping = asyncio.ensure_future(stop.wait())
    try:
        # The SDK retries a failed connection forever: a signal must end that too.
        await asyncio.wait({connecting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if connecting.done():
            connecting.result()
            log.info("capacity-bot connected to Slack in Socket Mode")
            await stopping
    finally:
        for task in (connecting, stopping):
            task.cancel()
        await asyncio.gather(connecting, stopping, return_exceptions=True)
        await _close(handler)
        await app.deps.background.drain(CLOSE_TIMEOUT)  # the work begun after answers
        if ops is not None:
            await ops.stop()
        if worker is not None:
            await asyncio.to_thread(worker.stop)
            log.info("Outbox worker stopped")
        for sig in installed:
            loop.remove_signal_handler(sig)
        log.info("capacity-bot stopped")


def _on_signal(sig: signal.Signals, stop: asyncio.Event) -> None:
    log.info("%s received: closing the Socket Mode connection", sig.name)
    stop.set()


async def _close(handler: Envelopes) -> None:
    """Close the socket (a close frame, answered within CLOSE_TIMEOUT), the client's
    tasks and its aiohttp session, whatever state the connection is in."""
    client = handler.client
    try:
        await asyncio.wait_for(handler.close_async(), CLOSE_TIMEOUT)
    except Exception:  # shutting down: what did not close politely is dropped below
        log.warning("The Socket Mode connection did not close cleanly", exc_info=True)
    finally:
        client.closed = True
        running = (
            client.message_processor,
            client.current_session_monitor,
            client.message_receiver,
            client.reconnecting,
        )
        tasks = [task for task in running if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if client.current_session is not None and not client.current_session.closed:
            with contextlib.suppress(Exception):
                await client.current_session.close()
        if not client.aiohttp_client_session.closed:
            await client.aiohttp_client_session.close()
