"""The global error handler: the traceback goes to the log, the user gets a clear
message through `response_url` when there is one, and nothing is hidden."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.listeners.deps import Deps

log = logging.getLogger("bot")


def register(app: AsyncApp, deps: Deps) -> None:
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.error("Unhandled error in a listener", exc_info=error)
        url = body.get("response_url") if isinstance(body, dict) else None
        if url:
            try:
                await AsyncWebhookClient(url, timeout=3).send(
                    text=deps.texts("error"), response_type="ephemeral"
                )
            except Exception:  # the log above already has the cause; this is best effort
                log.warning("Could not tell the user about the error", exc_info=True)

    app.error(on_error)
