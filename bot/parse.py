"""Parsing the text after `/capacity` into a request. Pure, never raises.

Keywords are accepted in Bokmål and English whatever the reply language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from capacity.names import normalize

MAX_TEXT = 2000

HELP = {"help", "hjelp", "?", "-h", "--help"}
SHARE = {"share", "del", "vis-alle"}
REPORT = {"report", "rapporter", "rapport"}
GRANT = {"grant", "gi"}
REVOKE = {"revoke", "fjern"}
NATIONAL = {"norge", "norway", "alle", "all", "landet", "national"}
ROLE_WORDS = {
    "admin": "admin",
    "administrator": "admin",
    "editor": "editor",
    "redaktor": "editor",
    "redaktør": "editor",
    "redigerer": "editor",
}

_USER = re.compile(r"^<@([UW][A-Z0-9_]+)(?:\|[^>]*)?>$")
_YEAR = re.compile(r"^(19|20|21)\d\d$")


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
    extra: dict[str, str] = field(default_factory=dict)


def parse(text: str | None) -> Request:
    text = (text or "")[:MAX_TEXT]
    tokens = text.split()
    share = any(t.lower() in SHARE for t in tokens)
    tokens = [t for t in tokens if t.lower() not in SHARE]
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
    if (
        len(rest) >= 2
        and normalize(rest[0]) in NATIONAL
        and rest[-1].isdigit()
        and len(rest[-1]) <= 2
    ):
        page = max(1, int(rest.pop()))
    year = None
    if len(rest) >= 2 and _YEAR.match(rest[-1]):
        year = int(rest.pop())
    return rest, year, page


def _report(tokens: list[str], share: bool) -> Request:
    """`report Trondheim 120 [reason…]`: the first whole number after the name."""
    for i, token in enumerate(tokens):
        if i >= 1 and re.fullmatch(r"-?\d+", token):
            value = int(token)
            return Request(
                "report",
                " ".join(tokens[:i]),
                value=value,
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
