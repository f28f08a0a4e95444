"""Block Kit pieces that say what is left, the same on every surface (pure): the table
of municipalities (remaining, reported, reserved; settled via batches and overbooked in
columns of their own) and its notes."""

from __future__ import annotations

from bot.i18n import Texts
from capacity.domain.totals import room_left
from capacity.models import CapacityLine, Total
from capacity.texts import standing


def table(lines: list[CapacityLine], t: Texts) -> str:
    """Remaining, reported and reserved per municipality; settled via batches and
    overbooked in columns of their own when any municipality has them."""
    settled = any(line.settled for line in lines)
    over = any(line.overbooked for line in lines)
    width = max([len(t("col_municipality"))] + [len(line.municipality.name_no) for line in lines])
    head = [f"{t('col_municipality'):<{width}}", f"{t('col_remaining'):>6}",
            f"{t('col_reported'):>6}", f"{t('col_reserved'):>6}"]  # fmt: skip
    if settled:
        head.append(f"{standing.text(t, 'col_settled'):>6}")
    if over:
        head.append(f"{standing.text(t, 'col_overbooked'):>6}")
    rows = [" ".join(head)]
    for line in lines:
        cells = [f"{line.municipality.name_no:<{width}}", f"{cell(line.remaining, t):>6}",
                 f"{cell(line.spare, t):>6}", f"{t.number(line.reserved_open):>6}"]  # fmt: skip
        if settled:
            cells.append(f"{t.number(line.settled):>6}")
        if over:
            cells.append(f"{t.number(line.overbooked) if line.overbooked else '':>6}")
        rows.append(" ".join(cells))
    return "```\n" + "\n".join(rows) + "\n```"


def table_notes(lines: list[CapacityLine], totals: dict[str, Total], t: Texts) -> list[str]:
    """What the table's extra columns mean, and why the total is less than the column of
    places left when some are overbooked."""
    notes = []
    settled, over = any(line.settled for line in lines), any(line.overbooked for line in lines)
    if settled or over:
        parts = [standing.text(t, "columns_note")]
        parts += [standing.text(t, "columns_settled")] if settled else []
        parts += [standing.text(t, "columns_overbooked")] if over else []
        notes.append(" ".join(parts))
    if note := standing.room_note(t, totals, room_left(lines)):
        notes.append(note)
    return notes


def cell(value: int | None, t: Texts) -> str:
    return "–" if value is None else t.number(value)
