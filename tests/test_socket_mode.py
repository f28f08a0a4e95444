"""The Socket Mode request path: the envelope Slack sends over the socket, dispatched by
Bolt's Socket Mode handler, and the answer sent back on the socket, with no network."""

from __future__ import annotations

import asyncio

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.app import create_app
from bot.settings import load_settings


class RecordingSocketClient:
    """Stands in for the WebSocket client: records what would be sent back."""

    def __init__(self) -> None:
        import logging

        self.sent = []
        self.logger = logging.getLogger("test.socket")

    async def send_socket_mode_response(self, response) -> None:
        self.sent.append(response)


def test_a_slash_command_envelope_is_answered_on_the_socket(fresh):
    settings = load_settings(slack_bot_token="xoxb-test", slack_app_token="xapp-1-test")
    app = create_app(settings, fresh)
    envelope = {
        "envelope_id": "57d6a792-4d35-4d0b-b6aa-3361493e1caf",
        "type": "slash_commands",
        "accepts_response_payload": True,
        "payload": {
            "token": "legacy",
            "team_id": "T1",
            "team_domain": "ks",
            "channel_id": "C1",
            "channel_name": "bosetting",
            "user_id": "U1",
            "user_name": "kari",
            "command": "/capacity",
            "text": "Tromso",
            "api_app_id": "A1",
            "is_enterprise_install": "false",
            "response_url": "http://127.0.0.1:9/r",
            "trigger_id": "1.2.3",
        },
    }
    client = RecordingSocketClient()

    async def deliver() -> None:
        handler = AsyncSocketModeHandler(app, settings.slack_app_token)  # never connected
        await handler.handle(client, SocketModeRequest.from_dict(envelope))
        await handler.client.aiohttp_client_session.close()

    asyncio.run(deliver())
    [response] = client.sent
    assert response.envelope_id == envelope["envelope_id"]
    assert response.payload["text"].startswith("Tromsø (5401), 2020: 50 ledige plasser")
    assert response.payload["response_type"] == "ephemeral"
