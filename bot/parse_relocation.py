"""Parsing the text after `/relocation` into a request, and writing a request back as
text (for the "did you mean" buttons, which carry the command on). Pure, never raises.

Keywords are accepted in Bokmål, Nynorsk and English whatever the reply language:
`ny`/`new`, `tildel`/`assign`, `fordel`/`plan`, `frigi`/`frigjer`/`release`,
`liste`/`list`, `vis`/`show`, `avlys`/`cancel`, `ankommet`/`ankome`/`arrived`,
`bosatt`/`busett`/`settled`, `familier`/`familiar`/`hushald`/`families`, `år`/`year`,
`omfang`/`scope`; `del`/`share` first or last shows the answer in the channel.

Persons are counts as people type them (`capacity.domain.numbers`): `ny "Moria 2020" 1 000`,
`tildel "Moria 2020" Oslo 1.000, Bergen 6`. A comma between digits belongs to a number
(`1,000`, asked about; `1,5`, not understood), a comma elsewhere separates
municipalities, and households keep their commas (`familier 5,4+3,6`).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, replace

from capacity.domain.households import parse as parse_households
from capacity.domain.numbers import (
    Ambiguous,
    Count,
    NotUnderstood,
    looks_numeric,
    read_last,
    read_words,
)

MAX_TEXT = 2000
MAX_HOUSEHOLDS = 500
MAX_TARGETS = 20

HELP = {"help", "hjelp", "?", "-h", "--help"}
SHARE = {"share", "del"}
NEW = {"new", "ny"}
ASSIGN = {"assign", "tildel"}
PLAN = {"plan", "fordel"}
RELEASE = {"release", "frigi", "frigje", "frigjer"}  # frigjer: Nynorsk
LIST = {"list", "liste"}
SHOW = {"show", "vis"}
STATUS_WORDS = {
    "cancel": "cancelled",
    "avlys": "cancelled",
    "arrived": "arrived",
    "ankommet": "arrived",
    "ankommer": "arrived",
    "ankome": "arrived",  # Nynorsk: ankome, kome (fram), komen
    "ankomen": "arrived",
    "kome": "arrived",
    "komen": "arrived",
    "settled": "settled",
    "bosatt": "settled",
    "busett": "settled",  # Nynorsk: busett, busette
    "busette": "settled",
}
FAMILIES = {
    "families",
    "familier",
    "households",
    "husholdninger",
    "familiar",  # Nynorsk
    "hushald",
    "hushalda",
    "hushaldningar",
}
YEAR_WORDS = {"year", "år", "ar", "aar"}
SCOPE_WORDS = {"scope", "omfang"}
_YEAR = re.compile(r"^(19|20|21)[0-9][0-9]$")
_GROUP_SPACE = re.compile(r"(?<=[0-9])[\u00a0\u202f](?=[0-9])")  # 1\u00a0000: 1 000
_TARGETS = re.compile(r"(?<![0-9]),|,(?![0-9])")  # `Oslo 10, Bergen 6`; not `1,000`
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'"})

Household = int | tuple[int, ...]  # a household, or linked households (4+3)


@dataclass(frozen=True)
class Relocation:
    """A `/relocation` request."""

    kind: str  # modal | help | new | assign | plan | release | list | show | status | invalid
    #            | choose
    name: str = ""
    persons: int | None = None  # a batch's; an assignment's (of several: a reading's choice)
    households: tuple[Household, ...] = ()
    year: int | None = None
    scope: str | None = None
    municipality: str = ""
    status: str = ""
    reason: str = ""
    problem: str = ""
    targets: tuple[tuple[str, int | None], ...] = ()  # several municipalities at once
    allocation: int | None = None
    page: int = 1
    share: bool = False
    word: str = ""  # what was not understood (invalid), or read two ways (choose), as typed
    why: str = ""  # how `word` was not understood: a count refusal's code, or "word"
    readings: tuple[Relocation, ...] = ()  # kind "choose": the request as each reading makes it


def households(text: str) -> tuple[Household, ...] | None:
    """ "5,4+3,6" → (5, (4, 3), 6): linked households (`+`) go to one municipality;
    None when it is not a list of whole numbers."""
    return parse_households(text, MAX_HOUSEHOLDS)


def households_text(sizes: tuple[Household, ...]) -> str:
    return ",".join(
        str(h) if isinstance(h, int) else "+".join(str(size) for size in h) for h in sizes
    )


def parse_relocation(text: str | None) -> Relocation:
    text = _GROUP_SPACE.sub(" ", (text or "")[:MAX_TEXT].translate(_QUOTES)).strip()
    if not text:
        return Relocation("modal")
    try:
        tokens = shlex.split(text)
    except ValueError:
        return Relocation("invalid", problem="relocation_usage")
    share = False
    if tokens and tokens[-1].lower() in SHARE:
        share, tokens = True, tokens[:-1]
    elif tokens and tokens[0].lower() in SHARE:
        share, tokens = True, tokens[1:]
    if not tokens:
        return Relocation("invalid", problem="relocation_usage")
    request = _parse(tokens[0].lower(), tokens[1:])
    if not share:
        return request
    readings = tuple(replace(reading, share=True) for reading in request.readings)
    return replace(request, share=True, readings=readings)


def _parse(head: str, rest: list[str]) -> Relocation:
    if head in HELP:
        return Relocation("help")
    if head in LIST:
        year = int(rest[0]) if rest and _YEAR.match(rest[0]) else None  # ASCII digits
        return Relocation("list", year=year)
    if head in SHOW:  # `vis` alone: the batches, to choose one from
        return Relocation("show", name=rest[0]) if rest else Relocation("list")
    if head in PLAN and len(rest) == 1:
        return Relocation("plan", name=rest[0])
    if head in RELEASE:
        if len(rest) == 1 and re.fullmatch(r"#?[0-9]{1,12}", rest[0]):
            return Relocation("release", allocation=int(rest[0].lstrip("#")))
        return Relocation("invalid", problem="release_usage")
    if head in STATUS_WORDS and rest:
        return Relocation(
            "status", name=rest[0], status=STATUS_WORDS[head], reason=" ".join(rest[1:])
        )
    if head in NEW:
        return _new(rest)
    if head in ASSIGN:
        return _assign(rest)
    known = HELP | LIST | SHOW | PLAN | STATUS_WORDS.keys()
    return _invalid() if head in known else _invalid(head)  # a known word, used wrongly


def _invalid(word: str = "", why: str = "word", problem: str = "relocation_usage") -> Relocation:
    return Relocation("invalid", problem=problem, word=word[:100], why=why if word else "")


def _choose(request: Relocation, reading: Ambiguous, made: list[Relocation]) -> Relocation:
    return replace(request, kind="choose", word=reading.typed, readings=tuple(made))


def _options(tokens: list[str]) -> tuple[list[str], dict[str, str]] | None:
    """Split `families 5,4 year 2020 scope X Y` off the end of the tokens."""
    options: dict[str, str] = {}
    words = FAMILIES | YEAR_WORDS | SCOPE_WORDS
    positions = [i for i, t in enumerate(tokens) if t.lower() in words]
    if not positions:
        return tokens, options
    head = tokens[: positions[0]]
    for n, i in enumerate(positions):
        end = positions[n + 1] if n + 1 < len(positions) else len(tokens)
        value = " ".join(tokens[i + 1 : end])
        word = tokens[i].lower()
        key = "families" if word in FAMILIES else "year" if word in YEAR_WORDS else "scope"
        if not value or key in options:
            return None
        options[key] = value
    return head, options


def _split(
    tokens: list[str], allowed: set[str]
) -> tuple[list[str], dict[str, str], tuple[Household, ...]] | Relocation:
    """The words before the options, the options, and the household sizes; or the
    invalid request to answer with."""
    split = _options(tokens)
    if split is None or set(split[1]) - allowed:
        return Relocation("invalid", problem="relocation_usage")
    head, options = split
    sizes: tuple[Household, ...] = ()
    if "families" in options:
        parsed = households(options["families"])
        if parsed is None:
            return Relocation("invalid", problem="bad_households")
        sizes = parsed
    return head, options, sizes


def _new(tokens: list[str]) -> Relocation:
    """`ny "Moria 2020" 1 000 [familier 5,4] [år 2020] [omfang storbynettverket]`."""
    split = _split(tokens, {"families", "year", "scope"})
    if isinstance(split, Relocation):
        return split
    head, options, sizes = split
    if len(head) < 2:
        return _invalid()
    if not looks_numeric(head[1]):
        return _invalid(" ".join(head[1:]), "count_format")
    reading = read_words(head, 1)
    if isinstance(reading, NotUnderstood):
        return _invalid(reading.typed, reading.problem)
    if reading.end < len(head):
        return _invalid(" ".join(head[reading.end :]))
    year = None
    if "year" in options:
        if not _YEAR.match(options["year"]):
            return Relocation("invalid", problem="bad_year")
        year = int(options["year"])
    made = Relocation("new", name=head[0], households=sizes, year=year, scope=options.get("scope"))
    if isinstance(reading, Count):
        return replace(made, persons=reading.value)
    return _choose(made, reading, [replace(made, persons=r.value) for r in reading.readings])


def _assign(tokens: list[str]) -> Relocation:
    """`tildel "Moria 2020" Oslo 10 [familier 5,5]`, or several municipalities at once,
    each with its persons: `tildel "Moria 2020" Oslo 10, Bergen 6, Trondheim 14`."""
    split = _split(tokens, {"families"})
    if isinstance(split, Relocation):
        return split
    head, _, sizes = split
    if len(head) < 2:
        return _invalid()
    segments = [s.split() for s in _TARGETS.split(" ".join(head[1:]))]
    if len(segments) > 1 and (sizes or len(segments) > MAX_TARGETS):
        return _invalid()
    if len(segments) == 1 and not sizes and (linked := _linked_tail(segments[0])):
        place, units = linked  # `Bærum 4+3`: these households, linked, to Bærum
        persons = sum(sum(u) if isinstance(u, tuple) else u for u in units)
        return Relocation("assign", name=head[0], municipality=place, persons=persons,
                          households=units, targets=((place, persons),))  # fmt: skip
    targets: list[tuple[str, Count | Ambiguous | None]] = []
    for words in segments:
        found = read_last(words)
        if found is None:  # no count, or words after it
            if len(segments) > 1 or not sizes or any(looks_numeric(w) for w in words):
                return _invalid(" ".join(words) or ",")
            targets.append((" ".join(words), None))
            continue
        reading, start = found
        if isinstance(reading, NotUnderstood):
            return _invalid(reading.typed, reading.problem)
        targets.append((" ".join(words[:start]), reading))
    return _assignment(head[0], targets, sizes)


_LINKED = re.compile(r"[0-9]{1,5}(?:[,+][0-9]{1,5})*")


def _linked_tail(words: list[str]) -> tuple[str, tuple[Household, ...]] | None:
    """`Bærum 4+3` (or `4 + 3`, `5,4+3`): a municipality and, after it, households with
    a link (`+`) instead of a count of persons; None when the words end otherwise."""
    for i in range(1, len(words)):
        tail = "".join(words[i:])
        if "+" in tail and _LINKED.fullmatch(tail) and words[i][0].isdigit():
            units = households(tail)
            return (" ".join(words[:i]), units) if units else None
    return None


def _assignment(
    name: str, targets: list[tuple[str, Count | Ambiguous | None]], sizes: tuple[Household, ...]
) -> Relocation:
    """The assignment of `targets` (places with their persons as read). A number with
    two readings makes it a `choose` request, one assignment per reading; two such
    numbers are not guessed at: the first is named, to be typed again."""
    unclear = [(i, r) for i, (_, r) in enumerate(targets) if isinstance(r, Ambiguous)]
    if len(unclear) > 1:
        first = unclear[0][1]
        code = "count_ambiguous" if len(first.readings) > 1 else "count_comma"
        values = tuple(Relocation("assign", persons=r.value) for r in first.readings)
        return replace(_invalid(first.typed, code), readings=values)
    if unclear:
        i, reading = unclear[0]
        place = targets[i][0]
        made = [  # each reading's persons beside its targets: the choice's label
            replace(
                _assignment(name, [*targets[:i], (place, r), *targets[i + 1 :]], sizes),
                persons=r.value,
            )
            for r in reading.readings
        ]
        return _choose(made[0], reading, made)
    persons = tuple((place, r.value if isinstance(r, Count) else None) for place, r in targets)
    if len(persons) > 1:
        return Relocation("assign", name=name, targets=persons)
    place, count = persons[0]
    return Relocation(
        "assign",
        name=name,
        municipality=place,
        persons=count,
        households=sizes,
        targets=persons,
    )


# -- back to text ---------------------------------------------------------------------------


def _quoted(text: str) -> str:
    return '"' + text.replace('"', "'") + '"'


def relocation_text(request: Relocation, query: str, number: str) -> str | None:
    """The command again, with the municipality typed as `query` replaced by `number`
    (a choice from "did you mean"); None when the request names no such municipality."""
    if request.kind != "assign":
        return None
    targets = tuple((number if place == query else place, n) for place, n in request.targets)
    if targets == request.targets:
        return None
    return request_text(replace(request, targets=targets))


def request_text(request: Relocation) -> str | None:
    """The text that asks for `request` and reads back as exactly it (persons in digits
    alone): what a button that carries the command on runs. New batches and
    assignments; None for the rest."""
    if request.kind == "assign":
        parts = [f"{place} {n}" if n is not None else place for place, n in request.targets]
        text = f"tildel {_quoted(request.name)} " + ", ".join(parts)
        if request.households:
            text += " familier " + households_text(request.households)
    elif request.kind == "new":
        text = f"ny {_quoted(request.name)} {request.persons}"
        if request.households:
            text += " familier " + households_text(request.households)
        if request.year is not None:
            text += f" år {request.year}"
        if request.scope:
            text += f" omfang {request.scope}"
    else:
        return None
    return text + (" del" if request.share else "")
