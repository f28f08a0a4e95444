"""A municipality's history as a meeting reads it: the planning year's figures first,
records made together (one import of IMDi's table, one report) as one entry, and each
source named once. Pure: no SQL, no I/O, no texts.

An import of IMDi's table writes one record per figure (twelve for Trondheim), each with
the same moment, actor, source and reason: one entry here, its figures grouped by year.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from capacity.domain.figures import Change

PAGE_SIZE = 8  # entries a page of the history shows


@dataclass(frozen=True)
class Entry:
    """Records made together: the same moment, actor, source, reason and source date."""

    changes: tuple[Change, ...]

    @property
    def first(self) -> Change:
        return self.changes[0]

    @property
    def at(self) -> datetime:
        return self.first.at

    def by_year(self) -> list[tuple[str, tuple[Change, ...]]]:
        """The entry's records by the year they are about, newest year first (records
        about no year, a batch or a role, under "")."""
        years: dict[str, list[Change]] = {}
        for change in self.changes:
            years.setdefault(year_of(change), []).append(change)
        return [(year, tuple(years[year])) for year in sorted(years, reverse=True)]


@dataclass(frozen=True)
class History:
    """A municipality's entries, the planning year's first; and the sources they name,
    numbered in the order they first appear (an entry refers to its source's number)."""

    planning_year: int
    planning: tuple[Entry, ...]  # about the planning year's figures and reservations
    other: tuple[Entry, ...]  # the other years, and what is about no year

    @property
    def entries(self) -> tuple[Entry, ...]:
        return self.planning + self.other

    @property
    def changes(self) -> int:
        return sum(len(entry.changes) for entry in self.entries)

    def pages(self, size: int = PAGE_SIZE) -> int:
        return max(1, -(-len(self.entries) // size))

    def page(self, number: int, size: int = PAGE_SIZE) -> tuple[int, tuple[Entry, ...]]:
        """(the page shown, its entries): a page past the last shows the last."""
        number = min(max(1, number), self.pages(size))
        return number, self.entries[(number - 1) * size : number * size]

    def sources(self, entries: Sequence[Entry]) -> list[str]:
        """The sources of `entries`, each once, in the order they first appear."""
        return list(dict.fromkeys(entry.first.source for entry in entries if entry.first.source))


def year_of(change: Change) -> str:
    """The year a figure's or a reservation's record is about (`5001/2020/spare`), or ""."""
    parts = change.key.split("/")
    if change.entity in ("figure", "allocation") and len(parts) >= 3 and parts[1].isdigit():
        return parts[1]
    return ""


def _together(change: Change) -> tuple[object, ...]:
    """What records made together share (an import's records differ only in what)."""
    return (change.at, change.actor, change.source, change.reason, change.source_date)


def _entries(changes: Sequence[Change]) -> tuple[Entry, ...]:
    """Records made together as entries, newest first (records in id order within)."""
    entries: list[list[Change]] = []
    for change in sorted(changes, key=lambda c: (c.at, c.id)):
        if entries and _together(entries[-1][-1]) == _together(change):
            entries[-1].append(change)
        else:
            entries.append([change])
    return tuple(Entry(tuple(group)) for group in reversed(entries))


def history(changes: Sequence[Change], planning_year: int) -> History:
    """The records as entries: those about the planning year first, then the rest. A
    record dated by its source (the letter of September 2020) sorts by its record time,
    which the bundled data sets to the source's date."""
    year = str(planning_year)
    planning = [change for change in changes if year_of(change) == year]
    other = [change for change in changes if year_of(change) != year]
    return History(planning_year, _entries(planning), _entries(other))
