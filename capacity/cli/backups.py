"""`capacity backup --list DIR`, `capacity backup --prune DIR` (the backup directory the
bot's scheduled backups go to) and `capacity migrate [--check]` (upgrades)."""

from __future__ import annotations

from pathlib import Path

import click

from capacity.cli.common import cli, db_option, db_path, service
from capacity.cli.render import number
from capacity.domain.backups import parse_keep
from capacity.domain.rules import OSLO
from capacity.storage.backup_files import Checked, checked, listed
from capacity.usecases import upgrades
from capacity.usecases.backups import prune, retained


def _size(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def _line(found: Checked, keeping: bool) -> str:
    file = found.file
    when = f"{file.taken.astimezone(OSLO):%Y-%m-%d %H:%M}"
    if found.info is not None:
        check = (
            f"ok, schema version {found.info.schema_version}, "
            f"{number(found.info.history_records)} history records"
        )
    else:
        check = f"FAILS ITS CHECK: {found.problem}"
    fate = "kept" if keeping else "to prune"
    return f"{when}  {file.path.name}  {_size(file.size)}  {check}  [{fate}]"


def keep_option(text: str) -> object:
    try:
        return parse_keep(text)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--keep") from None


def list_backups(ctx: click.Context, directory: Path, keep_text: str) -> None:
    """Each backup in `directory` (newest first, Norwegian time): its size, whether it
    passes the check a restore makes, and whether the retention keeps it."""
    keep = keep_option(keep_text)
    files = listed(directory, db_path(ctx, must_exist=False))
    if not files:
        click.echo(f"No backups of {db_path(ctx, must_exist=False).name} in {directory}")
        return
    found = [checked(file) for file in reversed(files)]
    failing = {one.file.path for one in found if one.problem is not None}
    keeping = {file.path for file in retained(files, keep, lambda f: f.path not in failing)}  # type: ignore[arg-type]
    for one in found:
        click.echo(_line(one, one.file.path in keeping))
    click.echo(
        f"{len(files)} backup(s) in {directory}, {_size(sum(f.size for f in files))}; "
        f"{len(failing)} fail(s) their check; the retention ({keep or 'all'}) keeps "
        f"{len(keeping)} (times are Norwegian time)"
    )


def prune_backups(ctx: click.Context, directory: Path, keep_text: str, dry_run: bool) -> None:
    """Apply the retention to the backups in `directory`, by hand."""
    keep = keep_option(keep_text)
    done = prune(db_path(ctx, must_exist=False), directory, keep, dry_run=dry_run)  # type: ignore[arg-type]
    verb = "Would delete" if dry_run else "Deleted"
    click.echo(f"Kept {len(done.kept)} backup(s) ({keep or 'all'})")
    click.echo(f"{verb} {len(done.deleted)}" + "".join(f"\n  {f.path}" for f in done.deleted))
    for file, why in done.failed:
        click.echo(f"Could not delete {file.path}: {why}", err=True)
    if done.failed:
        raise SystemExit(1)


@cli.command()
@click.option("--check", is_flag=True, help="List what would be migrated; change nothing.")
@db_option
@click.pass_context
def migrate(ctx: click.Context, check: bool) -> None:
    """Apply this version's migrations to the database, backing it up first (beside it,
    named for its schema version: capacity.db.schema-8-<UTC time>). `capacity-bot serve`
    and every command do the same when they open an older database; a database of a
    newer version is refused.

    --check lists the migrations that would run, and changes nothing: exit status 0
    when there are none, 1 when there are.

    Example:

    \b
        capacity migrate --check
        capacity migrate --db /var/lib/capacity-bot/capacity.db
    """
    path = db_path(ctx)
    if check:
        found = upgrades.check(path)
        if found.unknown:
            raise click.ClickException(
                f"{path} was written by a newer version of capacity-bot (migrations this "
                f"version does not know: {', '.join(found.unknown)}); it would be refused"
            )
        if not found.pending:
            click.echo(f"{path}: schema version {found.version}, up to date; nothing to apply")
            return
        click.echo(
            f"{path}: schema version {found.version}; this version would apply "
            f"{len(found.pending)} migration(s), after a backup beside it:"
        )
        for name in found.pending:
            click.echo(f"  {name}")
        raise SystemExit(1)
    opened = service(ctx, announce=False)
    if opened.upgrade is None:
        click.echo(f"{path}: schema version {opened.version()}, up to date; nothing to apply")
    else:
        click.echo(str(opened.upgrade))
