"""Listeners grouped by Slack surface; each module has `register(app, deps)`."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.listeners import (
    actions,
    commands,
    errors,
    history,
    home,
    pace,
    plan_file,
    relocation,
    rounds,
)
from bot.listeners.deps import Deps
from bot.listeners.front import Front, TakeFirst


def register(app: AsyncApp, deps: Deps) -> None:
    # The one global middleware: a request that came without an edge (bot.http,
    # bot.socket_mode) is taken by the front here; one an edge took passes at once
    app.use(TakeFirst(Front(deps)))
    commands.register(app, deps)
    actions.register(app, deps)
    relocation.register(app, deps)
    home.register(app, deps)
    pace.register(app, deps)
    rounds.register(app, deps)
    history.register(app, deps)
    plan_file.register(app, deps)
    errors.register(app, deps)


__all__ = ["Deps", "register"]
