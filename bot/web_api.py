"""slack_sdk's Web API clients, each call counted in the metrics by method and result.

Every Web API method of slack_sdk's clients goes through `api_call`, so the count is
made there: `ok`, `ratelimited` (HTTP 429 or Slack's `ratelimited`), or `error` (any
other error Slack answers, a timeout, a connection refused). What the callers do with an
error is theirs, as before.
"""

from __future__ import annotations

import asyncio
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse
from slack_sdk.web.slack_response import SlackResponse

from bot.metrics import Metrics


def result_of(error: SlackApiError) -> str:
    response = error.response
    status = getattr(response, "status_code", 0)
    data = getattr(response, "data", None)
    code = data.get("error") if isinstance(data, dict) else None
    return "ratelimited" if status == 429 or code == "ratelimited" else "error"


class MeteredAsyncWebClient(AsyncWebClient):
    def __init__(self, *, metrics: Metrics, **options: Any) -> None:
        super().__init__(**options)
        self.metrics = metrics

    async def api_call(self, api_method: str, **call: Any) -> AsyncSlackResponse:  # type: ignore[override]
        try:
            response = await super().api_call(api_method, **call)
        except SlackApiError as error:
            self.metrics.slack_call(api_method, result_of(error))
            raise
        except (Exception, asyncio.CancelledError):  # a timeout, refused, cancelled
            self.metrics.slack_call(api_method, "error")
            raise
        self.metrics.slack_call(api_method, "ok")
        return response


class MeteredWebClient(WebClient):
    """The synchronous client (the outbox worker's thread)."""

    def __init__(self, *, metrics: Metrics, **options: Any) -> None:
        super().__init__(**options)
        self.metrics = metrics

    def api_call(self, api_method: str, **call: Any) -> SlackResponse:  # type: ignore[override]
        try:
            response = super().api_call(api_method, **call)
        except SlackApiError as error:
            self.metrics.slack_call(api_method, result_of(error))
            raise
        except Exception:
            self.metrics.slack_call(api_method, "error")
            raise
        self.metrics.slack_call(api_method, "ok")
        return response
