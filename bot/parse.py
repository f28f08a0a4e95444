"""Parsing the text after `/capacity` into a request. Pure, never raises.

Keywords are accepted in Bokmål and English whatever the reply language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from capacity.names import normalize

MAX_TEXT = 2000

HELP = {"help", "hjelp", "?", "-h", "--help"}
SHARE = {"share", "del", "vis-alle"}
REPORT = {"report", "rapporter", "rapport"}
GRANT = {"grant", "gi"}
REVOKE = {"revoke", "fjern"}
NATIONAL = {"norge", "norway", "alle", "all", "landet", "hele landet", "national"}
ROLE_WORDS = {
    "admin": "admin",
    "administrator": "admin",
    "editor": "editor",
    "redaktor": "editor",
    "redaktør": "editor",
    "redigerer": "editor",
}

_USER = re.compile(r"^<@([UW][A-Z0-9_]+)(?:\|[^>]*)?>$")
_YEAR = re.compile(r"^(19|20|21)[0-9][0-9]$")
_COUNT = re.compile(r"^-?[0-9]{1,9}$")  # ASCII digits only: "²".isdigit() is True


@dataclass(frozen=True)
class Request:
    """What a coordinator asked for."""

    kind: str  # help | capacity | overview | report | grant | revoke | invalid
    target: str = ""  # a municipality text, a group name or "norge"
    year: int | None = None
    value: int | None = None
    reason: str = ""
    user: str = ""
    role: str = ""
    share: bool = False
    page: int = 1
    problem: str = ""  # for kind "invalid": which usage to show


def parse(text: str | None) -> Request:
    text = (text or "")[:MAX_TEXT]
    tokens = text.split()
    # `del`/`share` as the first or last word: inside a reason ("en del plasser") it is
    # just a word
    share = bool(tokens) and (tokens[-1].lower() in SHARE or tokens[0].lower() in SHARE)
    if share:
        tokens = tokens[1:] if tokens[0].lower() in SHARE else tokens[:-1]
    if not tokens:
        return Request("overview", "storbynettverket", share=share)
    head = tokens[0].lower()
    if head in HELP:
        return Request("help", share=share)
    if head in REPORT:
        return _report(tokens[1:], share)
    if head in GRANT or head in REVOKE:
        return _role("grant" if head in GRANT else "revoke", tokens[1:], share)
    rest, year, page = _year_and_page(tokens)
    if rest and normalize(" ".join(rest)) in NATIONAL:
        return Request("overview", "norge", year=year, page=page, share=share)
    target = " ".join(rest)
    return Request("capacity", target, year=year, share=share, page=page)


def _year_and_page(tokens: list[str]) -> tuple[list[str], int | None, int]:
    """`Trondheim 2020`: a trailing four-digit year after a name (a lone number is a
    municipality number). `norge 2020 2`: a page after the national word."""
    rest = list(tokens)
    page = 1
    if len(rest) >= 2 and normalize(rest[0]) in NATIONAL and re.fullmatch(r"[0-9]{1,2}", rest[-1]):
        page = max(1, int(rest.pop()))
    year = None
    if len(rest) >= 2 and _YEAR.match(rest[-1]):
        year = int(rest.pop())
    return rest, year, page


def _report(tokens: list[str], share: bool) -> Request:
    """`report Trondheim [2020] 120 [reason…]`: the first whole number after the name,
    or a year followed by the number (a year alone is never taken for the value)."""
    for i, token in enumerate(tokens):
        if i >= 1 and _COUNT.match(token):
            year = None
            following = tokens[i + 1] if i + 1 < len(tokens) else ""
            if _YEAR.match(token):
                if not _COUNT.match(following):
                    return Request("invalid", problem="report_usage", share=share)
                year, i = int(token), i + 1
            return Request(
                "report",
                " ".join(tokens[: i if year is None else i - 1]),
                year=year,
                value=int(tokens[i]),
                reason=" ".join(tokens[i + 1 :])[:500],
                share=share,
            )
    return Request("invalid", problem="report_usage", share=share)


def _role(kind: str, tokens: list[str], share: bool) -> Request:
    """`grant @user admin` or `grant @user editor Trondheim`."""
    if len(tokens) < 2:
        return Request("invalid", problem="grant_usage", share=share)
    match = _USER.match(tokens[0])
    role = ROLE_WORDS.get(tokens[1].lower())
    if not match or not role:
        return Request("invalid", problem="grant_usage", share=share)
    return Request(kind, " ".join(tokens[2:]), user=match.group(1), role=role, share=share)


# -- /relocation ----------------------------------------------------------------------------

NEW = {"new", "ny"}
ASSIGN = {"assign", "tildel"}
LIST = {"list", "liste"}
SHOW = {"show", "vis"}
STATUS_WORDS = {
    "cancel": "cancelled",
    "avlys": "cancelled",
    "arrived": "arrived",
    "ankommet": "arrived",
    "ankommer": "arrived",
    "settled": "settled",
    "bosatt": "settled",
}
FAMILIES = {"families", "familier", "households", "husholdninger"}
YEAR_WORDS = {"year", "år", "ar"}
SCOPE_WORDS = {"scope", "omfang"}
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'"})


@dataclass(frozen=True)
class Relocation:
    """A `/relocation` request."""

    kind: str  # modal | help | new | assign | list | show | status | invalid
    name: str = ""
    persons: int | None = None
    households: tuple[int, ...] = ()
    year: int | None = None
    scope: str | None = None
    municipality: str = ""
    status: str = ""
    reason: str = ""
    problem: str = ""


def households(text: str) -> tuple[int, ...] | None:
    """ "5,4,6" → (5, 4, 6); None when it is not a list of whole numbers."""
    parts = [p for p in re.split(r"[,\s;]+", text.strip()) if p]
    if not parts or len(parts) > 500 or not all(re.fullmatch(r"[0-9]{1,5}", p) for p in parts):
        return None
    return tuple(int(p) for p in parts)


def parse_relocation(text: str | None) -> Relocation:
    import shlex

    text = (text or "")[:MAX_TEXT].translate(_QUOTES).strip()
    if not text:
        return Relocation("modal")
    try:
        tokens = shlex.split(text)
    except ValueError:
        return Relocation("invalid", problem="relocation_usage")
    head, rest = tokens[0].lower(), tokens[1:]
    if head in HELP:
        return Relocation("help")
    if head in LIST:
        year = int(rest[0]) if rest and _YEAR.match(rest[0]) else None  # ASCII digits
        return Relocation("list", year=year)
    if head in SHOW and rest:
        return Relocation("show", name=rest[0])
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
) -> tuple[list[str], dict[str, str], tuple[int, ...]] | Relocation:
    """The words before the options, the options, and the household sizes; or the
    invalid request to answer with."""
    split = _options(tokens)
    if split is None or set(split[1]) - allowed:
        return Relocation("invalid", problem="relocation_usage")
    head, options = split
    sizes: tuple[int, ...] = ()
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
    if len(head) != 2 or not re.fullmatch(r"[0-9]{1,6}", head[1]):
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
    split = _split(tokens, {"families"})
    if isinstance(split, Relocation):
        return split
    head, _, sizes = split
    persons = None
    if len(head) >= 3 and re.fullmatch(r"[0-9]{1,6}", head[-1]):
        persons = int(head.pop())
    if len(head) < 2 or (persons is None and not sizes):
        return Relocation("invalid", problem="relocation_usage")
    return Relocation(
        "assign", name=head[0], municipality=" ".join(head[1:]), persons=persons, households=sizes
    )
