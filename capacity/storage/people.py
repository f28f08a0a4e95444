"""Who people are, by the names they acted under: each history record keeps its actor's
id and the name Slack gave with the request (`user_name`), so the latest name an id
acted under is the name to show beside it."""

from __future__ import annotations

from collections.abc import Iterable

from capacity.storage.store import Database


def names(db: Database, ids: Iterable[str] | None = None) -> dict[str, str]:
    """The name each actor last acted under, by id (those who never gave one: absent).
    Only `ids` when given."""
    where, params = "actor_name != ''", []
    if ids is not None:
        params = sorted(set(ids))
        if not params:
            return {}
        where += f" AND actor IN ({', '.join('?' * len(params))})"
    # SQLite's bare column beside MAX(): the row with the latest id gives the name
    sql = f"SELECT actor, actor_name, MAX(id) FROM changes WHERE {where} GROUP BY actor"
    return {actor: name for actor, name, _ in db.conn.execute(sql, params).fetchall()}
