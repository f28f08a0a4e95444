"""The whole plan as a CSV file for a spreadsheet (pure): one row per municipality
given persons, largest first, then those with room given no one (0 persons). Headers
and numbers in the user's language; as Excel in Norwegian settings opens it (`;`,
UTF-8 with a BOM, CRLF); a text cell that starts like a formula gets a leading `'`,
as the exports do (`capacity.transfer.exports`)."""

from __future__ import annotations

import csv
import io

from bot.i18n import Texts
from bot.plan_notes_blocks import percent
from capacity.domain import households as hh
from capacity.transfer.exports import BOM, EXCEL_DELIMITER, FORMULA_STARTS
from capacity.usecases.plan_file import PlanFile

COLUMNS = ("municipality", "number", "persons", "households", "room", "room_after", "share")


def _cell(value: object) -> object:
    text = str(value)
    return "'" + text if isinstance(value, str) and text.startswith(FORMULA_STARTS) else value


def plan_csv(found: PlanFile, t: Texts) -> tuple[str, str]:
    """(file name, text) of the plan's CSV."""
    p = t.plain
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=EXCEL_DELIMITER, lineterminator="\r\n")
    writer.writerow([p.text("plan_notes", f"col_{column}", {}) for column in COLUMNS])
    for line in found.lines:
        m = line.municipality
        row = (m.name_no, m.number, line.persons, hh.text(line.units), line.room,
               line.room_after, percent(t, line.share))  # fmt: skip
        writer.writerow([_cell(cell) for cell in row])
    for room in found.idle:
        row = (room.name, room.number, 0, "", room.remaining, room.remaining, percent(t, 0.0))
        writer.writerow([_cell(cell) for cell in row])
    name = f"plan-{found.batch.id}-{found.batch.year}.csv"
    return name, BOM + buffer.getvalue()
