"""The root command, its shared options, and the one mapping of the core's refusals to
click's error line (`Error: …` on stderr, exit status 1, never a traceback)."""

from __future__ import annotations

import getpass
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from capacity import errors
from capacity.domain import households, numbers
from capacity.models import Actor
from capacity.service import Capacity, open_capacity
from capacity.storage.store import default_db_path

F = TypeVar("F", bound=Callable[..., Any])

DB_HELP = (
    "SQLite database file (default: $CAPACITY_DB; else data/capacity.db in a checkout, "
    "and $XDG_STATE_HOME/capacity-bot/capacity.db, ~/.local/state/… by default, when "
    "installed)."
)


class Refused(click.ClickException):
    """A refusal of the core, shown as click shows its errors."""

    def __init__(self, error: errors.CapacityError) -> None:
        message = str(error)
        if error.code == "below_reserved":  # the command line's way to save it anyway
            message += " Add --force to save it."
        if isinstance(error, errors.InvalidImportFile):
            message += "".join(f"\n  line {line}: {reason}" for line, reason in error.problems)
        if isinstance(error, errors.InvalidExport):
            message += "".join(
                f"\n  {p.table}" + (f" row {p.row}" if p.row else "") + f", {p.column}: {p.what}"
                for p in error.problems
            )
            if error.facts["count"] > len(error.problems):
                message += f"\n  … and {error.facts['count'] - len(error.problems)} more"
        super().__init__(message)


class CapacityGroup(click.Group):
    """The root group: every command below it runs inside this error mapping."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except errors.CapacityError as error:
            raise Refused(error) from None
        except (OSError, UnicodeDecodeError) as error:
            raise click.ClickException(str(error)) from None


def _remember_db(ctx: click.Context, _: click.Parameter, value: str | None) -> None:
    if value:
        ctx.ensure_object(dict)
        ctx.find_root().obj["db"] = value


def db_option(func: F) -> F:
    """`--db FILE`, accepted before or after the subcommand."""
    return click.option(
        "--db",
        type=click.Path(dir_okay=False),
        expose_value=False,
        is_eager=True,
        callback=_remember_db,
        help=DB_HELP,
    )(func)


def by_option(func: F) -> F:
    return click.option("--by", "by", help="Who makes the change (default: your user name).")(func)


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")(func)


def db_path(ctx: click.Context, *, must_exist: bool = True) -> Path:
    """The database file the command works on: --db (before or after the subcommand),
    else CAPACITY_DB, else the default (`store.default_db_path`). With `must_exist`, a
    file that is not there is an error, not a new database (a mistyped path)."""
    path = Path(ctx.find_root().obj.get("db") or default_db_path())
    if must_exist and not path.exists():
        raise click.ClickException(
            f"No database at {path}; create it with: capacity init --db {path}"
        )
    return path


def service(ctx: click.Context, *, create: bool = False, announce: bool = True) -> Capacity:
    """Open the database once per command. A database named with --db or CAPACITY_DB
    must exist, unless the command creates it (`init`): a mistyped path is an error,
    not a new database. The default database is created and seeded on first use; an
    older one is backed up and migrated, and (with `announce`) stderr says so."""
    obj = ctx.find_root().obj
    if obj.get("service") is None:
        named = bool(obj.get("db"))
        obj["service"] = open_capacity(db_path(ctx, must_exist=named and not create))
        if announce and obj["service"].upgrade is not None:
            click.echo(str(obj["service"].upgrade), err=True)
    return obj["service"]


def actor(by: str | None) -> Actor:
    user = getpass.getuser()
    return Actor(id=f"cli:{user}", name=by or user, trusted=True)


def count_argument(words: tuple[str, ...], field: str) -> int:
    """A count as people write it (`1200`, `"1 200"`, `1.200`), over one argument or the
    several a shell makes of `1 000` unquoted; a count not understood, or `1,000` (a
    thousand, or 1 with decimals?), is refused with what was typed and nothing changes."""
    return numbers.count(" ".join(words), field)


def parse_households(text: str | None) -> tuple[int | tuple[int, ...], ...]:
    """`5,4+3,6`: household sizes, linked ones (who must live in the same place) by `+`."""
    if not text:
        return ()
    found = households.parse(text)
    if found is None:
        raise click.ClickException(
            "Household sizes are whole numbers separated by commas, with + between linked "
            f"households, like 5,4+3,6 (not {text!r})"
        )
    return found


@click.group(cls=CapacityGroup)
@click.option(
    "--db",
    type=click.Path(dir_okay=False),
    envvar="CAPACITY_DB",
    default=None,
    help=DB_HELP,
)
@click.version_option(package_name="capacity-bot")
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    """Spare settlement capacity per municipality: the admin command line.

    Example:

    \b
        capacity show Trondheim
    """
    ctx.ensure_object(dict)
    ctx.obj["db"] = db
