"""`capacity-bot ask`: the same Bolt app and the same Block Kit answer, in a terminal.

The request is built and signed exactly as Slack would send a slash command, dispatched
through the app, and the blocks of the answer are printed as text.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from typing import Any
from urllib.parse import urlencode

from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier


def signed_headers(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    """Headers Slack sends: X-Slack-Request-Timestamp and X-Slack-Signature (v0 HMAC)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = SignatureVerifier(secret).generate_signature(timestamp=str(timestamp), body=body)
    return {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": str(timestamp),
        "x-slack-signature": signature or "",
    }


def command_body(
    text: str,
    *,
    command: str = "/capacity",
    user_id: str = "ULOCAL",
    user_name: str = "terminal",
    channel_id: str = "CLOCAL",
    response_url: str = "http://127.0.0.1:9/response",
) -> str:
    return urlencode(
        {
            "token": "local",
            "team_id": "TLOCAL",
            "team_domain": "local",
            "channel_id": channel_id,
            "channel_name": "terminal",
            "user_id": user_id,
            "user_name": user_name,
            "command": command,
            "text": text,
            "api_app_id": "ALOCAL",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": f"{time.time():.6f}.{uuid.uuid4().hex[:12]}",
        }
    )


def ask(app: AsyncApp, secret: str, text: str) -> dict[str, Any]:
    body = command_body(text)
    request = AsyncBoltRequest(body=body, headers=signed_headers(secret, body))
    response = asyncio.run(app.async_dispatch(request))
    if response.status != 200:
        raise RuntimeError(f"the app answered {response.status}: {response.body}")
    return json.loads(response.body) if response.body else {}


def render(message: dict[str, Any]) -> str:
    """Blocks as plain text: what a coordinator would read in Slack."""
    out: list[str] = []
    for block in message.get("blocks") or []:
        kind = block.get("type")
        if kind == "header":
            out.append(block["text"]["text"].upper())
        elif kind == "section":
            out.append(_mrkdwn(block["text"]["text"]))
        elif kind == "context":
            out.extend(_mrkdwn(e.get("text", "")) for e in block.get("elements", []))
        elif kind == "actions":
            out.append("  ".join(f"[{e['text']['text']}]" for e in block.get("elements", [])))
        elif kind == "divider":
            out.append("-" * 40)
    if not out:
        out.append(message.get("text", ""))
    return "\n".join(out)


def _mrkdwn(text: str) -> str:
    text = text.replace("```\n", "").replace("\n```", "").replace("```", "")
    text = re.sub(r"<@([A-Z0-9]+)>", r"@\1", text)
    return re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"\1", text)
