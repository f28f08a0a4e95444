"""People by name beside their ids (exports and summaries show both). Reads only."""

from __future__ import annotations

from collections.abc import Iterable

from capacity.storage import people
from capacity.usecases.core import Core


def names(core: Core, ids: Iterable[str] | None = None) -> dict[str, str]:
    """The name each actor last acted under, by id; only `ids` when given."""
    with core.store.read() as db:
        return people.names(db, ids)
