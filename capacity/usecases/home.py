"""A user's dashboard (the Slack app's Home tab): what they look at before asking.

Pure data from one consistent read: the planning year; for an editor, their
municipalities (reported, reserved, remaining, and the last change with who made it);
the city network's table with totals; the batches still under way with their state and
what is not yet assigned; and, for an admin, the alerts waiting or failed in the outbox.
The adapters render it (`bot.home_blocks`); nothing here knows about Slack.
"""

from __future__ import annotations

from capacity.domain.pace_scope import ScopePace
from capacity.domain.rounds import RoundsHome
from capacity.domain.rules import totals
from capacity.models import Actor, Alert, Batch, CapacityLine, Change, Model, Overview, Role
from capacity.reference.geography import structure_for
from capacity.storage import batches as batches_db
from capacity.storage import figures as figures_db
from capacity.storage import repository
from capacity.storage.outbox import alert_counts, latest_alerts
from capacity.usecases.access import is_admin
from capacity.usecases.batches import load
from capacity.usecases.core import Core
from capacity.usecases.pace import network_pace
from capacity.usecases.queries import (
    DEFAULT_SCOPE,
    planning_year,
    scope,
    scope_members,
    scope_title,
)
from capacity.usecases.rounds import home as rounds_home

MAX_PLACES = 10  # an editor's municipalities shown (a few, in practice)
MAX_BATCHES = 10  # open batches shown; the count says how many there are
MAX_ALERTS = 5  # newest pending or failed alerts shown to an admin
FEW = 40  # a network this small is read municipality by municipality


class Place(Model):
    """An editor's municipality in the planning year, with its last recorded change."""

    line: CapacityLine
    last_change: Change | None = None


class OpenBatch(Model):
    batch: Batch
    scope_title: str


class AlertsState(Model):
    """The outbox as an admin sees it: counts by state and the newest not yet sent."""

    pending: int
    failed: int
    latest: tuple[Alert, ...]


class Home(Model):
    user_id: str
    year: int
    admin: bool
    places: tuple[Place, ...]  # the municipalities this user edits (none: not an editor)
    network: Overview
    batches: tuple[OpenBatch, ...]
    open_batches: int  # how many there are in all (more than shown when many)
    alerts: AlertsState | None = None  # admins only
    pace: ScopePace | None = None  # the network's pace through the year
    rounds: RoundsHome = RoundsHome()  # collection rounds waiting for answers, open ones


def _editor_places(core: Core, user_id: str, year: int) -> list:
    """The municipalities an editor role names, in the planning year's structure."""
    structure = structure_for(year)
    found = []
    for role, number in repository.roles(core.store.db, user_id):
        if role != Role.EDITOR.value or not number:
            continue
        place = core.geography.any_structure(number)
        if place is None:
            continue
        for projected in core.geography.project(place, structure):
            if projected not in found:
                found.append(projected)
    return found[:MAX_PLACES]


def home(core: Core, user_id: str) -> Home:
    """The Home of one user (a Slack user id; roles are looked up, never trusted)."""
    actor = Actor(id=user_id)
    year = planning_year(core)
    admin = is_admin(core, actor)
    key, title, _ = scope(core, DEFAULT_SCOPE)
    members = scope_members(core, key, year)
    mine = _editor_places(core, user_id, year)
    with core.store.read() as db:
        # A few members: their own rows (figures_db.lines reads the whole country's year)
        network_lines = (
            tuple(figures_db.line(db, m, year) for m in members)
            if len(members) <= FEW
            else figures_db.lines(db, members, year)
        )
        places = tuple(
            Place(
                line=figures_db.line(db, place, year),
                last_change=next(
                    iter(repository.history(db, core.geography.lineage_numbers(place), limit=1)),
                    None,
                ),
            )
            for place in mine
        )
        ids = batches_db.open_batch_ids(db)
        batches = tuple(
            OpenBatch(batch=batch, scope_title=scope_title(core, batch.scope))
            for batch in (load(core, db, batch_id) for batch_id in ids[:MAX_BATCHES])
        )
        alerts = None
        if admin:
            counts = alert_counts(db)
            alerts = AlertsState(
                pending=counts.get("pending", 0),
                failed=counts.get("failed", 0),
                latest=tuple(latest_alerts(db, ("pending", "failed"), MAX_ALERTS)),
            )
    network = Overview(
        title=title, scope=key, year=year, lines=network_lines, totals=totals(network_lines)
    )
    return Home(
        user_id=user_id,
        year=year,
        admin=admin,
        places=places,
        network=network,
        batches=batches,
        open_batches=len(ids),
        alerts=alerts,
        pace=network_pace(core, year),
        rounds=rounds_home(core, user_id, admin),
    )


def editable(core: Core, user_id: str) -> list:
    """The municipalities a user may report for from the Home tab's form: an editor's
    own; an admin may report for any, so the form asks them for a name instead."""
    return _editor_places(core, user_id, planning_year(core))
