"""Parsing the text after `/capacity` and `/relocation` into requests. Pure, never raises.

Keywords are accepted in Bokmål, Nynorsk and English whatever the reply language (most
are the same in both Norwegian written standards; where Nynorsk differs, its forms are
added: `gje`, `redigerar`, `noreg`, `heile landet`); a year can be
written before or after the name, or as `år 2022`/`year 2022`; a moment as
`per 1.10.2020` or `as of 2020-10-01` (checked by the core, which names the forms).

Counts are read as people type them (`capacity.domain.numbers`: `1 000`, `1.000`, a no-break
space); a text with two readings (`1,000`; `rapporter Oslo 50 100 nye boliger`) becomes
a `choose` request holding each reading, and what is not understood an `invalid` one
that names the words (`word`) and how they were not understood (`why`). A reason that
starts with a number may be quoted: `rapporter Oslo 50 «100 nye boliger»`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from bot.parse_rounds import ROUND_WORDS
from capacity.domain.numbers import Count, NotUnderstood, looks_numeric, read_words
from capacity.domain.role_words import role_of
from capacity.domain.rounds import email_address
from capacity.reference.geography import NATIONAL, NATIONAL_WORDS
from capacity.reference.names import normalize

MAX_TEXT = 2000

HELP = {"help", "hjelp", "?", "-h", "--help"}
SHARE = {"share", "del", "vis-alle"}
REPORT = {"report", "rapporter", "rapport"}
GRANT = {"grant", "gi", "gje"}  # Nynorsk has both gi and gje
REVOKE = {"revoke", "fjern"}
ROOM = {"room", "ledig"}
HISTORY = {"history", "historikk", "historie"}
CHART = {"graf", "chart", "diagram"}  # the same word in Bokmål and Nynorsk
PACE = {"tempo", "pace"}  # settled against the decision through the year (issue 19)
EXPORT = {"eksport", "export", "eksporter"}
PLANNING_YEAR = {"planleggingsår", "planleggingsar", "planning-year", "planningyear", "planår"}
YEAR_WORDS = {"year", "år", "ar", "aar"}
AS_OF_WORDS = {"per", "pr", "pr."}

_USER = re.compile(r"^<@([UW][A-Z0-9_]+)(?:\|[^>]*)?>$")
_YEAR = re.compile(r"^(19|20|21)[0-9][0-9]$")
_OPEN_QUOTES, _CLOSE_QUOTES = '"“«', '"”»'  # the quotes people type around a reason
_CLOCK = re.compile(r"^[0-9]{1,2}[:.][0-9]{2}$")


@dataclass(frozen=True)
class Request:
    """What a coordinator asked for."""

    kind: str  # help | capacity | overview | room | report | grant | revoke | history |
    #            planning_year | chart | export | pace | pace_chart | round | invalid |
    #            choose | several (names separated by commas, in `target`)
    target: str = ""  # a municipality text, a group name or "norge"
    year: int | None = None
    value: int | None = None
    reason: str = ""
    user: str = ""
    role: str = ""
    share: bool = False
    page: int = 1
    as_of: str = ""  # a moment as typed; the core reads it
    problem: str = ""  # for kind "invalid": which usage to show
    word: str = ""  # what was not understood (invalid), or read two ways (choose), as typed
    why: str = ""  # how `word` was not understood: a count refusal's code, "word", "no_count"
    readings: tuple[Request, ...] = ()  # kind "choose": the request as each reading makes it


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
    if head in ROUND_WORDS:  # collection rounds: the rest is bot.parse_rounds'
        return Request("round", " ".join(tokens[1:]), share=share)
    if head in GRANT or head in REVOKE:
        return _role("grant" if head in GRANT else "revoke", tokens[1:], share)
    if head in ROOM:
        return _room(tokens[1:], share)
    if head in PLANNING_YEAR:
        return _planning_year(tokens[1:], share)
    if head in EXPORT:
        return _export(tokens[1:], share)
    if head in HISTORY:
        if len(tokens) < 2:
            return _invalid("history_usage", share)
        return Request("history", " ".join(tokens[1:]), share=share)
    if any(token.lower() in PACE for token in tokens):
        return _pace([token for token in tokens if token.lower() not in PACE], share)
    if any(token.lower() in CHART for token in tokens):
        return _chart([token for token in tokens if token.lower() not in CHART], share)
    rest, as_of = _moment(tokens)
    rest, year, page = _year_and_page(rest)
    if not rest:  # `/capacity 2022`: the network that year
        return Request("overview", "storbynettverket", year=year, as_of=as_of, share=share)
    if normalize(" ".join(rest)) in NATIONAL_WORDS:
        return Request("overview", NATIONAL, year=year, page=page, as_of=as_of, share=share)
    if len([name for name in " ".join(rest).split(",") if name.strip()]) > 1:
        # `Oslo, Bergen`: several names, one answer each (bot.listeners.several)
        return Request("several", " ".join(rest), year=year, as_of=as_of, share=share)
    return Request("capacity", " ".join(rest), year=year, as_of=as_of, share=share, page=page)


def _chart(tokens: list[str], share: bool) -> Request:
    """`Trondheim graf`, `graf 2021`, `graf norge`: a group (the network when nothing is
    named), the country or a municipality, and a year."""
    rest, year, _ = _year_and_page(tokens)
    return Request("chart", " ".join(rest), year=year, share=share)


def _pace(tokens: list[str], share: bool) -> Request:
    """`tempo [Trondheim | norge | fylke Vestland] [2023]`: the pace through the year of
    a municipality or a scope (the network when nothing is named); with `graf`, the
    municipality's chart through the year."""
    chart = any(token.lower() in CHART for token in tokens)
    rest, year, page = _year_and_page([token for token in tokens if token.lower() not in CHART])
    kind = "pace_chart" if chart else "pace"
    return Request(kind, " ".join(rest), year=year, page=page, share=share)


def _export(tokens: list[str], share: bool) -> Request:
    """`eksport` or `eksport 2021`: the year's figures and batches as CSV in a DM."""
    if not tokens:
        return Request("export", share=share)
    if len(tokens) == 1 and _YEAR.match(tokens[0]):
        return Request("export", year=int(tokens[0]), share=share)
    return _invalid("export_usage", share, " ".join(tokens), "word")


def _moment(tokens: list[str]) -> tuple[list[str], str]:
    """`per 1.10.2020`, `pr. 2020-10-01 12:00`, `as of 2020-10-01`: taken out."""
    lowered = [token.lower() for token in tokens]
    for i, word in enumerate(lowered):
        start = None
        if word in AS_OF_WORDS and i + 1 < len(tokens):
            start = i + 1
        elif word == "as" and lowered[i + 1 : i + 2] == ["of"] and i + 2 < len(tokens):
            start = i + 2
        if start is not None:
            end = start + 1
            if end < len(tokens) and _CLOCK.match(tokens[end]):
                end += 1
            return tokens[:i] + tokens[end:], " ".join(tokens[start:end])
    return tokens, ""


def _year_and_page(tokens: list[str]) -> tuple[list[str], int | None, int]:
    """A year: `år 2022`/`year 2022` anywhere, or a four-digit year before or after the
    name (a lone number is a municipality number, and no municipality's number looks
    like a year). `norge 2020 2`: a page after the national word."""
    rest = list(tokens)
    page = 1
    if (
        len(rest) >= 2
        and normalize(rest[0]) in NATIONAL_WORDS
        and re.fullmatch(r"[0-9]{1,2}", rest[-1])
    ):
        page = max(1, int(rest.pop()))
    year = None
    for i in range(len(rest) - 1):
        if rest[i].lower() in YEAR_WORDS and _YEAR.match(rest[i + 1]):
            year = int(rest[i + 1])
            return rest[:i] + rest[i + 2 :], year, page
    if rest and _YEAR.match(rest[-1]):
        year = int(rest.pop())
    elif rest and _YEAR.match(rest[0]):
        year = int(rest.pop(0))
    return rest, year, page


def _invalid(problem: str, share: bool, word: str = "", why: str = "") -> Request:
    return Request("invalid", problem=problem, word=word[:100], why=why, share=share)


def _room(tokens: list[str], share: bool) -> Request:
    """`ledig 6 [2021]`, `ledig 1 000`: where a household of 6 fits."""
    if not tokens:
        return _invalid("room_usage", share)
    if not looks_numeric(tokens[0]):
        return _invalid("room_usage", share, tokens[0], "count_format")
    reading = read_words(tokens, 0)
    if isinstance(reading, NotUnderstood):
        return _invalid("room_usage", share, reading.typed, reading.problem)
    rest = tokens[reading.end :]
    year = int(rest[0]) if len(rest) == 1 and _YEAR.match(rest[0]) else None
    if rest and year is None:
        return _invalid("room_usage", share, " ".join(rest), "word")
    if isinstance(reading, Count):
        return Request("room", value=reading.value, year=year, share=share)
    choices = tuple(
        Request("room", value=r.value, year=year, share=share) for r in reading.readings
    )
    return Request("choose", word=reading.typed, readings=choices, share=share)


def _report(tokens: list[str], share: bool) -> Request:
    """`report Trondheim [2020] 1 200 [reason…]` or `report Trondheim 120 år 2021
    [reason]`: the first word that looks like a number after the name starts the value
    (a year followed by the value: `2020 100`; a year alone is never the value). A group
    that could start the reason as well as end the value (`50 100 nye boliger`) makes a
    `choose` request with both readings."""
    tokens, year_word = _year_word(tokens)
    for i, token in enumerate(tokens):
        if i == 0 or not looks_numeric(token):
            continue
        year, start = year_word, i
        if year is None and _YEAR.match(token):
            if i + 1 >= len(tokens) or not looks_numeric(tokens[i + 1]):
                return _invalid("report_usage", share, " ".join(tokens[: i + 1]), "no_count")
            year, start = int(token), i + 1
        reading = read_words(tokens, start, text_follows=True)
        if isinstance(reading, NotUnderstood):
            return _invalid("report_usage", share, reading.typed, reading.problem)
        made = Request("report", " ".join(tokens[:i]), year=year, share=share)
        if isinstance(reading, Count):
            return _with_value(made, reading, tokens)
        choices = tuple(_with_value(made, r, tokens) for r in reading.readings)
        return replace(made, kind="choose", word=reading.typed, readings=choices)
    if tokens and not (len(tokens) == 1 and looks_numeric(tokens[0])):
        return _invalid("report_usage", share, " ".join(tokens), "no_count")
    return _invalid("report_usage", share)


def _with_value(report: Request, count: Count, tokens: list[str]) -> Request:
    """The report with the value read, and the words after it as the reason."""
    reason = _unquoted(" ".join(tokens[count.end :]))[:500]
    return replace(report, value=count.value, reason=reason)


def _unquoted(text: str) -> str:
    """A reason in quotes (`«100 nye boliger»`, so that it may start with a number)."""
    if len(text) >= 2 and text[0] in _OPEN_QUOTES and text[-1] in _CLOSE_QUOTES:
        return text[1:-1].strip()
    return text


def _year_word(tokens: list[str]) -> tuple[list[str], int | None]:
    """`år 2021`/`year 2021` anywhere: taken out, so it is not read as the reason."""
    for i in range(len(tokens) - 1):
        if tokens[i].lower() in YEAR_WORDS and _YEAR.match(tokens[i + 1]):
            return tokens[:i] + tokens[i + 2 :], int(tokens[i + 1])
    return tokens, None


def _planning_year(tokens: list[str], share: bool) -> Request:
    """`planleggingsår` shows it; `planleggingsår 2021` sets it."""
    if not tokens:
        return Request("planning_year", share=share)
    if len(tokens) == 1 and _YEAR.match(tokens[0]):
        return Request("planning_year", value=int(tokens[0]), share=share)
    return _invalid("planning_year_usage", share, " ".join(tokens), "word")


def _role(kind: str, tokens: list[str], share: bool) -> Request:
    """`grant @user admin` or `grant @user editor Trondheim`; the person may be named by
    e-mail address (plain or Slack's `<mailto:…|…>`), which is looked up before the
    grant (`bot.directory`)."""
    if len(tokens) < 2:
        return _invalid("grant_usage", share, " ".join(tokens), "word" if tokens else "")
    match = _USER.match(tokens[0])
    user = match.group(1) if match else email_address(tokens[0])
    role = role_of(tokens[1])  # in any of the three languages: redaktør, editor
    if not user or not role:
        return _invalid("grant_usage", share, tokens[0] if not user else tokens[1], "word")
    return Request(kind, " ".join(tokens[2:]), user=user, role=role.value, share=share)


# -- back to text ---------------------------------------------------------------------------


def capacity_text(request: Request, query: str, number: str) -> str | None:
    """A `/capacity` change (or a pace) again, with the municipality typed as `query`
    replaced by `number` (a choice from "did you mean"); None for another question (its
    buttons show the municipality) or when the request names no such municipality."""
    if request.target != query or request.kind not in (
        "report",
        "grant",
        "revoke",
        "pace",
        "pace_chart",
    ):
        return None
    return request_text(replace(request, target=number))


def request_text(request: Request) -> str | None:
    """The text that asks for `request` and reads back as exactly it (a report's value
    grouped by dots, so that it is one word and never a year; a reason that starts like
    a number in quotes): what a button that carries a command on runs. None for a kind
    that is not written back."""
    if request.kind == "report":
        year = f" {request.year}" if request.year is not None else ""
        reason = request.reason
        if reason and (looks_numeric(reason.split()[0]) or reason[0] in _OPEN_QUOTES):
            reason = f"«{reason}»"
        value = f"{request.value:,}".replace(",", ".")  # 1.900: one word, and never a year
        text = f"rapporter {request.target}{year} {value}" + (f" {reason}" if reason else "")
    elif request.kind in ("grant", "revoke"):
        who = request.user if "@" in request.user else f"<@{request.user}>"  # an e-mail
        text = f"{request.kind} {who} {request.role} {request.target}".rstrip()
    elif request.kind == "room":
        year = f" {request.year}" if request.year is not None else ""
        text = f"ledig {request.value}{year}"
    elif request.kind in ("pace", "pace_chart"):  # the pace asked for, of the one chosen
        year = f" {request.year}" if request.year is not None else ""
        text = f"tempo {request.target}{year}" + (" graf" if request.kind == "pace_chart" else "")
    else:
        return None
    return text + (" del" if request.share else "")


# /relocation: bot.parse_relocation (here too, for the modules that import it from here)
from bot.parse_relocation import Relocation, households, parse_relocation  # noqa: E402

__all__ = ["Relocation", "Request", "capacity_text", "households", "parse", "parse_relocation"]
