"""Render the Home tab as a person reads it, for an example state (docs/HOME.md).

    .venv/bin/python scripts/render_home.py [nb|nn|en] [--json]

A fresh seeded database in a temporary directory: Trondheim's editor (U_TRD, "kari")
reports 120 spare places, an admin (U_ADMIN) registers two batches and assigns part of
one, and an alert to the coordination channel has failed. Prints the Home of the editor
and of the admin: the blocks as text (`bot.terminal.render`), or as Block Kit JSON."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from bot.home_blocks import home_view
from bot.i18n import Texts
from bot.terminal import render
from capacity import Actor, open_capacity

CLI = Actor(id="cli:docs", name="docs", trusted=True)
EDITOR = Actor(id="U_TRD", name="kari")
ADMIN = Actor(id="U_ADMIN", name="ada")


def example(path: Path):
    service = open_capacity(path)
    service.grant(ADMIN.id, "admin", CLI)
    service.grant(EDITOR.id, "editor", CLI, "Trondheim")
    service.report_spare("Trondheim", 120, EDITOR, reason="nye kommunale boliger")
    moria = service.create_batch("Moria 2020", 50, ADMIN, households=(5, 4, 6, 5, 4, 6, 5, 5, 5, 5))
    service.allocate(moria.batch.id, "Trondheim", 15, ADMIN, households=(5, 4, 6))
    service.create_batch("<!channel> evac", 12, ADMIN)
    service.create_batch("Kos 2020", 900, ADMIN)  # does not fit: an alert is queued
    for alert in service.alerts("pending"):
        service.outbox.mark_failed(alert.id, "channel_not_found")
    return service


def main() -> None:
    language = next((a for a in sys.argv[1:] if not a.startswith("-")), "nb")
    with tempfile.TemporaryDirectory() as folder:
        service = example(Path(folder) / "capacity.db")
        moment = service.clock()
        for user in (EDITOR.id, ADMIN.id):
            view = home_view(service.home(user), Texts(language), moment)
            print(f"===== {user}: {len(view['blocks'])} blocks =====")
            print(json.dumps(view, ensure_ascii=False, indent=1) if "--json" in sys.argv
                  else render(view))  # fmt: skip
        service.store.close()


if __name__ == "__main__":
    main()
