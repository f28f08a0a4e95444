"""Socket Mode: the async Bolt app behind a WebSocket that the bot opens to Slack, so no
public URL is needed.

Everything here runs inside the event loop. Bolt's `AsyncSocketModeHandler` builds
slack_sdk's aiohttp `SocketModeClient`, whose constructor opens an aiohttp session and
schedules its message processor on the running loop: built before `asyncio.run` starts
one, it fails with "no running event loop".

The client asks `apps.connections.open` (POST, the app token as Bearer) for a WebSocket
URL, connects, acks each envelope on the socket with the app's answer, and opens a new
socket when Slack sends `disconnect` or the connection goes quiet. SIGTERM and SIGINT
close the socket and the aiohttp session, stop the outbox worker and return, so that
the process exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Protocol

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.settings import Settings

log = logging.getLogger("bot.socket_mode")

SIGNALS = (signal.SIGTERM, signal.SIGINT)
CLOSE_TIMEOUT = 5.0  # s to close the socket politely before dropping it
PING_INTERVAL = 10.0  # s between pings; a socket silent for 4 pings is replaced


class Stoppable(Protocol):
    def stop(self, timeout: float = 5.0) -> None: ...


def build_handler(
    app: AsyncApp, settings: Settings, *, ping_interval: float = PING_INTERVAL
) -> AsyncSocketModeHandler:
    """The Socket Mode handler; call it from a coroutine (it needs the running loop).

    Its Web API client is its own, for `apps.connections.open` only: it points at
    `SLACK_API_URL` like the app's, and holds the app token (the SDK also passes the app
    token with each call) rather than the bot token."""
    asyncio.get_running_loop()  # fail here, plainly, rather than inside aiohttp
    web_client = AsyncWebClient(
        token=settings.slack_app_token, base_url=settings.slack_api_url, timeout=10
    )
    return AsyncSocketModeHandler(
        app,
        settings.slack_app_token,
        logger=logging.getLogger("bot.socket_mode.client"),
        web_client=web_client,
        ping_interval=ping_interval,
    )


async def run_socket_mode(
    app: AsyncApp,
    settings: Settings,
    *,
    worker: Stoppable | None = None,
    stop: asyncio.Event | None = None,
    handler: AsyncSocketModeHandler | None = None,
) -> None:
    """Serve the app over Socket Mode until SIGTERM or SIGINT (or until `stop` is set),
    then close the socket and its session and stop `worker` (the outbox worker)."""
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
        background = getattr(getattr(app, "deps", None), "background", None)
        if background is not None:  # the work begun after answers, finished
            await background.drain(CLOSE_TIMEOUT)
        if worker is not None:
            await asyncio.to_thread(worker.stop)
            log.info("Outbox worker stopped")
        for sig in installed:
            loop.remove_signal_handler(sig)
        log.info("capacity-bot stopped")


def _on_signal(sig: signal.Signals, stop: asyncio.Event) -> None:
    log.info("%s received: closing the Socket Mode connection", sig.name)
    stop.set()


async def _close(handler: AsyncSocketModeHandler) -> None:
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
