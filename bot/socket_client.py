"""The Socket Mode client, told at once when its connection breaks.

slack_sdk's aiohttp `SocketModeClient` notices a broken socket only at its next ping
check (every `ping_interval`, 10 s): when a frame is too large for it (over aiohttp's
4 MiB, text or binary), or the connection is reset in the middle of a frame, aiohttp
closes the socket and hands the receiving loop an ERROR or CLOSED message, which the SDK
answers by sleeping a ping interval. For those 10 s the bot hears nothing. Here the
WebSocket class aiohttp makes (`ws_response_class`, aiohttp's own extension point) says
so the moment it returns such a message, and the client opens a new connection at once
(`connect_to_new_endpoint`, which asks Slack for a new URL; its lock and its "still
connected?" check keep it from running twice when the SDK reconnects too).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp import ClientWebSocketResponse, WSMessage, WSMsgType
from slack_sdk.socket_mode.aiohttp import SocketModeClient

BROKEN = frozenset({WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR})

OnBroken = Callable[[ClientWebSocketResponse, WSMessage], None]


def watched(on_broken: OnBroken) -> type[ClientWebSocketResponse]:
    """aiohttp's client WebSocket, calling `on_broken` when it returns a message that
    ends the connection (a close, or an error after which aiohttp has closed it)."""

    class WatchedWebSocket(ClientWebSocketResponse):
        async def receive(self, timeout: float | None = None) -> WSMessage:  # type: ignore[override]
            message = await super().receive(timeout)
            if message.type in BROKEN:
                on_broken(self, message)
            return message

    return WatchedWebSocket


class PromptSocketModeClient(SocketModeClient):
    """slack_sdk's aiohttp Socket Mode client that reconnects as soon as its socket is
    seen broken, instead of at its next ping check."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        unused = self.aiohttp_client_session  # made by the SDK, no connection opened yet
        self.aiohttp_client_session = aiohttp.ClientSession(ws_response_class=watched(self.broken))
        self._closing = asyncio.ensure_future(unused.close())
        self.reconnecting: asyncio.Task[None] | None = None

    def broken(self, session: ClientWebSocketResponse, message: WSMessage) -> None:
        if self.closed or session is not self.current_session:
            return  # shutting down, or an old socket already replaced
        if not self.auto_reconnect_enabled:
            return  # the SDK is connecting anew itself (it closes the old socket first)
        if self.reconnecting is not None and not self.reconnecting.done():
            return
        why = message.data if message.type is WSMsgType.ERROR else message.type.name
        why = f"{why}; close code {session.close_code}"
        self.logger.warning("The Socket Mode connection broke (%s): reconnecting now", why)
        self.reconnecting = asyncio.ensure_future(self._reconnect())

    async def _reconnect(self) -> None:
        try:
            await self.connect_to_new_endpoint()
        except Exception as error:  # Slack unreachable: the SDK's ping check tries again
            self.logger.warning("Reconnecting failed (%s): the ping check tries again", error)
