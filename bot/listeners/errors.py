"""The global error handler, for bugs: the refusals of the core never get here.

The traceback goes to the log; the user gets a short apology, never the usage text and
never "nothing was changed" (a bug after a commit would make that a lie). A slash
command's apology is its HTTP answer; a button's goes to its `response_url` once the
click is answered. Only requests that passed the signature check reach a listener
(see bot.http), and the `response_url` must be Slack's (`Deps.responses`).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncApp

from bot.listeners.deps import Deps
from bot.listeners.front import mark

log = logging.getLogger("bot")


def register(app: AsyncApp, deps: Deps) -> None:
    async def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
        log.error("Unhandled error in a listener", exc_info=error)
        mark("error")
        text = deps.texts("error")
        body = body if isinstance(body, dict) else {}
        if isinstance(body.get("command"), str):  # not yet answered: the answer is ours
            answer = json.dumps({"response_type": "ephemeral", "text": text})
            return BoltResponse(
                status=200, body=answer, headers={"content-type": "application/json"}
            )
        url = body.get("response_url")
        if url is not None:
            payload = {"text": text, "response_type": "ephemeral", "replace_original": False}
            apology = deps.responses.post(url, payload, "The apology for an error")
            deps.background.start(apology, name="apology")
        return BoltResponse(status=200, body="")

    app.error(on_error)
