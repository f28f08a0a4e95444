"""`capacity`: the admin command line, a thin adapter over the capacity core.

Every command's docstring is its --help and ends with an example. Errors from the core
are printed as one line on stderr with a non-zero exit, never a traceback.
"""

from __future__ import annotations

import functools
import getpass
import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table

from capacity import errors
from capacity.geography import NATIONAL
from capacity.models import IMDI_MEASURES, Actor, Batch, BatchStatus, CapacityLine, Measure
from capacity.service import AllocationResult, BatchResult, Capacity
from capacity.store import Store, default_db_path

F = TypeVar("F", bound=Callable[..., Any])

LABELS = {
    Measure.ORIGINAL_REQUEST: "Original request",
    Measure.REQUEST: "Revised request",
    Measure.DECISION: "Decision",
    Measure.SETTLED: "Settled",
    Measure.MINORS_REQUEST: "Request, unaccompanied minors",
    Measure.MINORS_DECISION: "Decision, unaccompanied minors",
    Measure.FAMILY_REUNIFICATION: "Family reunification",
    Measure.SPARE: "Reported spare",
}


def fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    raise SystemExit(1)


def handle_errors(func: F) -> F:
    """Turn the core's errors (and a few expected OS errors) into one line on stderr."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except errors.InvalidImportFile as error:
            click.echo(f"Error: {error}", err=True)
            for line, reason in error.problems:
                click.echo(f"  line {line}: {reason}", err=True)
            raise SystemExit(1) from None
        except errors.CapacityError as error:
            fail(str(error))
        except (OSError, UnicodeDecodeError) as error:
            fail(str(error))

    return wrapper  # type: ignore[return-value]


def service(ctx: click.Context) -> Capacity:
    """Open the database once per command, creating and seeding it when missing."""
    obj = ctx.find_root().obj
    if obj.get("service") is None:
        obj["service"] = Capacity.open(obj["db"])
    return obj["service"]


def actor(by: str | None) -> Actor:
    user = getpass.getuser()
    return Actor(id=f"cli:{user}", name=by or user, trusted=True)


def console() -> Console:
    """Rich console; wide enough for the tables when output is not a terminal."""
    return Console() if sys.stdout.isatty() else Console(width=160)


def number(value: int | None) -> str:
    return "unknown" if value is None else f"{value:,}".replace(",", " ")


def parse_households(text: str | None) -> tuple[int, ...]:
    if not text:
        return ()
    try:
        return tuple(int(part) for part in text.replace(" ", "").split(",") if part)
    except ValueError:
        fail(f"Household sizes are whole numbers separated by commas, like 5,4,6 (not {text!r})")
        raise  # unreachable


@click.group()
@click.option(
    "--db",
    type=click.Path(dir_okay=False),
    envvar="CAPACITY_DB",
    default=None,
    help="SQLite database file (default: $CAPACITY_DB or data/capacity.db).",
)
@click.version_option(package_name="capacity-bot")
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    """Spare settlement capacity per municipality: the admin command line.

    Example:

        capacity show Trondheim
    """
    ctx.ensure_object(dict)
    ctx.obj["db"] = db or str(default_db_path())


@cli.command()
@click.pass_context
@handle_errors
def init(ctx: click.Context) -> None:
    """Create the database and load the bundled data (running it twice changes nothing).

    Loads SSB's municipality lists for 2020 and 2024 and the crosswalk, IMDi's 2020
    settlement figures, the KS city network's reported spare capacity, and the group
    "storbynettverket".

    Example:

        capacity --db /tmp/capacity.db init
    """
    svc = service(ctx)
    overview = svc.overview(NATIONAL, 2020)
    click.echo(
        f"Database {svc.store.path}: {len(svc.geography.municipalities)} municipality rows, "
        f"2020 decision total {number(overview.totals['decision'].value)}, "
        f"reported spare {number(overview.totals['spare'].value)}"
    )


@cli.command()
@click.argument("target", required=False)
@click.option("--year", type=int, help="Year of the figures (default: the latest with figures).")
@click.option("--as-of", "as_of", type=click.DateTime(), help="Figures as they stood then (UTC).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.option(
    "--all",
    "show_all",
    is_flag=True,
    help="List every municipality, not just those with spare capacity.",
)
@click.pass_context
@handle_errors
def show(
    ctx: click.Context,
    target: str | None,
    year: int | None,
    as_of: datetime | None,
    as_json: bool,
    show_all: bool,
) -> None:
    """Show capacity for a municipality, a group, or the whole country.

    TARGET is a municipality (name, any spelling, or number), a group such as
    "storbynettverket" (the default), or "norge" for national totals.

    Example:

        capacity show Tromso --year 2020
        capacity show storbynettverket --json
        capacity show norge
    """
    svc = service(ctx)
    scope, _, members = svc.scope(target)
    if members is not None and len(members) == 1 and scope == members[0].number:
        line = svc.capacity(target or "", year, as_of=as_of)
        if as_json:
            click.echo(json.dumps(_line_json(line), ensure_ascii=False, indent=2))
        else:
            _print_line(line)
        return
    overview = svc.overview(scope, year)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "title": overview.title,
                    "scope": overview.scope,
                    "year": overview.year,
                    "municipalities": [_line_json(line) for line in overview.lines],
                    "totals": {k: v.model_dump() for k, v in overview.totals.items()},
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    lines = overview.lines
    if scope == NATIONAL and not show_all:
        lines = tuple(
            sorted(
                (ln for ln in lines if ln.spare is not None), key=lambda ln: -(ln.remaining or 0)
            )
        )
    table = Table(title=f"{overview.title} {overview.year}")
    table.add_column("Municipality", no_wrap=True)
    for heading in ("Spare", "Reserved", "Remaining", "Decision", "Revised req.", "Settled"):
        table.add_column(heading, justify="right")
    for line in lines:
        table.add_row(
            line.municipality.label,
            number(line.spare) if line.spare is not None else "-",
            number(line.reserved),
            number(line.remaining) if line.remaining is not None else "-",
            number(line.value(Measure.DECISION)),
            number(line.value(Measure.REQUEST)),
            number(line.value(Measure.SETTLED)),
        )
    totals = overview.totals
    table.add_section()
    table.add_row(
        f"Total ({len(overview.lines)} municipalities)",
        number(totals["spare"].value),
        number(totals["reserved"].value),
        number(totals["remaining"].value),
        _total(totals["decision"]),
        _total(totals["request"]),
        _total(totals["settled"]),
    )
    console().print(table)
    if scope == NATIONAL and not show_all:
        click.echo(
            f"{len(lines)} of {len(overview.lines)} municipalities have reported spare capacity; "
            "--all lists every one."
        )
    unknown = {m: totals[m.value].unknown for m in IMDI_MEASURES if totals[m.value].unknown}
    if unknown:
        click.echo(
            "Totals leave out figures IMDi did not publish (':', 0–4 or not asked): "
            + ", ".join(f"{LABELS[m].lower()} {n}" for m, n in unknown.items())
        )


def _total(total: Any) -> str:
    return number(total.value) + ("*" if total.unknown else "")


def _line_json(line: CapacityLine) -> dict[str, Any]:
    return {
        "number": line.municipality.number,
        "name": line.municipality.name,
        "name_no": line.municipality.name_no,
        "year": line.year,
        "spare": line.spare,
        "reserved": line.reserved,
        "remaining": line.remaining,
        "figures": {
            measure.value: {
                "value": figure.value,
                "known": figure.value is not None,
                "changed_at": figure.changed_at.isoformat(),
                "by": figure.actor,
                "source": figure.source,
            }
            for measure, figure in line.figures.items()
        },
        "decision_minus_request": line.decision_minus_request,
        "decision_minus_settled": line.decision_minus_settled,
        "years_with_figures": list(line.years_with_figures),
    }


def _print_line(line: CapacityLine) -> None:
    m = line.municipality
    out = console()
    if not line.figures:
        years = ", ".join(map(str, line.years_with_figures)) or "none"
        out.print(
            f"{m.name} ({m.number}) has no figures for {line.year}. Years with figures: {years}"
        )
        return
    table = Table(title=f"{m.name} ({m.number}), {line.year}")
    table.add_column("Figure")
    table.add_column("Value", justify="right")
    table.add_column("Source")
    if line.remaining is not None:
        table.add_row("Remaining spare", number(line.remaining), "reported spare − reservations")
    spare = line.spare_report
    if spare is not None:
        table.add_row(
            LABELS[Measure.SPARE],
            number(spare.value),
            f"{spare.source}; {spare.actor}, {spare.changed_at:%Y-%m-%d}",
        )
    else:
        table.add_row(LABELS[Measure.SPARE], "not reported", "")
    table.add_row("Reserved for batches", number(line.reserved), "")
    for measure in Measure:
        if measure is Measure.SPARE or measure not in line.figures:
            continue
        figure = line.figures[measure]
        table.add_row(LABELS[measure], number(figure.value), figure.source)
    if line.decision_minus_request is not None:
        table.add_row("Decision − revised request", number(line.decision_minus_request), "derived")
    if line.decision_minus_settled is not None:
        table.add_row("Decision − settled", number(line.decision_minus_settled), "derived")
    out.print(table)


@cli.command("report-spare")
@click.argument("municipality")
@click.argument("spare", type=int)
@click.option(
    "--source", required=True, help="Where the figure comes from (a letter, an e-mail, a meeting)."
)
@click.option("--by", "by", help="Who reports it (default: your user name).")
@click.option("--year", type=int, help="Year (default: the latest with figures).")
@click.option("--reason", default="", help="Why it changed.")
@click.pass_context
@handle_errors
def report_spare(
    ctx: click.Context,
    municipality: str,
    spare: int,
    source: str,
    by: str | None,
    year: int | None,
    reason: str,
) -> None:
    """Record the spare capacity a municipality reports for a year.

    Example:

        capacity report-spare Trondheim 120 --source "e-mail from the municipality" --by "Kari"
    """
    result = service(ctx).report_spare(
        municipality, spare, actor(by), year=year, source=source, reason=reason
    )
    who = actor(by).label
    click.echo(
        f"{result.municipality.label} {result.year}: reported spare "
        f"{number(result.before) if result.before is not None else 'none'} → {number(result.after)}"
        f" (remaining {number(result.line.remaining)}), by {who}"
    )


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--by", "by", help="Who imports (default: your user name).")
@click.pass_context
@handle_errors
def import_(ctx: click.Context, file: Path, by: str | None) -> None:
    """Import settlement figures from IMDi's statistics export or a wide CSV.

    IMDi's export (long format, ';' or ',', UTF-8 or Windows-1252) or a CSV with the
    columns number,year,original_request,request,decision,settled. A file with any
    invalid row imports nothing; each invalid row is listed with its line number.
    Importing the same file again changes nothing.

    Example:

        capacity import bosatt_anmodede.csv
    """
    from capacity.transfer import import_file

    summary = import_file(service(ctx), file, actor(by))
    click.echo(f"{file.name}: {summary.rows} figures read, {summary.changed} changed")


@cli.command()
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json"]), default="json", show_default=True
)
@click.option(
    "--what",
    type=click.Choice(["figures", "history", "batches", "all"]),
    default="all",
    show_default=True,
    help="What to export (CSV holds one table: choose figures, history or batches).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default: stdout).",
)
@click.pass_context
@handle_errors
def export(ctx: click.Context, fmt: str, what: str, output: Path | None) -> None:
    """Export the current figures, the full history and the batches as CSV or JSON.

    Example:

        capacity export --format csv --what figures -o figures.csv
    """
    from capacity.transfer import export as export_text

    text = export_text(service(ctx), fmt, what)
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


@cli.command()
@click.argument("municipality")
@click.option("--limit", type=int, help="Only the last N records.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@handle_errors
def history(ctx: click.Context, municipality: str, limit: int | None, as_json: bool) -> None:
    """Show every recorded change for a municipality: who, when, source, before → after.

    Example:

        capacity history Trondheim --limit 20
    """
    changes = service(ctx).history(municipality, limit=limit)
    if as_json:
        click.echo(
            json.dumps([c.model_dump(mode="json") for c in changes], ensure_ascii=False, indent=2)
        )
        return
    table = Table()
    for heading in ("When (UTC)", "What", "Before", "After", "By", "Source / reason"):
        table.add_column(heading)
    for change in changes:
        table.add_row(
            f"{change.at:%Y-%m-%d %H:%M}",
            change.key,
            _value(change.before),
            _value(change.after),
            change.actor_name or change.actor,
            "; ".join(filter(None, (change.source, change.reason))),
        )
    console().print(table)


def _value(value: Any) -> str:
    if value is None:
        return "unknown"
    if value == "absent":
        return "-"
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


# -- batches -----------------------------------------------------------------------------


@cli.group()
def batch() -> None:
    """Relocation batches: register, assign places, and move them through their life.

    Example:

        capacity batch new "Moria 2020" 50 --households 5,4,6,5,5,5,5,5,5,5 --year 2020
    """


@batch.command("new")
@click.argument("name")
@click.argument("persons", type=int)
@click.option("--households", help="Household sizes, comma-separated (households are never split).")
@click.option("--year", type=int, help="Year (default: the latest with figures).")
@click.option(
    "--scope",
    default="storbynettverket",
    show_default=True,
    help="A group, 'norge' or a municipality.",
)
@click.option("--by", "by", help="Who registers it.")
@click.pass_context
@handle_errors
def batch_new(
    ctx: click.Context,
    name: str,
    persons: int,
    households: str | None,
    year: int | None,
    scope: str,
    by: str | None,
) -> None:
    """Register a relocation batch and check it against the scope's remaining capacity.

    Example:

        capacity batch new "Moria 2020" 50 --year 2020 --scope storbynettverket
    """
    result = service(ctx).create_batch(
        name, persons, actor(by), year=year, households=parse_households(households), scope=scope
    )
    _print_batch_result(result)


def _print_batch_result(result: BatchResult) -> None:
    b = result.batch
    click.echo(
        f"Batch #{b.id} '{b.name}' {b.year}: {b.persons} persons, scope {b.scope}, {b.status.value}"
    )
    click.echo(f"Remaining capacity in scope: {number(result.room)}")
    for event in result.events:
        click.echo(f"Warning: {_event_text(event)}", err=True)


def _event_text(event: Any) -> str:
    from capacity.models import Kind

    if event.kind is Kind.BATCH_EXCEEDS:
        return f"{event.persons} persons exceed the {event.remaining} places left in {event.scope_title}"
    if event.kind is Kind.HOUSEHOLD_TOO_LARGE:
        return (
            f"a household of {event.persons} does not fit anywhere in {event.scope_title} "
            f"(largest room {event.remaining})"
        )
    if event.kind is Kind.HOUSEHOLDS_DO_NOT_FIT:
        return (
            f"the households ({event.persons} persons) cannot all be placed whole in "
            f"{event.scope_title}: the {event.remaining} places left are split too small"
        )
    if event.kind is Kind.ALLOCATION_REFUSED:
        return (
            f"{event.persons} persons refused in {event.scope_title}: only {event.remaining} left"
        )
    return (
        f"{event.scope_title} has only {event.remaining} places left (threshold {event.threshold})"
    )


@batch.command("allocate")
@click.argument("batch_ref")
@click.argument("municipality", required=False)
@click.argument("persons", type=int, required=False)
@click.option("--households", help="Household sizes being placed, comma-separated.")
@click.option("--auto", is_flag=True, help="Spread the whole batch over its scope.")
@click.option("--by", "by", help="Who assigns.")
@click.pass_context
@handle_errors
def batch_allocate(
    ctx: click.Context,
    batch_ref: str,
    municipality: str | None,
    persons: int | None,
    households: str | None,
    auto: bool,
    by: str | None,
) -> None:
    """Reserve places of a batch in a municipality (or spread it with --auto).

    Example:

        capacity batch allocate "Moria 2020" Trondheim 20
        capacity batch allocate "Moria 2020" --auto
    """
    svc = service(ctx)
    if auto:
        results = svc.allocate_auto(batch_ref, actor(by))
        if not results:
            b = svc.batch(batch_ref)
            fail(f"Batch '{b.name}' does not fit its scope; nothing was reserved")
        for result in results:
            _print_allocation(result)
        return
    if not municipality:
        fail("Name a municipality, or use --auto")
    result = svc.allocate(
        batch_ref, municipality or "", persons, actor(by), households=parse_households(households)
    )
    _print_allocation(result)
    if not result.granted:
        raise SystemExit(1)


def _print_allocation(result: AllocationResult) -> None:
    if result.granted:
        click.echo(
            f"Reserved {result.persons} of '{result.batch.name}' in {result.municipality.label}; "
            f"{number(result.remaining)} places left there"
        )
    else:
        click.echo(
            f"Refused: {result.persons} persons do not fit in {result.municipality.label}, "
            f"only {number(result.remaining)} places left",
            err=True,
        )


@batch.command("release")
@click.argument("allocation_id", type=int)
@click.option("--by", "by", help="Who undoes it.")
@click.pass_context
@handle_errors
def batch_release(ctx: click.Context, allocation_id: int, by: str | None) -> None:
    """Undo one assignment (its places go back to the municipality).

    Example:

        capacity batch release 12
    """
    b = service(ctx).release(allocation_id, actor(by))
    click.echo(
        f"Released assignment {allocation_id}; '{b.name}' has {b.unallocated} persons unassigned"
    )


def _status_command(status: BatchStatus, verb: str) -> None:
    @batch.command(status.value if status is not BatchStatus.CANCELLED else "cancel")
    @click.argument("batch_ref")
    @click.option("--reason", default="", help="Why.")
    @click.option("--by", "by", help="Who.")
    @click.pass_context
    @handle_errors
    def command(ctx: click.Context, batch_ref: str, reason: str, by: str | None) -> None:
        b = service(ctx).set_status(batch_ref, status, actor(by), reason=reason)
        click.echo(f"Batch '{b.name}' is now {b.status.value}")

    command.__doc__ = f"""{verb}

    Example:

        capacity batch {status.value if status is not BatchStatus.CANCELLED else "cancel"} "Moria 2020"
    """
    command.help = command.__doc__


_status_command(BatchStatus.CANCELLED, "Cancel a batch: every reservation is released.")
_status_command(BatchStatus.ARRIVED, "Mark a batch as arrived in Norway.")
_status_command(
    BatchStatus.SETTLED,
    "Mark a batch as settled: its persons count as settled in each municipality.",
)


@batch.command("list")
@click.option("--year", type=int)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@handle_errors
def batch_list(ctx: click.Context, year: int | None, as_json: bool) -> None:
    """List relocation batches, newest first.

    Example:

        capacity batch list --year 2020
    """
    batches = service(ctx).batches(year)
    if as_json:
        click.echo(
            json.dumps([b.model_dump(mode="json") for b in batches], ensure_ascii=False, indent=2)
        )
        return
    table = Table()
    for heading in ("#", "Name", "Year", "Persons", "Assigned", "Scope", "Status"):
        table.add_column(heading)
    for b in batches:
        table.add_row(
            str(b.id),
            b.name,
            str(b.year),
            str(b.persons),
            str(b.allocated),
            b.scope,
            b.status.value,
        )
    console().print(table)


@batch.command("show")
@click.argument("batch_ref")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@handle_errors
def batch_show(ctx: click.Context, batch_ref: str, as_json: bool) -> None:
    """Show a batch with its assignments.

    Example:

        capacity batch show "Moria 2020"
    """
    b = service(ctx).batch(batch_ref)
    if as_json:
        click.echo(json.dumps(b.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return
    _print_batch(b)


def _print_batch(b: Batch) -> None:
    households = ",".join(map(str, b.households)) or "not known"
    click.echo(
        f"Batch #{b.id} '{b.name}' {b.year}: {b.persons} persons (households {households}), "
        f"scope {b.scope}, {b.status.value}; {b.allocated} assigned, {b.unallocated} not yet"
    )
    table = Table()
    for heading in ("#", "Municipality", "Persons", "Households", "Active", "By"):
        table.add_column(heading)
    for a in b.allocations:
        table.add_row(
            str(a.id),
            f"{a.municipality} ({a.number})",
            str(a.persons),
            ",".join(map(str, a.households)),
            "yes" if a.active else "released",
            a.created_by,
        )
    console().print(table)


# -- roles -----------------------------------------------------------------------------------


@cli.command()
@click.argument("user_id")
@click.argument("role", type=click.Choice(["admin", "editor"]))
@click.argument("municipality", required=False)
@click.option("--by", "by", help="Who grants it.")
@click.pass_context
@handle_errors
def grant(
    ctx: click.Context, user_id: str, role: str, municipality: str | None, by: str | None
) -> None:
    """Grant a Slack user a role: admin (every municipality) or editor of one municipality.

    Example:

        capacity grant U012ABCDEF editor Trondheim
    """
    new = service(ctx).grant(user_id, role, actor(by), municipality)
    what = f"{role} of {municipality}" if municipality else role
    click.echo(f"{user_id} is {what}" + ("" if new else " (already)"))


@cli.command()
@click.argument("user_id")
@click.argument("role", type=click.Choice(["admin", "editor"]))
@click.argument("municipality", required=False)
@click.option("--by", "by", help="Who revokes it.")
@click.pass_context
@handle_errors
def revoke(
    ctx: click.Context, user_id: str, role: str, municipality: str | None, by: str | None
) -> None:
    """Take a role back from a user.

    Example:

        capacity revoke U012ABCDEF editor Trondheim
    """
    done = service(ctx).revoke(user_id, role, actor(by), municipality)
    click.echo(f"Revoked {role} from {user_id}" if done else f"{user_id} did not have that role")


@cli.command()
@click.argument("user_id")
@click.pass_context
@handle_errors
def roles(ctx: click.Context, user_id: str) -> None:
    """List a user's roles.

    Example:

        capacity roles U012ABCDEF
    """
    found = service(ctx).roles(user_id)
    if not found:
        click.echo(f"{user_id} has no roles (may query, may not change figures)")
    for role, municipality in found:
        click.echo(role.value + (f" of {municipality.label}" if municipality else ""))


def main() -> None:
    try:
        cli(obj={})
    except KeyboardInterrupt:
        sys.exit(130)


__all__ = ["cli", "main", "Store"]
