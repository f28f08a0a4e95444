"""`capacity round open | list | status | remind | close | export`: collection rounds.

The direct messages, reminders and the tracker are the Slack bot's (its outbox worker
delivers what these commands queue); the CLI needs no Slack connection.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from capacity.cli.common import actor, by_option, cli, db_option, service
from capacity.cli.render import number
from capacity.domain.rounds import Member, Round, RoundState
from capacity.texts.i18n import OSLO
from capacity.transfer.round_export import export_round, state_of


def when(moment: datetime) -> str:
    return f"{moment.astimezone(OSLO):%Y-%m-%d %H:%M} (Oslo)"


@cli.group("round")
def round_group() -> None:
    """Collection rounds: ask every municipality in a scope for its spare places.

    Example:

    \b
        capacity round open "Kapasitet 2027" --deadline 2027-01-15 --scope norge --year 2027
    """


@round_group.command("open")
@click.argument("name")
@click.option("--deadline", required=True, help="15.1.2027 or 2027-01-15 [12:00], Oslo time.")
@click.option(
    "--scope",
    required=True,
    help="storbynettverket, norge, 'fylke Trøndelag' or 'Oslo, Bergen, Trondheim'.",
)
@click.option("--year", type=int, help="The year asked about (default: the planning year).")
@by_option
@db_option
@click.pass_context
def round_open(
    ctx: click.Context, name: str, deadline: str, scope: str, year: int | None, by: str | None
) -> None:
    """Open a round: its municipalities are frozen and every editor of each gets a
    direct message from the bot (queued here, delivered by the running bot). A date
    alone as the deadline means the end of that day.

    Example:

    \b
        capacity round open "Kapasitet 2027" --deadline 2027-01-15 --scope norge --year 2027
    """
    opened = service(ctx).open_round(name, deadline, scope, actor(by), year=year)
    r = opened.round
    click.echo(
        f"Opened «{r.name}» ({r.year}, {r.scope_title}): {opened.members} municipalities, "
        f"deadline {when(r.deadline)}; {opened.asked} direct message(s) queued"
    )
    if opened.no_contact:
        names = ", ".join(m.name_no for m in opened.no_contact)
        click.echo(f"No contact (no editor to ask): {len(opened.no_contact)}: {names}")


@round_group.command("list")
@db_option
@click.pass_context
def round_list(ctx: click.Context) -> None:
    """The rounds, newest last, with how many have answered.

    Example:

    \b
        capacity round list
    """
    svc = service(ctx)
    found = svc.rounds()
    if not found:
        click.echo("No rounds yet.")
    counts = svc.round_counts([r.id for r in found])
    for r in found:
        answered, members = counts.get(r.id, (0, 0))
        click.echo(
            f"#{r.id} «{r.name}» {r.year} {r.scope_title}: {r.status.value}, deadline "
            f"{when(r.deadline)}, {answered} of {members} answered"
        )


def _member_line(member: Member) -> str:
    name = f"{member.municipality.name_no} ({member.municipality.number})"
    answer = member.answer
    if answer is None:
        text = f"{name}: {state_of(member)}"
    else:
        text = f"{name}: {number(answer.spare)} places"
        if answer.decision is not None:
            text += f", decision {number(answer.decision)}"
        elif answer.decision_expected:
            text += f", decision expected {answer.decision_expected:%Y-%m-%d}"
        if answer.extra:
            text += f", {number(answer.extra)} more with help"
        text += f"; {answer.who}, {when(answer.answered_at)}" + (" LATE" if answer.late else "")
    for failed in member.undelivered:
        text += f"; message to {failed.user} not delivered: {failed.reason}"
    return "  " + text


def print_state(state: RoundState) -> None:
    r: Round = state.round
    click.echo(
        f"«{r.name}» {r.year}, {r.scope_title}: {r.status.value}, deadline {when(r.deadline)}"
        + (" (passed)" if state.past_deadline else "")
    )
    click.echo(
        f"{len(state.answered)} of {len(state.members)} answered ({len(state.late)} late), "
        f"{number(state.offered)} places offered"
        + (f" (last year {number(state.last_year)})" if state.last_year is not None else "")
        + (f", {number(state.extra)} more with help" if state.extra else "")
        + f"; {len(state.no_contact)} without contact; "
        f"{state.pending_messages} message(s) waiting to be sent"
    )
    county = None
    for member in sorted(state.members, key=lambda m: (m.county, m.municipality.number)):
        if member.county != county:
            county = member.county
            click.echo(county or "-")
        click.echo(_member_line(member))


@round_group.command("status")
@click.argument("name", required=False)
@db_option
@click.pass_context
def round_status(ctx: click.Context, name: str | None) -> None:
    """Where a round stands, by county: every municipality's answer, or "not answered",
    or "no contact"; direct messages Slack refused, with the reason. NAME may be left
    out while one round is open.

    Example:

    \b
        capacity round status "Kapasitet 2027"
    """
    print_state(service(ctx).round_status(name))


@round_group.command("remind")
@click.argument("name", required=False)
@by_option
@db_option
@click.pass_context
def round_remind(ctx: click.Context, name: str | None, by: str | None) -> None:
    """Remind every editor of a municipality that has not answered, now (the bot
    delivers the reminders; scheduled ones come by themselves).

    Example:

    \b
        capacity round remind "Kapasitet 2027"
    """
    found, count = service(ctx).remind_round(name, actor(by))
    click.echo(f"«{found.name}»: {count} reminder(s) queued")


@round_group.command("close")
@click.argument("name", required=False)
@by_option
@db_option
@click.pass_context
def round_close(ctx: click.Context, name: str | None, by: str | None) -> None:
    """Close a round: answers can no longer be given or changed, and the coordination
    channel gets the closing summary (posted by the running bot).

    Example:

    \b
        capacity round close "Kapasitet 2027"
    """
    closed, summary = service(ctx).close_round(name, actor(by))
    click.echo(
        f"Closed «{closed.name}»: {summary.answered} of {summary.members} answered "
        f"({len(summary.late)} late), {number(summary.offered)} places offered"
    )


@round_group.command("export")
@click.argument("name", required=False)
@click.option("--excel", is_flag=True, help="CSV as Excel in Norwegian settings opens it.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
@db_option
@click.pass_context
def round_export(ctx: click.Context, name: str | None, excel: bool, output: Path | None) -> None:
    """One row per municipality: its answer, or "not answered" / "no contact";
    formula-safe CSV (--excel: `;`, UTF-8 with a BOM, CRLF).

    Example:

    \b
        capacity round export "Kapasitet 2027" --excel -o kapasitet-2027.csv
    """
    _, text = export_round(service(ctx), name, excel=excel)
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8", newline="")
    click.echo(f"Wrote {output}")
