"""A snapshot of IMDi's figures from its download: the file read and checked (IMDi's
long format only: a snapshot is IMDi's figures as they stood on a day), its day given
or read from its name (`…_2023-09-25.csv`), then recorded through the facade."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from capacity import errors
from capacity.domain.snapshots import day_in_name, parse_day
from capacity.models import Actor
from capacity.service import Capacity
from capacity.transfer.formats import _imdi_figures, _parser
from capacity.transfer.imports import _decode, _table, read
from capacity.usecases.snapshots import SnapshotImport


@dataclass(frozen=True)
class SnapshotSummary:
    """A snapshot's import, and the lines of the file skipped, by reason."""

    result: SnapshotImport
    skipped: dict[str, int] = field(default_factory=dict)


def is_imdi(data: bytes, name: str) -> bool:
    """Whether the file is IMDi's long download (by its header); a file that is no
    import file at all is refused here with its problems."""
    problems: list[tuple[int, str]] = []
    table = _table(_decode(data, name), problems)
    parser = _parser(table.header, []) if table is not None else None
    if table is None or parser is None:
        raise errors.InvalidImportFile(name, problems or [(1, "the header names no format")])
    return parser is _imdi_figures


def snapshot_day(name: str, as_of: str | None) -> date:
    """The day given (`2023-09-25`, `25.09.2023`), else the date in the file's name."""
    if as_of:
        return parse_day(as_of)
    found = day_in_name(name)
    if found is None:
        raise errors.InvalidInput("snapshot_undated", field="as_of", name=name)
    return found


def source_of(name: str, data: bytes, day: date) -> str:
    """What a snapshot's figures are attributed to: the file, its digest, and its day."""
    digest = hashlib.sha256(data).hexdigest()
    return f"import {name} (sha256 {digest[:12]}), IMDi's figures as of {day.isoformat()}"


def import_snapshot_bytes(
    service: Capacity,
    data: bytes,
    name: str,
    actor: Actor,
    *,
    as_of: str | None = None,
    years: Collection[int] | None = None,
    replace: bool = False,
) -> SnapshotSummary:
    """Record IMDi's download as its figures stood on its day, or refuse it and change
    nothing: not IMDi's format, no day, a day in the future or outside the file's year,
    or another file of the same day with other figures (unless `replace`)."""
    service.require_admin(actor, "import_figures")
    if not is_imdi(data, name):
        raise errors.InvalidInput("snapshot_format", field="path", name=name)
    day = snapshot_day(name, as_of)
    reading = read(data, service.geography, name=name)
    result = service.import_snapshot(
        [(f.number, f.year, f.measure, f.value) for f in reading.figures],
        actor,
        day=day,
        name=name,
        digest=hashlib.sha256(data).hexdigest(),
        source=source_of(name, data, day),
        years=years,
        replace=replace,
    )
    return SnapshotSummary(result, reading.skipped)


def import_snapshot_file(
    service: Capacity,
    path: Path,
    actor: Actor,
    *,
    as_of: str | None = None,
    years: Collection[int] | None = None,
    replace: bool = False,
) -> SnapshotSummary:
    path = Path(path)
    return import_snapshot_bytes(
        service, path.read_bytes(), path.name, actor, as_of=as_of, years=years, replace=replace
    )
