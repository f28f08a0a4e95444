"""`capacity-bot health`: ask a running bot over HTTP whether it can serve.

The container's `HEALTHCHECK` and other probes run it, so it stays light: the standard
library only, nothing of Bolt or the core (python:3.11-slim has no curl).
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass

HEALTH = "/healthz"
"""The path HTTP mode answers health checks on (`bot.http.SlackAsgi`)."""

PORT = 3000
"""`capacity-bot serve --http`'s port unless told otherwise, and so the probe's."""


@dataclass(frozen=True)
class Probe:
    ok: bool
    said: str
    """The bot's answer (its `/healthz` JSON), or why there was none."""


def probe(host: str = "127.0.0.1", port: int = PORT, timeout: float = 5.0) -> Probe:
    """GET /healthz: ok only on a 200. Proxies from the environment are not used: the
    bot is asked directly, wherever `http_proxy` points."""
    url = f"http://{host}:{port}{HEALTH}"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as answer:
            return Probe(True, answer.read().decode("utf-8", "replace"))
    except urllib.error.HTTPError as answer:  # 503 with the reason the bot cannot serve
        return Probe(False, f"{url}: {answer.code} {answer.read().decode('utf-8', 'replace')}")
    except OSError as error:  # refused, unreachable, timed out
        reason = getattr(error, "reason", error)
        return Probe(False, f"{url}: no answer ({reason})")
