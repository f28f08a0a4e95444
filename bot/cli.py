"""`capacity-bot`: run the Slack app (Socket Mode or HTTP), or ask it in a terminal."""

from __future__ import annotations

import sys
from importlib.resources import files

import click

from bot.probe import PORT, probe
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

    \b
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

    \b
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
@click.option("--port", type=int, default=PORT, show_default=True)
@click.option(
    "--health-port",
    type=click.IntRange(1, 65535),
    help="Serve GET /healthz and /metrics on this port only (default: CAPACITY_HEALTH_PORT; "
    "without one, HTTP mode serves them on --port and Socket Mode not at all).",
)
def serve(http: bool, host: str, port: int, health_port: int | None) -> None:
    """Run the Slack app: Socket Mode by default, or HTTP with --http.

    Socket Mode needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN; HTTP needs SLACK_BOT_TOKEN
    and SLACK_SIGNING_SECRET. One log line per request (CAPACITY_LOG_FORMAT=json: as
    JSON).

    Example:

    \b
        capacity-bot serve --http --port 3000
        capacity-bot serve --health-port 8080
    """
    from bot.app import create_app, start_alerts
    from bot.logs import configure

    settings = _settings()
    configure(settings.capacity_log_format, settings.secrets())
    health_port = health_port or settings.capacity_health_port
    try:
        settings.require("slack_bot_token", "slack_signing_secret" if http else "slack_app_token")
    except SettingsError as error:
        click.echo(f"Error: {error}", err=True)
        raise SystemExit(2) from None
    app = create_app(settings)  # a database it cannot serve is refused (see main)
    app.deps.service.health()  # as /healthz: writes too
    worker = start_alerts(app, settings)
    from bot.backups import announce_upgrade, start_backups

    announce_upgrade(app.deps.service)  # backed up first
    start_backups(app.deps.service, settings)
    from bot.app import follow_user_locales, know_the_workspace

    follow_user_locales(app, settings)  # each user answered in their Slack locale's language
    know_the_workspace(app, settings)  # users.list now and hourly, in a thread of its own
    if http:
        from bot.http import serve as serve_http

        serve_http(app, settings.slack_signing_secret, host, port, health_port)
    else:
        import asyncio

        from bot.app import settle_garbage_collector
        from bot.socket_mode import run_socket_mode

        settle_garbage_collector()
        # The handler is built inside the loop; SIGTERM/SIGINT end the run cleanly (exit 0)
        health = (host, health_port) if health_port else None
        asyncio.run(run_socket_mode(app, settings, worker=worker, health=health))


@cli.command()
@click.option("--retry", is_flag=True, help="Make failed alerts pending again, due now.")
@click.option("--deliver", is_flag=True, help="Deliver the due alerts now, from this process.")
@click.option("--all", "show_all", is_flag=True, help="Include alerts already sent.")
def alerts(retry: bool, deliver: bool, show_all: bool) -> None:
    """List pending and failed alerts to the coordination channel; retry or deliver them.

    Example:

    \b
        capacity-bot alerts --retry --deliver
    """
    from bot.app import open_service
    from capacity.domain.backup_events import BackupFailed
    from capacity.domain.rounds import RoundClosed, RoundMessage
    from capacity.models import WeeklySummary

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
        from capacity.usecases.notify import deliver_due

        notifier = make_notifier(settings, Texts(settings.capacity_language), service)
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
        if isinstance(e, WeeklySummary):
            what = f"weekly_summary {e.week}: {e.changed} change(s) since {e.since:%Y-%m-%d %H:%M}"
        elif isinstance(e, RoundMessage):
            what = f"round_message {e.purpose} «{e.round_name}» {e.name} to {e.user}"
        elif isinstance(e, RoundClosed):
            what = f"round_closed «{e.round_name}»: {e.answered} of {e.members} answered"
        elif isinstance(e, BackupFailed):
            what = f"backup_failed, due {e.due:%Y-%m-%d %H:%M} UTC: {e.problem} ({e.directory})"
        else:
            what = f"{e.kind.value} {e.batch_name or e.scope_title}: {e.persons} vs " + (
                f"overbooked by {-e.remaining}" if e.remaining < 0 else f"{e.remaining} left"
            )
        click.echo(
            f"#{alert.id} {alert.status:<7} {alert.created_at:%Y-%m-%d %H:%M} {what}; "
            f"attempts {alert.attempts}"
            + (f"; last error: {alert.last_error}" if alert.last_error else "")
        )


@cli.command()
@click.option("--now", is_flag=True, help="Post a summary to CAPACITY_ALERT_CHANNEL now, recorded.")
@click.option("--dry-run", is_flag=True, help="Print the summary as text; post nothing.")
@click.option(
    "--language",
    type=click.Choice(["nb", "nn", "en"]),
    help="Language (default: CAPACITY_LANGUAGE, the channel's).",
)
@click.option("--json", "as_json", is_flag=True, help="With --dry-run: the Slack message JSON.")
def summary(now: bool, dry_run: bool, language: str | None, as_json: bool) -> None:
    """The weekly summary: the network's status, what changed since the last summary and
    who, and the municipalities with the least room left.

    The bot posts it by itself each week when CAPACITY_SUMMARY_AT comes (default
    "mon 08:00", Norwegian time; "off" for none), once per ISO week through the outbox,
    also across restarts and with several bot processes.

    --dry-run prints it, as it stands now, and neither posts nor records anything.

    --now posts one at once, whatever the week: it goes through the outbox (recorded
    and posted exactly once, under a key of its own), and the week's scheduled summary
    still comes, covering what changed after this one.

    Example:

    \b
        capacity-bot summary --dry-run
        capacity-bot summary --now
    """
    import json

    from bot.app import open_service
    from bot.i18n import Texts
    from bot.summary_blocks import summary_message
    from bot.terminal import render

    if now == dry_run:
        click.echo("Error: give --now or --dry-run", err=True)
        raise SystemExit(2)
    settings = _settings(**({"capacity_language": language} if language else {}))
    service = open_service(settings)
    texts = Texts(settings.capacity_language)
    if dry_run:
        message = summary_message(service.summary(), texts, settings.capacity_stale_days).payload(
            share=True
        )
        click.echo(
            json.dumps(message, ensure_ascii=False, indent=2) if as_json else render(message)
        )
        return
    if not settings.capacity_alert_channel:
        click.echo("Error: set CAPACITY_ALERT_CHANNEL to post the summary", err=True)
        raise SystemExit(2)
    from bot.app import make_notifier
    from capacity.usecases.notify import deliver_due

    service.queue_summary(at_once=True)
    done = deliver_due(
        service.outbox,
        make_notifier(settings, texts),
        lease_seconds=settings.capacity_alert_lease,
        backoff_max=settings.capacity_alert_retry_max,
    )
    summaries = [a for a in service.alerts() if a.event.kind == "weekly_summary"]
    last = summaries[-1]
    if last.status == "sent":
        click.echo(
            f"Posted the summary to {settings.capacity_alert_channel} (ts {last.delivery_ref})"
        )
    else:
        click.echo(
            f"Summary #{last.id} queued, not posted yet ({last.last_error or last.status}); "
            "the bot's outbox will retry it (capacity-bot alerts)",
            err=True,
        )
        raise SystemExit(1)
    if done.sent > 1:
        click.echo(f"Also delivered {done.sent - 1} other due alert(s)")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Where the bot listens.")
@click.option("--port", type=int, default=PORT, show_default=True)
@click.option("--timeout", type=float, default=5.0, show_default=True, help="Seconds to wait.")
def health(host: str, port: int, timeout: float) -> None:
    """Ask a bot serving HTTP (`serve --http`) whether it can serve: GET /healthz. Prints
    its answer and exits 0 when it is healthy; 1, with the reason, when it answers 503
    (the database cannot be served) or does not answer. The container's health check.

    Example:

    \b
        capacity-bot health --port 3000
    """
    found = probe(host, port, timeout)
    click.echo(found.said, err=not found.ok)
    if not found.ok:
        raise SystemExit(1)


@cli.command()
def manifest() -> None:
    """Print the Slack app manifest this version needs (Socket Mode), to create or
    update the app at api.slack.com/apps. For HTTP mode, set `socket_mode_enabled:
    false` and the request URLs to https://<your host>/slack/events.

    Example:

    \b
        capacity-bot manifest > manifest.yml
    """
    click.echo(files("bot").joinpath("manifest.yml").read_text(encoding="utf-8"), nl=False)


def main() -> None:
    from capacity.errors import CapacityError

    try:
        cli()
    except KeyboardInterrupt:
        sys.exit(130)
    except CapacityError as error:  # a database it cannot serve: damaged, of a newer
        # schema, not writable (the disk full, a read-only directory): one line, no traceback
        click.echo(f"Error: {error}", err=True)
        sys.exit(2)
