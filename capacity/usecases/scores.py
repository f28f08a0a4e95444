"""Scores per municipality: a number the plan prefers more of once everyone who can be
placed is placed as fairly as possible (its third stage), such as a predicted employment
rate. None by default; a CSV of `number,score` is imported with its source (the file's
name and digest), all of it or nothing, and replaces the scores kept before.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from dataclasses import dataclass
from typing import Any

from capacity import errors
from capacity.models import Actor
from capacity.storage import repository
from capacity.usecases.access import require_admin
from capacity.usecases.core import Core

HEADER = ("number", "score")


@dataclass(frozen=True)
class ScoresImported:
    count: int
    source: str


def parse_scores(data: bytes, name: str, known: set[str]) -> dict[str, float]:
    """Scores from a file's bytes, or `InvalidImportFile` listing every invalid line
    (1-based, the header being line 1). `known`: the municipality numbers that exist."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise errors.InvalidImportFile(name, [(1, "the file is not text")]) from None
    lines = [line for line in text.splitlines()]
    if not lines or not lines[0].strip():
        raise errors.InvalidImportFile(name, [(1, "the file is empty")])
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    header = tuple(cell.strip().lower() for cell in rows[0])
    if header[:2] != HEADER:
        raise errors.InvalidImportFile(name, [(1, "the header must be: number,score")])
    found: dict[str, float] = {}
    problems: list[tuple[int, str]] = []
    for line, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        number = cells[0].strip() if cells else ""
        value = cells[1].strip().replace(",", ".") if len(cells) > 1 else ""
        if not re.fullmatch(r"[0-9]{4}", number):
            problems.append((line, f"'{number[:20]}' is not a 4-digit municipality number"))
        elif number not in known:
            problems.append((line, f"no municipality has number {number}"))
        elif number in found:
            problems.append((line, f"{number} has a score already"))
        try:
            score = float(value)
            if not math.isfinite(score):
                raise ValueError(value)
        except ValueError:
            problems.append((line, f"'{value[:20]}' is not a number"))
            continue
        found.setdefault(number, score)
    if problems:
        raise errors.InvalidImportFile(name, problems)
    if not found:
        raise errors.InvalidImportFile(name, [(2, "the file has no scores")])
    return found


def import_scores(core: Core, data: bytes, name: str, actor: Actor) -> ScoresImported:
    """Keep the scores of a file (replacing those kept before), attributed to it."""
    require_admin(core, actor, "import_figures")
    known = {m.number for m in core.geography.municipalities}
    values = parse_scores(data, name, known)
    source = f"{name} (sha256 {hashlib.sha256(data).hexdigest()[:12]})"
    with core.store.write() as db:
        now = core.now()
        repository.replace_scores(db, values, source, now, actor.id)
        repository.record(
            db, now, actor, "scores", "scores", None, {"count": len(values)}, source=source
        )
    return ScoresImported(len(values), source)


def scores(core: Core) -> list[dict[str, Any]]:
    """The scores kept: number, score, source, when and by whom they were imported."""
    return repository.score_rows(core.store.db)


def clear_scores(core: Core, actor: Actor) -> int:
    """Forget the scores: plans go back to two stages. Returns how many were kept."""
    require_admin(core, actor, "import_figures")
    with core.store.write() as db:
        count = len(repository.score_rows(db))
        repository.replace_scores(db, {}, "", core.now(), actor.id)
        if count:
            repository.record(db, core.now(), actor, "scores", "scores", {"count": count}, None)
    return count
