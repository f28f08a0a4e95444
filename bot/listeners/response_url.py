"""The one way the bot answers at a `response_url`: a command's answer that follows, a
click's new message, a file's failure, the apology for a bug.

A `response_url` comes in a payload, so it is checked before anything is posted to it:
only Slack's (https on slack.com) or, in tests, the Web API's own origin (the stand-in).
Each post has SLACK_TIMEOUT and is logged when it fails, without the URL (it is a
credential for answering that request: it never goes into a log line), and counted in
the metrics beside the Web API's calls (`method="response_url"`).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlsplit

from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.listeners.later import SLACK_TIMEOUT
from bot.metrics import Metrics

log = logging.getLogger("bot")

METHOD = "response_url"  # its name in the metrics of calls to Slack


class ResponseUrls:
    def __init__(self, api_url: str, metrics: Metrics, timeout: float = SLACK_TIMEOUT) -> None:
        self.api = urlsplit(api_url)
        self.metrics = metrics
        self.timeout = timeout

    def allowed(self, url: str) -> bool:
        """Whether a `response_url` is Slack's: https on a slack.com host, or the same
        origin as the Web API this app talks to (the stand-in's, in tests)."""
        try:
            found = urlsplit(url)
            host = (found.hostname or "").lower()
        except ValueError:
            return False
        if found.scheme == "https" and (host == "slack.com" or host.endswith(".slack.com")):
            return True
        api = self.api
        return (found.scheme, found.netloc) == (api.scheme, api.netloc) and bool(found.netloc)

    async def post(self, url: object, payload: dict[str, Any], what: str) -> bool:
        """POST `payload` to `url` if it is Slack's, within the time limit; whether Slack
        took it. `what` names the answer in the log ("a click's answer")."""
        if not (isinstance(url, str) and self.allowed(url)):
            log.info("%s not sent: the request had no response_url of Slack's", what)
            return False
        client = AsyncWebhookClient(url, timeout=max(1, int(self.timeout)))
        try:
            sent = await asyncio.wait_for(client.send_dict(payload), self.timeout)
        except TimeoutError:
            self.metrics.slack_call(METHOD, "error")
            log.warning(
                "%s: the response_url took longer than %.1f s: given up", what, self.timeout
            )
            return False
        except Exception as error:  # refused, reset: best effort, what was done stands
            self.metrics.slack_call(METHOD, "error")
            log.warning("%s: posting to the response_url failed (%s)", what, type(error).__name__)
            return False
        if sent.status_code != 200:
            self.metrics.slack_call(METHOD, "ratelimited" if sent.status_code == 429 else "error")
            log.warning("%s: the response_url answered %s", what, sent.status_code)
            return False
        self.metrics.slack_call(METHOD, "ok")
        return True
