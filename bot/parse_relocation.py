"""Parsing the text after `/relocation` into a request, and writing a request back as
text (for the "did you mean" buttons, which carry the command on). Pure, never raises.

Keywords are accepted in Bokmål, Nynorsk and English whatever the reply language:
`ny`/`new`, `tildel`/`assign`, `fordel`/`plan`, `frigi`/`frigjer`/`release`,
`liste`/`list`, `vis`/`show`, `avlys`/`cancel`, `ankommet`/`ankome`/`arrived`,
`bosatt`/`busett`/`settled`, `familier`/`familiar`/`hushald`/`families`, `år`/`year`,
`omfang`/`scope`; `del`/`share` first or last shows the answer in the channel.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, replace

from capacity.domain.households import parse as parse_households

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
_COUNT = re.compile(r"[0-9]{1,6}")
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'"})

Household = int | tuple[int, ...]  # a household, or linked households (4+3)


@dataclass(frozen=True)
class Relocation:
    """A `/relocation` request."""

    kind: str  # modal | help | new | assign | plan | release | list | show | status | invalid
    name: str = ""
    persons: int | None = None
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


def households(text: str) -> tuple[Household, ...] | None:
    """ "5,4+3,6" → (5, (4, 3), 6): linked households (`+`) go to one municipality;
    None when it is not a list of whole numbers."""
    return parse_households(text, MAX_HOUSEHOLDS)


def households_text(sizes: tuple[Household, ...]) -> str:
    return ",".join(
        str(h) if isinstance(h, int) else "+".join(str(size) for size in h) for h in sizes
    )


def parse_relocation(text: str | None) -> Relocation:
    text = (text or "")[:MAX_TEXT].translate(_QUOTES).strip()
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
    return replace(request, share=share) if share else request


def _parse(head: str, rest: list[str]) -> Relocation:
    if head in HELP:
        return Relocation("help")
    if head in LIST:
        year = int(rest[0]) if rest and _YEAR.match(rest[0]) else None  # ASCII digits
        return Relocation("list", year=year)
    if head in SHOW and rest:
        return Relocation("show", name=rest[0])
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
    return Relocation("invalid", problem="relocation_usage")


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
    split = _split(tokens, {"families", "year", "scope"})
    if isinstance(split, Relocation):
        return split
    head, options, sizes = split
    if len(head) != 2 or not _COUNT.fullmatch(head[1]):
        return Relocation("invalid", problem="relocation_usage")
    year = None
    if "year" in options:
        if not _YEAR.match(options["year"]):
            return Relocation("invalid", problem="bad_year")
        year = int(options["year"])
    return Relocation(
        "new",
        name=head[0],
        persons=int(head[1]),
        households=sizes,
        year=year,
        scope=options.get("scope"),
    )


def _assign(tokens: list[str]) -> Relocation:
    """`tildel "Moria 2020" Oslo 10 [familier 5,5]`, or several municipalities at once,
    each with its persons: `tildel "Moria 2020" Oslo 10, Bergen 6, Trondheim 14`."""
    split = _split(tokens, {"families"})
    if isinstance(split, Relocation):
        return split
    head, _, sizes = split
    if len(head) < 2:
        return Relocation("invalid", problem="relocation_usage")
    segments = [s.split() for s in " ".join(head[1:]).split(",")]
    if len(segments) > 1:
        if sizes or len(segments) > MAX_TARGETS:
            return Relocation("invalid", problem="relocation_usage")
        if not all(len(s) >= 2 and _COUNT.fullmatch(s[-1]) for s in segments):
            return Relocation("invalid", problem="relocation_usage")
        targets = tuple((" ".join(s[:-1]), int(s[-1])) for s in segments)
        return Relocation("assign", name=head[0], targets=targets)
    words = segments[0]
    persons = None
    if len(words) >= 2 and _COUNT.fullmatch(words[-1]):
        persons = int(words.pop())
    if not words or (persons is None and not sizes):
        return Relocation("invalid", problem="relocation_usage")
    place = " ".join(words)
    return Relocation(
        "assign",
        name=head[0],
        municipality=place,
        persons=persons,
        households=sizes,
        targets=((place, persons),),
    )


# -- back to text ---------------------------------------------------------------------------


def _quoted(text: str) -> str:
    return '"' + text.replace('"', "'") + '"'


def relocation_text(request: Relocation, query: str, number: str) -> str | None:
    """The command again, with the municipality typed as `query` replaced by `number`
    (a choice from "did you mean"); None when the request names no such municipality."""
    if request.kind != "assign":
        return None
    targets = [(number if place == query else place, persons) for place, persons in request.targets]
    if targets == list(request.targets):
        return None
    parts = [f"{place} {persons}" if persons is not None else place for place, persons in targets]
    text = f"tildel {_quoted(request.name)} " + ", ".join(parts)
    if request.households:
        text += " familier " + households_text(request.households)
    return text + (" del" if request.share else "")
