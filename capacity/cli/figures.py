"""`capacity show`, `report-spare`, `history`, `import` and `export`: the figures."""

from __future__ import annotations

import json
from pathlib import Path

import click

from capacity.cli.common import (
    actor,
    by_option,
    cli,
    count_argument,
    db_option,
    db_path,
    json_option,
    service,
)
from capacity.cli.render import (
    line_json,
    number,
    overview_json,
    print_history,
    print_line,
    print_overview,
    t,
)


@cli.command()
@click.argument("target", required=False)
@click.option("--year", type=int, help="Year of the figures (default: the planning year).")
@click.option(
    "--as-of",
    "as_of",
    help="Figures as they stood then, Norwegian time: 2020-10-01 (the end of that day), "
    "1.10.2020, 2020-10-01T12:00.",
)
@json_option
@click.option(
    "--all",
    "show_all",
    is_flag=True,
    help="List every municipality, not just those with spare capacity.",
)
@db_option
@click.pass_context
def show(
    ctx: click.Context,
    target: str | None,
    year: int | None,
    as_of: str | None,
    as_json: bool,
    show_all: bool,
) -> None:
    """Show capacity for a municipality, a group, or the whole country.

    TARGET is a municipality (name, any spelling, or number), a group such as
    "storbynettverket" (the default), or "norge" for national totals.

    Example:

    \b
        capacity show Tromso --year 2020
        capacity show storbynettverket --json
        capacity show norge
    """
    svc = service(ctx)
    scope, _, members = svc.scope(target)
    if members is not None and len(members) == 1 and scope == members[0].number:
        line = svc.capacity(target or "", year, as_of=as_of)
        if as_json:
            click.echo(json.dumps(line_json(line), ensure_ascii=False, indent=2))
        else:
            print_line(line)
        return
    overview = svc.overview(scope, year, as_of=as_of)
    if as_json:
        click.echo(json.dumps(overview_json(overview), ensure_ascii=False, indent=2))
    else:
        print_overview(overview, show_all)


@cli.command("report-spare")
@click.argument("municipality")
@click.argument("spare", nargs=-1, required=True)
@click.option(
    "--source", required=True, help="Where the figure comes from (a letter, an e-mail, a meeting)."
)
@by_option
@click.option("--year", type=int, help="Year (default: the planning year).")
@click.option("--reason", default="", help="Why it changed.")
@click.option(
    "--force",
    is_flag=True,
    help="Save a figure below what is already reserved there (the place is then overbooked).",
)
@db_option
@click.pass_context
def report_spare(
    ctx: click.Context,
    municipality: str,
    spare: tuple[str, ...],
    source: str,
    by: str | None,
    year: int | None,
    reason: str,
    force: bool,
) -> None:
    """Record the spare capacity a municipality reports for a year.

    SPARE is written as people write it: 1200, 1 200 or 1.200 (1,200 is refused: a
    thousand in English, 1.2 in Norwegian).

    Example:

    \b
        capacity report-spare Trondheim 120 --source "e-mail from the municipality" --by "Kari"
        capacity report-spare Oslo 1 000 --source "KS letter"
    """
    who = actor(by)
    value = count_argument(spare, "spare")
    result = service(ctx).report_spare(
        municipality, value, who, year=year, source=source, reason=reason, force=force
    )
    before = number(result.before) if result.before is not None else "none"
    line = result.line
    left = (
        f"overbooked by {line.overbooked}"
        if line.overbooked
        else f"remaining {number(line.remaining)}"
    )
    click.echo(
        f"{result.municipality.label} {result.year}: reported spare {before} → "
        f"{number(result.after)} ({left}), by {who.label}"
    )


def parse_years(text: str | None) -> range | set[int] | None:
    """`2021-2023` or `2020,2022`."""
    if not text:
        return None
    try:
        if "-" in text:
            first, last = (int(part) for part in text.split("-", 1))
            return range(first, last + 1)
        return {int(part) for part in text.split(",") if part.strip()}
    except ValueError:
        raise click.ClickException(
            f"--years takes a range like 2021-2023 or a list like 2020,2022 (not {text!r})"
        ) from None


@cli.command()
@click.argument("municipality")
@click.option("--limit", type=int, help="Only the last N records.")
@json_option
@db_option
@click.pass_context
def history(ctx: click.Context, municipality: str, limit: int | None, as_json: bool) -> None:
    """Show every recorded change for a municipality: who, when, source, before → after.

    Example:

    \b
        capacity history Trondheim --limit 20
    """
    changes = service(ctx).history(municipality, limit=limit)
    if as_json:
        click.echo(
            json.dumps([c.model_dump(mode="json") for c in changes], ensure_ascii=False, indent=2)
        )
        return
    print_history(changes)


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--years", help="Only these years: 2021-2023, or 2020,2022.")
@click.option(
    "--source-date", help="The date the source gives (default: a date in the file's name)."
)
@click.option(
    "--as-of",
    "as_of",
    help="IMDi's download: the day its figures are from, 2023-09-25 or 25.09.2023 "
    "(default: the date in the file's name).",
)
@click.option(
    "--replace",
    is_flag=True,
    help="IMDi's download: replace the figures of a snapshot of the same day.",
)
@by_option
@db_option
@click.pass_context
def import_(
    ctx: click.Context,
    file: Path,
    years: str | None,
    source_date: str | None,
    as_of: str | None,
    replace: bool,
    by: str | None,
) -> None:
    """Import settlement figures from IMDi's download or a wide CSV, or load a whole
    JSON export into a new database.

    IMDi's download «Anmodning, vedtak og faktisk bosetting» as it comes (long format,
    ';' or ',', ISO-8859-1/Windows-1252 or UTF-8; Personer lines are figures; lines it
    cannot place are skipped and counted by reason), or a CSV with the columns
    number,year,original_request,request,decision,settled (a name column is ignored, so
    `capacity export --format csv --what figures` imports back). A file with any invalid
    row imports nothing; each invalid row is listed with its line number. Importing the
    same file again changes nothing.

    IMDi's download is a snapshot: its figures as they stood on a day (--as-of, or the
    date in its name; a file with neither is refused). They are recorded at the end of
    that day, so `/capacity tempo` follows the year through its snapshots; an older
    snapshot imported after a newer one is kept in the history and never replaces the
    newer figures. A second file of the same day with other figures is refused unless
    --replace. A day in the future, or outside the file's newest year, is refused.

    A .json file from `capacity export --format json` is loaded whole: figures, history
    (same ids, times and actors), batches, roles and alerts. The database is created, or
    must hold nothing but the bundled data (`capacity init`); one with data of its own is
    refused. Its own export is then identical to the file.

    Example:

    \b
        capacity import imdi_bosatt_anmodede_2023-09-25.csv --years 2021-2023
        capacity import bosatt_anmodede.csv --as-of 2023-06-30
        capacity import capacity-export.json --db restored.db
    """
    if file.suffix.lower() == ".json":
        from capacity.transfer.restore import import_json

        loaded = import_json(file.read_bytes(), file.name, db_path(ctx, must_exist=False))
        click.echo(
            f"{file.name}: {number(loaded.rows)} rows loaded into {loaded.target} "
            f"(schema version {loaded.schema_version})"
        )
        if loaded.migrated:
            click.echo(f"Migrated it: {', '.join(loaded.migrated)}")
        if loaded.replaced:
            click.echo(f"The database it replaced is kept as {loaded.replaced}")
        return

    from capacity import errors
    from capacity.cli.pace import print_snapshot
    from capacity.transfer.imports import import_file
    from capacity.transfer.snapshots import import_snapshot_file, is_imdi

    if is_imdi(file.read_bytes(), file.name):
        found = import_snapshot_file(
            service(ctx), file, actor(by), as_of=as_of or source_date,
            years=parse_years(years), replace=replace,
        )  # fmt: skip
        print_snapshot(file.name, found)
        return
    if as_of or replace:
        raise errors.InvalidInput("snapshot_format", field="path", name=file.name)
    summary = import_file(
        service(ctx), file, actor(by), years=parse_years(years), source_date=source_date
    )
    click.echo(f"{file.name}: {summary.rows} figures read, {summary.changed} changed")
    for code, count in sorted(summary.skipped.items()):
        click.echo(f"  skipped {count} lines: {t.text('skip', code, {})}")


@cli.command()
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json"]), default="json", show_default=True
)
@click.option(
    "--what",
    type=click.Choice(["figures", "history", "batches", "all"]),
    default="all",
    show_default=True,
    help="What to export: all (JSON only, the whole database, importable) or one table.",
)
@click.option(
    "--excel",
    is_flag=True,
    help="CSV for Excel in Norwegian settings: ';'-separated, UTF-8 with a BOM.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default: stdout).",
)
@db_option
@click.pass_context
def export(ctx: click.Context, fmt: str, what: str, excel: bool, output: Path | None) -> None:
    """Export the whole database as JSON, or the figures, history or batches as CSV.

    The JSON export (--what all, the default) holds every table: figures with their
    sources and dates, history, batches and assignments, roles, alerts; `capacity import`
    loads it into a new database. --what figures|history|batches gives one table, as a
    CSV with the municipality's name beside its number (or as JSON). Text that a
    spreadsheet would run as a formula is written with a leading '.

    Example:

    \b
        capacity export -o capacity-export.json
        capacity export --format csv --what figures --excel -o tall.csv
    """
    from capacity.transfer.exports import export as export_text

    text = export_text(service(ctx), fmt, what, excel=excel)
    if output:
        output.write_bytes(text.encode("utf-8"))  # as written: CRLF stays CRLF
        click.echo(f"Wrote {output}", err=True)
    else:
        click.echo(text, nl=False)
