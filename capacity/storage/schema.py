"""The database schema: sqlite-utils migrations, applied in order and recorded.

With the repositories (`repository.py`, `batch_repository.py`, `outbox.py`), the only
place that knows table names.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from capacity.storage import backup_runs, replays
from capacity.storage.snapshots import adopt, rebuild_all

migrations = Migrations("capacity")


@migrations()
def m001_initial(db: Database) -> None:
    db.execute(
        """CREATE TABLE municipalities (
            structure INTEGER NOT NULL,
            number TEXT NOT NULL CHECK (length(number) = 4),
            name TEXT NOT NULL,
            name_no TEXT NOT NULL,
            PRIMARY KEY (structure, number))"""
    )
    db.execute(
        """CREATE TABLE crosswalk (
            number_2020 TEXT NOT NULL,
            number_2024 TEXT NOT NULL,
            change TEXT NOT NULL,
            PRIMARY KEY (number_2020, number_2024))"""
    )
    db.execute(
        """CREATE TABLE groups (
            name TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            aliases TEXT NOT NULL DEFAULT '')"""
    )
    db.execute(
        """CREATE TABLE group_members (
            group_name TEXT NOT NULL REFERENCES groups(name),
            number_2024 TEXT NOT NULL,
            PRIMARY KEY (group_name, number_2024))"""
    )
    # Append-only history. Every other table's current state is explained here.
    db.execute(
        """CREATE TABLE changes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            actor_name TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL DEFAULT '',
            reason TEXT NOT NULL DEFAULT '',
            entity TEXT NOT NULL,
            key TEXT NOT NULL,
            before TEXT,
            after TEXT)"""
    )
    db.execute("CREATE INDEX changes_by_key ON changes (entity, key, id)")
    db.execute(
        """CREATE TRIGGER changes_append_only_update BEFORE UPDATE ON changes
           BEGIN SELECT RAISE(ABORT, 'history is append-only'); END"""
    )
    db.execute(
        """CREATE TRIGGER changes_append_only_delete BEFORE DELETE ON changes
           BEGIN SELECT RAISE(ABORT, 'history is append-only'); END"""
    )
    # Current figures; value NULL is "unknown" (IMDi's ':'), never 0.
    db.execute(
        """CREATE TABLE figures (
            number TEXT NOT NULL,
            year INTEGER NOT NULL,
            measure TEXT NOT NULL,
            value INTEGER,
            change_id INTEGER NOT NULL REFERENCES changes(id),
            PRIMARY KEY (number, year, measure))"""
    )
    db.execute("CREATE INDEX figures_by_year ON figures (year, measure)")
    db.execute(
        """CREATE TABLE batches (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            year INTEGER NOT NULL,
            persons INTEGER NOT NULL CHECK (persons > 0),
            households TEXT NOT NULL DEFAULT '[]',
            scope TEXT NOT NULL,
            status TEXT NOT NULL,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            UNIQUE (name, year))"""
    )
    db.execute(
        """CREATE TABLE allocations (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            batch_id INTEGER NOT NULL REFERENCES batches(id),
            number TEXT NOT NULL,
            year INTEGER NOT NULL,
            persons INTEGER NOT NULL CHECK (persons > 0),
            households TEXT NOT NULL DEFAULT '[]',
            active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            released_at TEXT,
            request_key TEXT UNIQUE)"""
    )
    db.execute("CREATE INDEX allocations_by_place ON allocations (number, year, active)")
    db.execute("CREATE INDEX allocations_by_batch ON allocations (batch_id)")
    db.execute(
        """CREATE TABLE roles (
            user_id TEXT NOT NULL,
            role TEXT NOT NULL,
            number TEXT NOT NULL DEFAULT '',
            granted_at TEXT NOT NULL,
            granted_by TEXT NOT NULL,
            PRIMARY KEY (user_id, role, number))"""
    )
    # Transactional outbox: domain events written with the change that caused them.
    db.execute(
        """CREATE TABLE outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            created_at TEXT NOT NULL,
            dedupe_key TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            payload TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT,
            last_error TEXT NOT NULL DEFAULT '',
            sent_at TEXT,
            delivery_ref TEXT NOT NULL DEFAULT '')"""
    )
    db.execute("CREATE INDEX outbox_pending ON outbox (status, next_attempt_at)")


@migrations()
def m002_indexes_for_history_and_sums(db: Database) -> None:
    # "As of" reads walk a figure's history by time; the sums of reservations per place
    # and per year read the index alone.
    db.execute("CREATE INDEX changes_by_key_time ON changes (entity, key, at)")
    db.execute("DROP INDEX allocations_by_place")
    db.execute("CREATE INDEX allocations_by_place ON allocations (year, number, active, persons)")


@migrations()
def m003_batch_totals_index(db: Database) -> None:
    # A batch's assigned total is read on every assignment: from the index alone.
    db.execute("DROP INDEX allocations_by_batch")
    db.execute("CREATE INDEX allocations_by_batch ON allocations (batch_id, active, persons)")


@migrations()
def m004_reservation_totals(db: Database) -> None:
    # Totals of active reservations per place and year and per batch, kept by triggers in
    # the same transaction as the allocation rows, so that answering a municipality or
    # checking a batch reads one row, however many assignments there have been.
    db.execute(
        """CREATE TABLE reserved (
            number TEXT NOT NULL,
            year INTEGER NOT NULL,
            persons INTEGER NOT NULL CHECK (persons >= 0),
            PRIMARY KEY (number, year))"""
    )
    db.execute("ALTER TABLE batches ADD COLUMN allocated INTEGER NOT NULL DEFAULT 0")
    add = """INSERT INTO reserved (number, year, persons)
                 VALUES (NEW.number, NEW.year, NEW.persons)
                 ON CONFLICT (number, year) DO UPDATE SET persons = persons + NEW.persons;
             UPDATE batches SET allocated = allocated + NEW.persons WHERE id = NEW.batch_id;"""
    remove = """UPDATE reserved SET persons = persons - NEW.persons
                    WHERE number = NEW.number AND year = NEW.year;
                UPDATE batches SET allocated = allocated - NEW.persons WHERE id = NEW.batch_id;"""
    for name, when, body in (
        ("allocation_added", "AFTER INSERT ON allocations WHEN NEW.active = 1", add),
        (
            "allocation_released",
            "AFTER UPDATE OF active ON allocations WHEN OLD.active = 1 AND NEW.active = 0",
            remove,
        ),
        (
            "allocation_restored",
            "AFTER UPDATE OF active ON allocations WHEN OLD.active = 0 AND NEW.active = 1",
            add,
        ),
    ):
        db.execute(f"CREATE TRIGGER {name} {when} BEGIN {body} END")
    rebuild_totals(db)


# What triggers derive from other rows (m004), and what snapshot imports derive from the
# history (pace_snapshots): left out of a dump and rebuilt after a load.
DERIVED_TABLES = frozenset({"reserved", "snapshots", "snapshot_points", "snapshot_paces"})
DERIVED_COLUMNS = {"batches": frozenset({"allocated"})}
# Kept for minutes, by and for the running bots (`replays`): in no export, cleared by a
# restore.
TRANSIENT_TABLES = frozenset({"replays"})


def known_migrations() -> tuple[str, ...]:
    """The names of this code's migrations, in order (a database that has applied a
    name not among them was written by a newer version)."""
    return tuple(migration.name for migration in migrations.pending(Database(memory=True)))


def rebuild_derived(db: Database) -> None:
    """Recompute what triggers keep, if the schema has it yet (after a bulk load)."""
    if db.table("reserved").exists():
        rebuild_totals(db)
    if db.table("snapshots").exists():
        rebuild_all(db)


def rebuild_totals(db: Database) -> None:
    """Recompute the reservation totals from the allocation rows (after a bulk load)."""
    db.execute("DELETE FROM reserved")
    db.execute(
        "INSERT INTO reserved (number, year, persons) SELECT number, year, sum(persons) "
        "FROM allocations WHERE active = 1 GROUP BY number, year"
    )
    db.execute(
        "UPDATE batches SET allocated = coalesce((SELECT sum(persons) FROM allocations a "
        "WHERE a.batch_id = batches.id AND a.active = 1), 0)"
    )


@migrations()
def m005_settings_and_source_dates(db: Database) -> None:
    # Settings kept with the data (the planning year), changed through the history.
    db.execute("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    # The date a source gives for what it says ("2020-09": the KS letter names a month;
    # "2023-09-25": the day IMDi's table was taken), beside when it was recorded.
    db.execute("ALTER TABLE changes ADD COLUMN source_date TEXT NOT NULL DEFAULT ''")


@migrations()
def m006_linked_households_previews_scores(db: Database) -> None:
    # Households as they move: a JSON list of units, each a list of linked household
    # sizes ([[5], [4, 3]]). NULL on rows from before: every household is a unit alone.
    db.execute("ALTER TABLE batches ADD COLUMN units TEXT")
    db.execute("ALTER TABLE allocations ADD COLUMN units TEXT")
    # A batch's assignments a page at a time, in the order they were made.
    db.execute("CREATE INDEX allocations_by_batch_id ON allocations (batch_id, id)")
    # What a Confirm button confirms: a plan or an assignment as it was shown, kept here
    # so that the button carries only its key. Applied once: `applied_at` and the
    # allocations it made are set in the same transaction as the allocations.
    db.execute(
        """CREATE TABLE previews (
            key TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            batch_id INTEGER NOT NULL REFERENCES batches(id),
            lines TEXT NOT NULL,
            facts TEXT NOT NULL DEFAULT '{}',
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            applied_at TEXT,
            applied_by TEXT,
            allocations TEXT)"""
    )
    db.execute("CREATE INDEX previews_by_expiry ON previews (expires_at)")
    # Scores per municipality (a predicted employment rate, say): the plan's third stage.
    db.execute(
        """CREATE TABLE scores (
            number TEXT PRIMARY KEY CHECK (length(number) = 4),
            score REAL NOT NULL,
            source TEXT NOT NULL,
            imported_at TEXT NOT NULL,
            imported_by TEXT NOT NULL)"""
    )


@migrations()
def pace_snapshots(db: Database) -> None:
    # Snapshots of IMDi's figures (issue 19): each import of one, with its day and the
    # year it is about; its figures are history records dated the end of that day.
    db.execute(
        """CREATE TABLE snapshots (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            day TEXT NOT NULL,
            year INTEGER NOT NULL,
            name TEXT NOT NULL,
            digest TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            imported_at TEXT NOT NULL,
            actor TEXT NOT NULL,
            replaced INTEGER NOT NULL DEFAULT 0,
            years TEXT NOT NULL DEFAULT '[]')"""
    )
    db.execute("CREATE INDEX snapshots_by_year ON snapshots (year, day)")
    # Derived from the history at each import: settled and decision per municipality at
    # each of the year's snapshots (NULL: unknown or none), and the country's change
    # between consecutive snapshots, so that a national answer never reads the history.
    db.execute(
        """CREATE TABLE snapshot_points (
            year INTEGER NOT NULL,
            day TEXT NOT NULL,
            number TEXT NOT NULL,
            settled INTEGER,
            decision INTEGER,
            PRIMARY KEY (year, day, number))"""
    )
    db.execute("CREATE INDEX snapshot_points_by_number ON snapshot_points (year, number, day)")
    db.execute(
        """CREATE TABLE snapshot_paces (
            year INTEGER NOT NULL,
            start TEXT NOT NULL,
            end TEXT NOT NULL,
            delta INTEGER NOT NULL,
            PRIMARY KEY (year, start))"""
    )
    adopt(db)  # the dated IMDi figures a database holds already (the bundled table)


@migrations()
def rounds_tables(db: Database) -> None:
    # Collection rounds (innhenting): a round's municipalities are frozen when it opens;
    # each has at most one answer, changed in place until the round closes (every
    # change is in the history). `version` moves with each change its tracker shows.
    db.execute(
        """CREATE TABLE rounds (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            name_key TEXT NOT NULL UNIQUE,
            year INTEGER NOT NULL,
            scope TEXT NOT NULL,
            scope_title TEXT NOT NULL,
            deadline TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
            opened_at TEXT NOT NULL,
            opened_by TEXT NOT NULL,
            opened_by_name TEXT NOT NULL DEFAULT '',
            closed_at TEXT,
            closed_by TEXT NOT NULL DEFAULT '',
            version INTEGER NOT NULL DEFAULT 0)"""
    )
    db.execute(
        """CREATE TABLE round_members (
            round_id INTEGER NOT NULL REFERENCES rounds(id),
            number TEXT NOT NULL CHECK (length(number) = 4),
            PRIMARY KEY (round_id, number))"""
    )
    db.execute(
        """CREATE TABLE round_answers (
            round_id INTEGER NOT NULL REFERENCES rounds(id),
            number TEXT NOT NULL,
            spare INTEGER NOT NULL CHECK (spare >= 0),
            decision INTEGER CHECK (decision >= 0),
            decision_expected TEXT,
            extra INTEGER CHECK (extra >= 0),
            comment TEXT NOT NULL DEFAULT '',
            answered_by TEXT NOT NULL,
            answered_by_name TEXT NOT NULL DEFAULT '',
            answered_at TEXT NOT NULL,
            late INTEGER NOT NULL DEFAULT 0,
            change_id INTEGER REFERENCES changes(id),
            PRIMARY KEY (round_id, number))"""
    )
    # "Remind me tomorrow": a person's reminders of a round held until `until`
    db.execute(
        """CREATE TABLE round_snoozes (
            round_id INTEGER NOT NULL REFERENCES rounds(id),
            user_id TEXT NOT NULL,
            snoozed_at TEXT NOT NULL,
            until TEXT NOT NULL,
            PRIMARY KEY (round_id, user_id))"""
    )
    # The tracker message in the coordination channel: which message it is, what it
    # shows (the round's version), when it was last written (wall-clock seconds, for
    # Slack's rate limit), and which process may write it (a lease).
    db.execute(
        """CREATE TABLE round_trackers (
            round_id INTEGER PRIMARY KEY REFERENCES rounds(id),
            channel TEXT NOT NULL,
            ts TEXT NOT NULL DEFAULT '',
            posts INTEGER NOT NULL DEFAULT 0,
            shown TEXT NOT NULL DEFAULT '',
            written_at REAL NOT NULL DEFAULT 0,
            lease_owner TEXT NOT NULL DEFAULT '',
            lease_until REAL NOT NULL DEFAULT 0)"""
    )
    # A person's direct-message channel with the bot (conversations.open), opened once
    db.execute(
        """CREATE TABLE dm_channels (
            user_id TEXT PRIMARY KEY,
            channel TEXT NOT NULL,
            opened_at TEXT NOT NULL)"""
    )


@migrations()
def backups_runs(db: Database) -> None:
    backup_runs.create(db)  # the scheduled backups, one row per scheduled time


@migrations()
def replays_table(db: Database) -> None:
    replays.create(db)  # the requests answered in the last 5 minutes, for their copies
