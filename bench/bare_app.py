"""Bare Bolt apps for `bench/bench_http.py`: the floor the bot's HTTP path is compared to.

Each set-up is a Bolt app whose only listener is `/capacity`, answering
`ack("constant text")`, served on 127.0.0.1 by one HTTP server:

    python bench/bare_app.py --setup waitress --port 3100 --threads 8 \
        --secret S --api-url http://127.0.0.1:9/api/

None of them calls the Slack Web API: each has an `authorize` function (so Bolt never
calls `auth.test`) and its client points at `--api-url` (an unused local port).
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

SETUPS: dict[str, str] = {
    "builtin": "Bolt defaults, app.start() (http.server, one thread)",
    "waitress": "process_before_response=True, wsgi SlackRequestHandler, waitress",
    "waitress-default": "Bolt default ack-first (process_before_response=False), waitress",
    "gunicorn-gthread": "process_before_response=True, wsgi handler, gunicorn gthread 1 worker",
    "uvicorn-async": "AsyncApp, asgi AsyncSlackRequestHandler, uvicorn (uvloop, httptools)",
    "uvicorn-sync": "App, asgi SlackRequestHandler (dispatch on the loop), uvicorn (uvloop)",
    "gunicorn-gthread-2w": "as gunicorn-gthread but 2 worker processes (multi-process)",
}
# Importable modules each set-up needs beyond slack_bolt (installed or not in the venv).
NEEDS: dict[str, tuple[str, ...]] = {
    "builtin": (),
    "waitress": ("waitress",),
    "waitress-default": ("waitress",),
    "gunicorn-gthread": ("gunicorn",),
    "uvicorn-async": ("uvicorn", "aiohttp", "uvloop", "httptools"),
    "uvicorn-sync": ("uvicorn", "uvloop", "httptools"),
    "gunicorn-gthread-2w": ("gunicorn",),
}
MULTI_PROCESS = {"gunicorn-gthread-2w"}
ANSWER = "constant text"
TOKEN = "xoxb-bare-bench"


def sync_app(secret: str, api_url: str, *, process_before_response: bool):
    from slack_bolt import Ack, App
    from slack_bolt.authorization import AuthorizeResult
    from slack_sdk import WebClient

    def authorize(enterprise_id: str | None, team_id: str | None, **_: Any) -> AuthorizeResult:
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=TOKEN)

    app = App(
        client=WebClient(base_url=api_url, timeout=2),
        signing_secret=secret,
        authorize=authorize,
        process_before_response=process_before_response,
        token_verification_enabled=False,
    )

    @app.command("/capacity")
    def capacity(ack: Ack) -> None:
        ack(ANSWER)

    return app


def async_app(secret: str, api_url: str):
    from slack_bolt.async_app import AsyncAck, AsyncApp
    from slack_bolt.authorization import AuthorizeResult
    from slack_sdk.web.async_client import AsyncWebClient

    async def authorize(
        enterprise_id: str | None, team_id: str | None, **_: Any
    ) -> AuthorizeResult:
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=TOKEN)

    app = AsyncApp(
        client=AsyncWebClient(base_url=api_url, timeout=2),
        signing_secret=secret,
        authorize=authorize,
        process_before_response=True,
    )

    @app.command("/capacity")
    async def capacity(ack: AsyncAck) -> None:
        await ack(ANSWER)

    return app


def _gunicorn(wsgi: Any, host: str, port: int, threads: int, workers: int) -> None:
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self) -> None:
            for key, value in {
                "bind": f"{host}:{port}",
                "workers": workers,
                "worker_class": "gthread",
                "threads": threads,
                "keepalive": 75,
                "accesslog": None,
                "loglevel": "warning",
            }.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return wsgi

    Server().run()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--setup", choices=sorted(SETUPS), required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--api-url", required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    setup, host, port = args.setup, args.host, args.port

    if setup == "builtin":
        app = sync_app(args.secret, args.api_url, process_before_response=False)
        # app.start() binds 0.0.0.0; this helper stays on 127.0.0.1, so the module's
        # HTTPServer is swapped for one that binds `host`, and app.start() runs as is.
        import http.server

        import slack_bolt.app.app as bolt_app_module

        class LocalHTTPServer(http.server.HTTPServer):
            def __init__(self, address: tuple[str, int], handler: Any) -> None:
                super().__init__((host, address[1]), handler)

        bolt_app_module.HTTPServer = LocalHTTPServer  # type: ignore[misc]
        app.start(port=port)
    elif setup in ("waitress", "waitress-default"):
        from slack_bolt.adapter.wsgi import SlackRequestHandler
        from waitress import serve

        app = sync_app(args.secret, args.api_url, process_before_response=setup == "waitress")
        serve(SlackRequestHandler(app), host=host, port=port, threads=args.threads)
    elif setup in ("gunicorn-gthread", "gunicorn-gthread-2w"):
        from slack_bolt.adapter.wsgi import SlackRequestHandler

        app = sync_app(args.secret, args.api_url, process_before_response=True)
        workers = 2 if setup.endswith("-2w") else 1
        _gunicorn(SlackRequestHandler(app), host, port, args.threads, workers)
    elif setup == "uvicorn-async":
        import uvicorn
        from slack_bolt.adapter.asgi.async_handler import AsyncSlackRequestHandler

        handler = AsyncSlackRequestHandler(async_app(args.secret, args.api_url))
        uvicorn.run(
            handler, host=host, port=port, loop="uvloop", http="httptools",
            lifespan="off", access_log=False, log_level="warning",
        )  # fmt: skip
    elif setup == "uvicorn-sync":
        import uvicorn
        from slack_bolt.adapter.asgi import SlackRequestHandler as AsgiHandler

        app = sync_app(args.secret, args.api_url, process_before_response=True)
        uvicorn.run(
            AsgiHandler(app), host=host, port=port, loop="uvloop", http="httptools",
            lifespan="off", access_log=False, log_level="warning",
        )  # fmt: skip


if __name__ == "__main__":
    main()
