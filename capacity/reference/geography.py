"""Municipalities under the 2020 and 2024 structures, the crosswalk between them, and
groups such as the KS city network. Reference data, loaded once per database."""

from __future__ import annotations

from dataclasses import dataclass, field

from capacity.models import County, Group, Municipality
from capacity.reference.names import NameIndex, Resolution, normalize, unique

STRUCTURES = (2020, 2024)
NATIONAL = "norge"
NATIONAL_TITLE = "Norge"  # the core's title for the country; each catalogue names it
# Bokmål, Nynorsk ("noreg", "heile landet") and English
NATIONAL_WORDS = frozenset(
    {"norge", "noreg", "norway", "alle", "all", "landet", "hele landet", "heile landet", "national"}
    | {"country"}  # as `capacity chart country` is typed
)


def structure_for(year: int) -> int:
    """The classification a year's figures are kept under: 2020 until 2023, then 2024."""
    return 2020 if year < 2024 else 2024


@dataclass
class Geography:
    municipalities: list[Municipality]
    crosswalk: list[tuple[str, str]]  # (number_2020, number_2024)
    groups: dict[str, Group] = field(default_factory=dict)
    group_aliases: dict[str, str] = field(default_factory=dict)  # normalized alias -> name
    counties: list[County] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_key = {(m.structure, m.number): m for m in self.municipalities}
        self._forward: dict[str, list[str]] = {}
        self._backward: dict[str, list[str]] = {}
        for old, new in self.crosswalk:
            self._forward.setdefault(old, []).append(new)
            self._backward.setdefault(new, []).append(old)
        self.index = NameIndex(self.municipalities)
        self._counties = {(c.structure, c.number): c for c in self.counties}
        self._county_keys: dict[tuple[int, str], County] = {}
        for county in self.counties:  # its number, its Norwegian name, each part of its name
            for text in (county.number, county.name_no, county.name, *county.name.split(" - ")):
                self._county_keys.setdefault((county.structure, normalize(text)), county)

    def all(self, structure: int) -> list[Municipality]:
        return [m for m in self.municipalities if m.structure == structure]

    def get(self, number: str, structure: int) -> Municipality | None:
        return self._by_key.get((structure, number))

    def project(self, municipality: Municipality, structure: int) -> list[Municipality]:
        """The municipalities that stand for `municipality` under another structure."""
        if municipality.structure == structure:
            return [municipality]
        links = self._forward if municipality.structure < structure else self._backward
        return [
            found
            for number in links.get(municipality.number, [])
            if (found := self.get(number, structure)) is not None
        ]

    def lineage_numbers(self, municipality: Municipality) -> list[str]:
        """Its number under every structure (Tromsø: 5401 and 5501)."""
        numbers = {municipality.number}
        for structure in STRUCTURES:
            numbers.update(m.number for m in self.project(municipality, structure))
        return sorted(numbers)

    def same_numbers(self, municipality: Municipality) -> list[str]:
        """Its numbers under the structures where it is the same municipality: one
        that maps one to one (Tromsø 5401 ⇄ 5501), not one that was split or merged
        (Ålesund 1507 became 1508 Ålesund and 1580 Haram)."""
        numbers = {municipality.number}
        for structure in STRUCTURES:
            found = self.project(municipality, structure)
            if len(found) == 1 and self.project(found[0], municipality.structure) == [municipality]:
                numbers.add(found[0].number)
        return sorted(numbers)

    def any_structure(self, number: str) -> Municipality | None:
        """A municipality by its number in any structure, the newest first."""
        for structure in reversed(STRUCTURES):
            if (found := self.get(number, structure)) is not None:
                return found
        return None

    def resolve(self, query: str, year: int | None = None) -> Resolution:
        """Resolve a name or number to one municipality under the year's structure
        (the current structure when no year is given)."""
        structure = structure_for(year) if year else STRUCTURES[-1]
        return self.index.resolve(query, lambda found: self.project_all(found, structure))

    def project_all(self, found: list[Municipality], structure: int) -> list[Municipality]:
        """Matches under the structure asked about win; others stand for their
        successors or predecessors there ("Ålesund" in 2024 is 1508, not 1507's heirs)."""
        native = [m for m in found if m.structure == structure]
        if native:
            return unique(native)
        return unique(p for m in found for p in self.project(m, structure))

    def group(self, text: str) -> Group | None:
        key = normalize(text)
        name = self.group_aliases.get(key, key)
        return self.groups.get(name)

    def members(self, group: Group, year: int) -> list[Municipality]:
        structure = structure_for(year)
        return unique(p for m in group.members for p in self.project(m, structure))

    def scope_members(self, key: str, year: int) -> list[Municipality]:
        """The municipalities a batch's scope key (a group, the country, a municipality's
        number) stands for in a year's structure."""
        structure = structure_for(year)
        if key == NATIONAL:
            return self.all(structure)
        group = self.groups.get(key)
        if group:
            return self.members(group, year)
        found = self.get(key, structure)
        if found:
            return [found]
        for other in STRUCTURES:
            if (place := self.get(key, other)) is not None:
                return self.project(place, structure)
        return []

    # -- counties ------------------------------------------------------------------------

    def county_of(self, municipality: Municipality) -> County | None:
        """The county a municipality belongs to in its own structure."""
        return self._counties.get((municipality.structure, municipality.number[:2]))

    def county(self, text: str, year: int | None = None) -> County | None:
        """A county by its number (`50`), its Norwegian name or any part of its
        multilingual name (`Trøndelag`, `Trondelag`, `Romsa`), under the year's structure
        (the current one when no year is given)."""
        structure = structure_for(year) if year else STRUCTURES[-1]
        key = normalize(text)
        if key.endswith(" fylke"):
            key = key[: -len(" fylke")]
        return self._county_keys.get((structure, key))

    def county_members(self, county: County) -> list[Municipality]:
        """The county's municipalities, in number order."""
        return [m for m in self.all(county.structure) if m.number[:2] == county.number]

    def counties_in(self, structure: int) -> list[County]:
        return [c for c in self.counties if c.structure == structure]
