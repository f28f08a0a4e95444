"""HTTP mode: `POST /slack/events` (commands, interactivity, events) and `GET /healthz`,
as a WSGI application served by waitress, a multi-threaded production server."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

log = logging.getLogger("bot.http")

MAX_BODY = 1_000_000  # Slack's payloads are far smaller; more is refused unread


def _reply(
    start_response: Any, status: str, text: str, content_type: str = "text/plain"
) -> list[bytes]:
    body = text.encode()
    start_response(
        status,
        [("Content-Type", f"{content_type}; charset=utf-8"), ("Content-Length", str(len(body)))],
    )
    return [body]


class SlackWsgi:
    def __init__(self, app: App) -> None:
        self.app = app
        self.slack = SlackRequestHandler(app, path="/slack/events")

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz":
            return self._health(start_response)
        if path != "/slack/events":
            return _reply(start_response, "404 Not Found", "Not Found")
        if method != "POST":
            return _reply(start_response, "405 Method Not Allowed", "POST only")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _reply(start_response, "400 Bad Request", "Bad Content-Length")
        if length > MAX_BODY:
            return _reply(start_response, "413 Content Too Large", "Body too large")
        try:
            return self.slack(environ, start_response)
        except Exception:
            # Bolt parses the body before it dispatches (listener errors never get here:
            # Bolt handles those), and a body of the wrong shape (a JSON list as payload,
            # say) raises from its parser: the client's fault, answered 400, logged with
            # the traceback for the operator.
            log.warning("Malformed request body", exc_info=True)
            return _reply(start_response, "400 Bad Request", "Malformed request")

    def _health(self, start_response: Any) -> list[bytes]:
        service = self.app.deps.service  # type: ignore[attr-defined]
        service.store.db.execute("SELECT 1").fetchone()
        return _reply(start_response, "200 OK", json.dumps({"ok": True}), "application/json")


def serve(app: App, host: str, port: int, threads: int = 8) -> None:
    from waitress import serve as waitress_serve

    log.info("capacity-bot listening on http://%s:%s/slack/events", host, port)
    waitress_serve(
        SlackWsgi(app),
        host=host,
        port=port,
        threads=threads,
        ident="capacity-bot",
        max_request_body_size=MAX_BODY,
        clear_untrusted_proxy_headers=True,
    )
