"""`capacity init`, `backup`, `restore`, roles (`grant`, `revoke`, `roles`)."""

from __future__ import annotations

from pathlib import Path

import click

from capacity.cli.backups import list_backups, prune_backups
from capacity.cli.common import actor, by_option, cli, db_option, db_path, service
from capacity.cli.people import slack_user
from capacity.cli.render import number
from capacity.domain.backups import DEFAULT_KEEP
from capacity.domain.role_words import ROLE_WORDS
from capacity.reference.geography import NATIONAL
from capacity.storage.backup import DatabaseInfo


@cli.command()
@db_option
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the database and load the bundled data (running it twice changes nothing).

    Loads SSB's municipality lists for 2020 and 2024 and the crosswalk, IMDi's
    settlement figures, the KS city network's reported spare capacity, and the group
    "storbynettverket".

    Example:

    \b
        capacity --db /tmp/capacity.db init
    """
    svc = service(ctx, create=True)
    overview = svc.overview(NATIONAL, 2020)
    click.echo(
        f"Database {svc.store.path}: {len(svc.geography.municipalities)} municipality rows, "
        f"2020 decision total {number(overview.totals['decision'].value)}, "
        f"reported spare {number(overview.totals['spare'].value)}"
    )


@cli.command()
@click.argument("year", type=int, required=False)
@by_option
@db_option
@click.pass_context
def year(ctx: click.Context, year: int | None, by: str | None) -> None:
    """Show the planning year, or set it: the default year of every answer, report,
    batch and overview (recorded in the history).

    Example:

    \b
        capacity year
        capacity year 2021
    """
    svc = service(ctx)
    if year is None:
        click.echo(f"The planning year is {svc.planning_year()}")
        return
    before, after = svc.set_planning_year(year, actor(by))
    click.echo(f"The planning year is {after}" + (f" (was {before})" if before != after else ""))


def described(info: DatabaseInfo) -> str:
    """`1.6 MB, schema version 4, 1 450 history records`: what a checked database holds."""
    return (
        f"{info.size / 1_000_000:.1f} MB, schema version {info.schema_version}, "
        f"{number(info.history_records)} history records"
    )


@cli.command("backup")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--list", "listing", is_flag=True, help="List the backups in FILE, a directory.")
@click.option("--prune", is_flag=True, help="Apply the retention to the backups in FILE.")
@click.option(
    "--keep",
    envvar="CAPACITY_BACKUP_KEEP",
    default=DEFAULT_KEEP,
    show_default=True,
    help="The retention: the newest backup of each of the last N days (Nd) and weeks (Nw).",
)
@click.option("--dry-run", is_flag=True, help="With --prune: say what it would delete.")
@db_option
@click.pass_context
def backup_command(
    ctx: click.Context, file: Path, listing: bool, prune: bool, keep: str, dry_run: bool
) -> None:
    """Copy the database to FILE while the bot keeps serving, and check the copy.

    The copy is made with SQLite's online backup API, so it holds every committed
    change, also those still in the write-ahead log that copying capacity.db would miss,
    and it passes PRAGMA integrity_check before it gets its name. FILE is a new file, or
    a directory to put capacity-<UTC time>.db in; an existing file is never overwritten.

    --list DIR shows the backups in the directory (the bot's CAPACITY_BACKUP_DIR):
    when each was taken, its size, whether it passes the check a restore makes, and
    whether the retention keeps it. --prune DIR applies the retention by hand
    (--keep, or CAPACITY_BACKUP_KEEP: the newest backup of each of the last 7 days and
    of the last 4 weeks that have one). Only files named as backups are touched.

    Example:

    \b
        capacity backup /var/backups/capacity/
        capacity backup capacity-2026-12-02.db --db data/capacity.db
        capacity backup --list /var/backups/capacity/
        capacity backup --prune /var/backups/capacity/ --keep "14d 8w" --dry-run
    """
    if listing or prune:
        if listing:
            return list_backups(ctx, file, keep)
        return prune_backups(ctx, file, keep, dry_run)
    from capacity.storage.backup import backup

    result = backup(db_path(ctx), file)
    click.echo(
        f"Backed up {result.source} to {result.target} in {result.seconds:.2f} s: "
        f"{described(result.info)}; integrity check ok"
    )


@cli.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@db_option
@click.pass_context
def restore_command(ctx: click.Context, file: Path) -> None:
    """Replace the database with the backup FILE, keeping the replaced one beside it.

    FILE must be a sound capacity-bot database (a file from `capacity backup`) of a
    schema this version knows, holding exactly the schema its migrations make and only
    rows the bot could have made (every row is checked with the rules `capacity import`
    applies; a refusal names the table, row and column); an older one is migrated once
    restored. The database it
    replaces is first copied to <database>.replaced-<UTC time>, so nothing is lost. The
    database need not exist. A running bot sees the restored data at its next read, but
    a change made while the restore runs can be in neither file: stop the bot first.

    Example:

    \b
        capacity restore /var/backups/capacity/capacity-20261202T103000.db
    """
    from capacity.transfer.restore import restore_backup

    result = restore_backup(file, db_path(ctx, must_exist=False))
    click.echo(f"Restored {file} into {result.target}: {described(result.info)}")
    if result.migrated:
        click.echo(f"Migrated it: {', '.join(result.migrated)}")
    if result.replaced:
        click.echo(f"The replaced database is kept as {result.replaced}")


def _role_command(name: str, doc: str) -> None:
    @cli.command(name, help=doc)
    @click.argument("user_id")
    @click.argument("role", type=click.Choice(sorted(ROLE_WORDS), case_sensitive=False))
    @click.argument("municipality", required=False)
    @by_option
    @db_option
    @click.pass_context
    def command(
        ctx: click.Context, user_id: str, role: str, municipality: str | None, by: str | None
    ) -> None:
        use_case = getattr(service(ctx), name)
        role = ROLE_WORDS[role.lower()].value  # redaktør is editor
        user_id = slack_user(user_id)  # an e-mail address is looked up in Slack
        done = use_case(user_id, role, actor(by), municipality)
        what = f"{role} of {municipality}" if municipality else role
        if name == "grant":
            click.echo(f"{user_id} is {what}" + ("" if done else " (already)"))
        else:
            click.echo(f"Revoked {what} from {user_id}" if done else f"{user_id} was not {what}")


_role_command(
    "grant",
    "Grant a Slack user a role: admin (every municipality) or editor of one municipality."
    " USER_ID is a Slack user id, or an e-mail address looked up in Slack"
    " (users.lookupByEmail, with SLACK_BOT_TOKEN at SLACK_API_URL)."
    "\n\nExample:\n\n\b\n    capacity grant U012ABCDEF editor Trondheim"
    "\n    capacity grant kari.nordmann@trondheim.kommune.no editor Trondheim",
)
_role_command(
    "revoke",
    "Take a role back from a user.\n\nExample:\n\n\b\n    capacity revoke U012ABCDEF editor Trondheim",
)


@cli.command()
@click.argument("user_id")
@db_option
@click.pass_context
def roles(ctx: click.Context, user_id: str) -> None:
    """List a user's roles.

    Example:

    \b
        capacity roles U012ABCDEF
    """
    found = service(ctx).roles(user_id)
    if not found:
        click.echo(f"{user_id} has no roles (may query, may not change figures)")
    for role, municipality in found:
        click.echo(role.value + (f" of {municipality.label}" if municipality else ""))
