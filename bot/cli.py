"""`capacity-bot`: run the Slack app (Socket Mode or HTTP), or ask it in a terminal."""

from __future__ import annotations

import logging
import sys

import click

from bot.settings import SettingsError, load_settings


def _settings(**overrides: object):
    try:
        return load_settings(**overrides)
    except SettingsError as error:
        click.echo(f"Error: {error}", err=True)
        raise SystemExit(2) from None


@click.group()
def cli() -> None:
    """capacity-bot: spare settlement capacity per municipality, in Slack.

    Example:

        capacity-bot ask "Trondheim"
    """


@cli.command()
@click.argument("text", nargs=-1)
@click.option(
    "--language",
    type=click.Choice(["nb", "nn", "en"]),
    help="Reply language (default: CAPACITY_LANGUAGE or nb).",
)
@click.option("--db", help="SQLite database (default: CAPACITY_DB or the bundled data).")
@click.option("--json", "as_json", is_flag=True, help="Print the Slack message JSON.")
def ask(text: tuple[str, ...], language: str | None, db: str | None, as_json: bool) -> None:
    """Ask what `/capacity TEXT` would answer, through the same Bolt app, offline.

    Example:

        capacity-bot ask Trondheim
        capacity-bot ask norge --language en
    """
    import json

    from bot.app import LOCAL_SECRET, create_app
    from bot.terminal import ask as ask_app
    from bot.terminal import render

    overrides: dict[str, object] = {"slack_signing_secret": LOCAL_SECRET}
    if language:
        overrides["capacity_language"] = language
    if db:
        overrides["capacity_db"] = db
    settings = _settings(**overrides)
    message = ask_app(create_app(settings), LOCAL_SECRET, " ".join(text))
    click.echo(json.dumps(message, ensure_ascii=False, indent=2) if as_json else render(message))


@cli.command()
@click.option(
    "--http", "http", is_flag=True, help="Serve HTTP (POST /slack/events) instead of Socket Mode."
)
@click.option("--host", default="0.0.0.0", show_default=True)
@click.option("--port", type=int, default=3000, show_default=True)
def serve(http: bool, host: str, port: int) -> None:
    """Run the Slack app: Socket Mode by default, or HTTP with --http.

    Socket Mode needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN; HTTP needs SLACK_BOT_TOKEN
    and SLACK_SIGNING_SECRET.

    Example:

        capacity-bot serve --http --port 3000
    """
    from bot.app import create_app, start_alerts

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = _settings()
    try:
        settings.require("slack_bot_token", "slack_signing_secret" if http else "slack_app_token")
    except SettingsError as error:
        click.echo(f"Error: {error}", err=True)
        raise SystemExit(2) from None
    app = create_app(settings)
    worker = start_alerts(app, settings)
    if http:
        from bot.http import serve as serve_http

        serve_http(app, settings.slack_signing_secret, host, port)
    else:
        import asyncio

        from bot.app import settle_garbage_collector
        from bot.socket_mode import run_socket_mode

        settle_garbage_collector()
        # The handler is built inside the loop; SIGTERM/SIGINT end the run cleanly (exit 0)
        asyncio.run(run_socket_mode(app, settings, worker=worker))


@cli.command()
@click.option("--retry", is_flag=True, help="Make failed alerts pending again, due now.")
@click.option("--deliver", is_flag=True, help="Deliver the due alerts now, from this process.")
@click.option("--all", "show_all", is_flag=True, help="Include alerts already sent.")
def alerts(retry: bool, deliver: bool, show_all: bool) -> None:
    """List pending and failed alerts to the coordination channel; retry or deliver them.

    Example:

        capacity-bot alerts --retry --deliver
    """
    from bot.app import open_service

    settings = _settings()
    service = open_service(settings)
    if retry:
        click.echo(f"{service.retry_alerts()} failed alert(s) made pending")
    if deliver and not settings.capacity_alert_channel:
        click.echo("Error: set CAPACITY_ALERT_CHANNEL to deliver alerts", err=True)
        raise SystemExit(2)
    if deliver:
        from bot.app import make_notifier
        from bot.i18n import Texts
        from capacity.notify import deliver_due

        notifier = make_notifier(settings, Texts(settings.capacity_language))
        done = deliver_due(
            service.outbox,
            notifier,
            lease_seconds=settings.capacity_alert_lease,
            backoff_max=settings.capacity_alert_retry_max,
        )
        click.echo(f"delivered {done.sent}, to retry {done.retried}, failed {done.failed}")
    rows = [a for a in service.alerts() if show_all or a.status != "sent"]
    if not rows:
        click.echo("No pending or failed alerts.")
    for alert in rows:
        e = alert.event
        click.echo(
            f"#{alert.id} {alert.status:<7} {alert.created_at:%Y-%m-%d %H:%M} {e.kind.value} "
            f"{e.batch_name or e.scope_title}: {e.persons} vs {e.remaining} left; "
            f"attempts {alert.attempts}"
            + (f"; last error: {alert.last_error}" if alert.last_error else "")
        )


def main() -> None:
    try:
        cli()
    except KeyboardInterrupt:
        sys.exit(130)
