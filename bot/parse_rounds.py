"""Parsing `/capacity innhenting …` (`round …`): collection rounds. Pure, never raises.

    innhenting ny "Kapasitet 2027" frist 15.1.2027 omfang storbynettverket år 2027
    round new "Capacity 2027" deadline 2027-01-15 scope fylke Trøndelag year 2027
    innhenting [status|påminn|lukk] ["Kapasitet 2027"]
    innhenting liste

The name may be in straight, curly or «» quotes, or bare (up to the next keyword); it
may be left out of status, påminn and lukk while exactly one round is open (the core
decides). Keywords are Bokmål, Nynorsk and English whatever the reply language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ROUND_WORDS = frozenset({"innhenting", "innhentinger", "innhentingar", "round", "rounds"})
NEW = frozenset({"ny", "new", "open", "start"})
STATUS = frozenset({"status"})
REMIND = frozenset({"påminn", "paminn", "purr", "purre", "remind", "minn"})
CLOSE = frozenset({"lukk", "close", "steng"})
LIST = frozenset({"liste", "list", "alle", "all"})
DEADLINE = frozenset({"frist", "deadline"})
SCOPE = frozenset({"omfang", "scope"})
YEAR = frozenset({"år", "ar", "aar", "year"})
ACTIONS = {
    **dict.fromkeys(NEW, "new"),
    **dict.fromkeys(STATUS, "status"),
    **dict.fromkeys(REMIND, "remind"),
    **dict.fromkeys(CLOSE, "close"),
    **dict.fromkeys(LIST, "list"),
}
_QUOTED = re.compile(r"""^\s*(?:"([^"]*)"|“([^”]*)”|”([^”]*)”|«([^»]*)»|'([^']*)')""")
_YEAR = re.compile(r"^(19|20|21)[0-9][0-9]$")
_CLOCK = re.compile(r"^[0-9]{1,2}[:.][0-9]{2}$")


@dataclass(frozen=True)
class RoundRequest:
    """What a coordinator asked of collection rounds."""

    action: str  # new | status | remind | close | list | invalid
    name: str = ""
    deadline: str = ""
    scope: str = ""
    year: int | None = None


def parse_round(text: str) -> RoundRequest:
    """The words after `innhenting`/`round`."""
    text = " ".join((text or "").split())
    head, _, rest = text.partition(" ")
    action = ACTIONS.get(head.lower())
    if not text:
        return RoundRequest("status")
    if action is None:
        return RoundRequest("invalid")
    if action == "list":
        return RoundRequest("list") if not rest else RoundRequest("invalid")
    name, rest = _name(rest)
    if action != "new":
        return RoundRequest(action, name) if not rest else RoundRequest("invalid")
    return _new(name, rest)


def _name(text: str) -> tuple[str, str]:
    """A quoted name and what follows; else the words up to the first keyword."""
    quoted = _QUOTED.match(text)
    if quoted:
        name = next(group for group in quoted.groups() if group is not None)
        return " ".join(name.split()), text[quoted.end() :].strip()
    words = text.split()
    for i, word in enumerate(words):
        if word.lower() in DEADLINE | SCOPE | YEAR:
            return " ".join(words[:i]), " ".join(words[i:])
    return " ".join(words), ""


def _new(name: str, rest: str) -> RoundRequest:
    """`frist …`, `omfang …`, `år …` in any order, each once."""
    words = rest.split()
    parts: dict[str, list[str]] = {}
    current = None
    for word in words:
        lowered = word.lower()
        key = (
            "deadline"
            if lowered in DEADLINE
            else "scope"
            if lowered in SCOPE
            else "year"
            if lowered in YEAR
            else None
        )
        if key is not None and key not in parts:
            current = key
            parts[key] = []
        elif current is None:
            return RoundRequest("invalid")
        else:
            parts[current].append(word)
    deadline = parts.get("deadline", [])
    if len(deadline) == 2 and not _CLOCK.match(deadline[1]) or len(deadline) > 2:
        return RoundRequest("invalid")
    year_words = parts.get("year")
    if year_words is not None and (len(year_words) != 1 or not _YEAR.match(year_words[0])):
        return RoundRequest("invalid")
    if not name or not deadline:
        return RoundRequest("invalid")
    return RoundRequest(
        "new",
        name,
        deadline=" ".join(deadline),
        scope=" ".join(parts.get("scope", [])),
        year=int(year_words[0]) if year_words else None,
    )
