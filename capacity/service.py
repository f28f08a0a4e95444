"""The facade the adapters call (the Slack bot, the admin CLI, imports and exports):
one object per process over the use-case modules, and `open_capacity`, which opens,
migrates and seeds a database.

Each method is a use case from `queries`, `figures`, `batches`, `assignments`,
`planning`, `scores` or `access`, called with this process's `Core`; nothing here holds logic of its own.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from capacity.domain.rules import DEFAULT_LOW_RATIO
from capacity.reference.geography import Geography
from capacity.storage import dump as dump_repository
from capacity.storage import figures as figures_db
from capacity.storage import repository
from capacity.storage.outbox import Outbox
from capacity.storage.replays import ReplayTable
from capacity.storage.schema import migrations
from capacity.storage.store import (
    DEFAULT_BUSY_TIMEOUT,
    Store,
    checking,
    default_db_path,
    nothing_left_if_refused,
)
from capacity.usecases import (
    access,
    assignments,
    figures,
    planning,
    queries,
    releases,
    round_answers,
    round_messages,
    round_trackers,
    upgrades,
)
from capacity.usecases import backups as backup_cases
from capacity.usecases import batches as batch_cases
from capacity.usecases import home as homes
from capacity.usecases import monitoring as monitoring_cases
from capacity.usecases import pace as paces
from capacity.usecases import people as people_cases
from capacity.usecases import plan_file as plan_files
from capacity.usecases import rounds as round_cases
from capacity.usecases import scores as score_cases
from capacity.usecases import snapshots as snapshot_cases
from capacity.usecases import summary as summaries
from capacity.usecases.core import Clock, Core, Solved, utc_now
from capacity.usecases.seed import ensure_seeded

F = TypeVar("F", bound=Callable[..., Any])


def _use_case(function: F) -> F:
    """A method that runs `function` with this facade's core."""

    @functools.wraps(function)
    def method(self: Capacity, *args: Any, **kwargs: Any) -> Any:
        return function(self.core, *args, **kwargs)

    return method  # type: ignore[return-value]


class Capacity:
    """The capacity core's entry point: one per process, safe to share across threads."""

    def __init__(
        self, store: Store, *, clock: Clock = utc_now, low_ratio: float = DEFAULT_LOW_RATIO
    ) -> None:
        self.core = Core(store, clock=clock, low_ratio=low_ratio)
        self.outbox = Outbox(self.core.store, self.core.clock)
        self.upgrade: upgrades.Upgrade | None = None  # what `open_capacity` migrated
        # The requests answered in the last minutes, kept for their copies that reach
        # another process or come after a restart (none for a database in memory, which
        # no other process shares and which ends with this one). The core's clock, so a
        # rehearsal's driven time moves it.
        self.replays: ReplayTable | None = (
            None if store.memory else ReplayTable(store.path, lambda: self.core.clock().timestamp())
        )

    @classmethod
    def open(cls, path: str | Path | None = None, **options: Any) -> Capacity:
        return open_capacity(path, **options)

    @property
    def store(self) -> Store:
        return self.core.store

    @property
    def clock(self) -> Clock:
        return self.core.clock

    @property
    def geography(self) -> Geography:
        return self.core.geography

    @property
    def on_alert_queued(self) -> Callable[[], None] | None:
        return self.core.on_alert_queued

    @on_alert_queued.setter
    def on_alert_queued(self, callback: Callable[[], None] | None) -> None:
        self.core.on_alert_queued = callback

    @property
    def on_change(self) -> Callable[[], None] | None:
        """Called after every committed change of this process (reports, batches,
        assignments, roles, alerts delivered): the port an adapter refreshes its views
        through. It runs on the thread that wrote, so it must only schedule work."""
        return self.core.store.on_commit

    @on_change.setter
    def on_change(self, callback: Callable[[], None] | None) -> None:
        self.core.store.on_commit = callback

    @property
    def on_solved(self) -> Solved | None:
        """Told of each of the planner's solves, which and how long it took (an adapter's
        metrics); called on the thread that solved."""
        return self.core.solver.on_solved

    @on_solved.setter
    def on_solved(self, callback: Solved | None) -> None:
        self.core.solver.on_solved = callback

    def reload(self) -> None:
        self.core.reload()

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads inside see one consistent state of the database (for exports)."""
        with self.core.store.read():
            yield

    # -- health ----------------------------------------------------------------------

    def ping(self) -> None:
        """A read that proves the database answers; raises a refusal when it does not."""
        repository.ping(self.core.store.db)

    def health(self, *, writes: bool = True) -> None:
        """Whether this version can serve the database: it opens, its schema is the one
        this version knows, a read succeeds and (unless `writes=False`) a write would.
        Raises `DatabaseProblem` with the reason, and the check that failed as its
        `check` fact: open, database (schema and read) or write."""
        self.core.store.check(writes=writes)

    monitoring = _use_case(monitoring_cases.monitoring)  # the outbox's backlog, the last backup

    def version(self) -> int:
        """The schema version: how many migrations are applied."""
        return len(migrations.applied(self.core.store.db))

    def generation(self) -> int:
        """Changes whenever the data may have changed (for an adapter's own caches)."""
        return self.core.store.generation()

    def has_figures(self) -> bool:
        return repository.has_figures(self.core.store.db)

    def figure_records(self) -> list[dict[str, Any]]:
        return figures_db.figure_records(self.core.store.db)

    def dump(self) -> dump_repository.Dump:
        """Every table's rows and the schema's migrations, as one state (the JSON export)."""
        with self.core.store.read() as db:
            return dump_repository.dump(db)

    # -- use cases -------------------------------------------------------------------

    resolve = _use_case(queries.resolve)
    municipality = _use_case(queries.municipality)
    years_with_figures = _use_case(queries.years_with_figures)
    national_years = _use_case(queries.national_years)
    latest_year = _use_case(queries.latest_year)
    capacity = _use_case(queries.capacity)
    planning_year = _use_case(queries.planning_year)
    scope = _use_case(queries.scope)
    scope_title = _use_case(queries.scope_title)
    overview = _use_case(queries.overview)
    history = _use_case(queries.history)
    room_for = _use_case(queries.room_for)
    pace = _use_case(paces.pace_of)
    people = _use_case(people_cases.names)

    report_spare = _use_case(figures.report_spare)
    set_figures = _use_case(figures.set_figures)
    set_planning_year = _use_case(figures.set_planning_year)
    import_snapshot = _use_case(snapshot_cases.import_snapshot)

    roles = _use_case(access.roles)
    is_admin = _use_case(access.is_admin)
    can_edit = _use_case(access.can_edit)
    require_admin = _use_case(access.require_admin)
    grant = _use_case(access.grant)
    revoke = _use_case(access.revoke)

    create_batch = _use_case(batch_cases.create_batch)
    batch = _use_case(batch_cases.batch)
    batches = _use_case(batch_cases.batches)
    set_status = _use_case(batch_cases.set_status)
    batch_page = _use_case(batch_cases.batch_page)
    batches_page = _use_case(batch_cases.batches_page)
    preview_cancel = _use_case(batch_cases.preview_cancel)
    confirm_cancel = _use_case(batch_cases.confirm_cancel)
    allocate = _use_case(assignments.allocate)
    preview_assignment = _use_case(assignments.preview_assignment)
    confirm_assignment = _use_case(assignments.confirm_assignment)
    release = _use_case(assignments.release)
    preview_release = _use_case(releases.preview_release)
    confirm_release = _use_case(releases.confirm_release)
    undo_release = _use_case(releases.undo_release)

    plan_batch = _use_case(planning.plan_batch)
    apply_plan = _use_case(planning.apply_plan)
    undo_plan = _use_case(planning.undo_plan)
    allocate_auto = _use_case(planning.allocate_auto)
    plan_file = _use_case(plan_files.plan_file)

    import_scores = _use_case(score_cases.import_scores)
    scores = _use_case(score_cases.scores)
    clear_scores = _use_case(score_cases.clear_scores)

    home = _use_case(homes.home)
    editable = _use_case(homes.editable)

    summary = _use_case(summaries.build)
    queue_summary = _use_case(summaries.queue)

    open_round = _use_case(round_cases.open_round)
    close_round = _use_case(round_cases.close_round)
    round = _use_case(round_cases.find)
    round_by_id = _use_case(round_cases.by_id)
    rounds = _use_case(round_cases.rounds)
    round_counts = _use_case(round_cases.counts)
    round_status = _use_case(round_cases.status)
    round_status_by_id = _use_case(round_cases.status_by_id)
    answer_round = _use_case(round_answers.answer_round)
    round_answer = _use_case(round_answers.current_answer)
    round_scope = _use_case(round_cases.scope_members)
    remind_round = _use_case(round_messages.remind)
    snooze_round = _use_case(round_messages.snooze)
    round_message_wanted = _use_case(round_messages.wanted)
    dm_channel = _use_case(round_messages.dm_channel)
    remember_dm = _use_case(round_messages.remember_dm)
    round_reminders = _use_case(round_messages.reminders_for)
    trackers_due = _use_case(round_trackers.due)
    take_tracker_lease = _use_case(round_trackers.take_lease)
    tracker_posting = _use_case(round_trackers.posting)
    tracker_written = _use_case(round_trackers.written)
    tracker_replaced = _use_case(round_trackers.replaced)

    take_scheduled_backup = _use_case(backup_cases.run)
    last_backup = _use_case(backup_cases.last_backup)

    # -- the outbox ------------------------------------------------------------------

    def alerts(self, status: str | None = None) -> list[Any]:
        return self.outbox.alerts(status)

    def retry_alerts(self, ids: Any = None) -> int:
        return self.outbox.retry(ids)


def open_capacity(
    path: str | Path | None = None,
    *,
    clock: Clock = utc_now,
    low_ratio: float = DEFAULT_LOW_RATIO,
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
) -> Capacity:
    """Open the database at `path`, creating, migrating and seeding it as needed; a
    database that cannot be served (`Capacity.health`) is refused, and one this call was
    to create is not left behind (an empty file on a full disk, say)."""
    with nothing_left_if_refused(str(path or default_db_path())):
        with checking("open", str(path or "")):
            store = Store(path, busy_timeout=busy_timeout)
        try:
            service = Capacity(store, clock=clock, low_ratio=low_ratio)
            with checking("open", store.path):
                service.upgrade = upgrades.migrate(service.core)  # an older schema backed up
                ensure_seeded(service.core)
            service.health(writes=False)  # the schema exactly as the migrations make it
        except BaseException:
            store.close()
            raise
    return service


__all__ = ["Capacity", "open_capacity"]
