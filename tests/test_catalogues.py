"""The catalogues of texts (`capacity/texts/locales/<code>.toml`): every language has every
text with the same placeholders, every text is a valid template and every date pattern
formats; Nynorsk answers end to end with no Bokmål-only word; and the parsers understand
the keywords a Nynorsk writer types."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import string
import tomllib
import typing
from datetime import UTC, datetime
from typing import Any

import pytest
from babel.dates import parse_pattern
from click.testing import CliRunner
from slack_bolt.request.async_request import AsyncBoltRequest

from bot import parse as capacity_parse
from bot import parse_relocation as relocation_parse
from bot.alerts import alert_message
from bot.app import LOCAL_SECRET, create_app
from bot.cli import cli as bot_cli
from bot.i18n import LANGUAGES, Texts
from bot.parse import parse, parse_relocation
from bot.settings import Settings, load_settings
from bot.summary_blocks import summary_message
from bot.terminal import ask, command_body, render, signed_headers
from capacity.models import BatchStatus, Kind, Measure
from capacity.reference.geography import NATIONAL_WORDS
from capacity.texts.i18n import LOCALES, Catalogue, languages
from tests.conftest import ADMIN, CLI

DATE_PATTERNS = ("date_time", "date_only", "source_month", "source_day", "short_date")


def load(language: str) -> dict[str, Any]:
    return tomllib.loads((LOCALES / f"{language}.toml").read_text(encoding="utf-8"))


def texts(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Every text of a catalogue by its dotted key ("refusal.import")."""
    found: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            found |= texts(value, f"{prefix}{key}.")
        else:
            found[prefix + key] = value
    return found


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


OTHERS = [language for language in languages() if language != "nb"]
# Translations of nb, text for text: the same markup and command examples. (English words
# a few refusals its own way: it names no `/relocation list` for a missing batch, since
# the command line's errors are English too.)
TRANSLATIONS = [language for language in OTHERS if language != "en"]


# -- the catalogues ---------------------------------------------------------------------


def test_the_languages_are_nb_nn_and_en():
    assert set(languages()) == {"nb", "nn", "en"}


def test_every_setting_and_option_that_lists_languages_lists_every_catalogue():
    assert set(LANGUAGES) == set(languages())
    annotation = Settings.model_fields["capacity_language"].annotation
    assert set(typing.get_args(annotation)) == set(languages())
    option = next(p for p in bot_cli.commands["ask"].params if p.name == "language")
    assert set(option.type.choices) == set(languages())  # type: ignore[attr-defined]


@pytest.mark.parametrize("language", OTHERS)
def test_every_catalogue_has_the_tables_and_keys_of_nb(language):
    nb, other = load("nb"), load(language)
    nb_tables = {key for key, value in nb.items() if isinstance(value, dict)}
    other_tables = {key for key, value in other.items() if isinstance(value, dict)}
    assert other_tables == nb_tables
    for table in [None, *sorted(nb_tables)]:
        mine = set(texts(other if table is None else other[table]))
        theirs = set(texts(nb if table is None else nb[table]))
        assert mine - theirs == set(), f"{language} [{table or 'top'}]: only in {language}"
        assert theirs - mine == set(), f"{language} [{table or 'top'}]: missing in {language}"


@pytest.mark.parametrize("language", OTHERS)
def test_every_text_has_the_placeholders_of_nb(language):
    nb, other = texts(load("nb")), texts(load(language))
    wrong = {
        key: (placeholders(nb[key]), placeholders(text))
        for key, text in other.items()
        if key in nb and placeholders(text) != placeholders(nb[key])
    }
    assert wrong == {}


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_every_text_keeps_the_slack_markup_of_nb(language):
    """Bold, code spans, mentions, emoji codes and line breaks: as many as in nb."""
    marks = {
        "bold": r"\*[^*\n]+\*",
        "code": r"`[^`\n]+`",
        "mention": r"<@\{user\}>",
        "emoji": r":[a-z_]+:",
        "line": r"\n",
    }
    nb, other = texts(load("nb")), texts(load(language))
    for key, text in other.items():
        for mark, pattern in marks.items():
            assert len(re.findall(pattern, text)) == len(re.findall(pattern, nb[key])), (
                f"{language} {key}: {mark}"
            )


def test_command_examples_use_the_same_commands():
    """`/capacity …` and `/relocation …` in every catalogue, as many as in nb."""
    nb = texts(load("nb"))
    for language in TRANSLATIONS:
        for key, text in texts(load(language)).items():
            for command in ("/capacity", "/relocation"):
                assert text.count(command) == nb[key].count(command), f"{language} {key}"


def forms(text: str) -> list[tuple[str, str]]:
    """The plural forms of a text: (the count's name, "one|other") for each."""
    return [
        (name, spec)
        for _, name, spec, _ in string.Formatter().parse(text)
        if name is not None and spec
    ]


@pytest.mark.parametrize("language", languages())
def test_every_text_is_a_valid_template(language):
    catalogue = Catalogue(language)
    for key, text in texts(load(language)).items():
        if key in DATE_PATTERNS:
            continue
        names = placeholders(text)  # raises on a stray brace
        assert all(name.isidentifier() for name in names), f"{language} {key}: {names}"
        for _, spec in forms(text):  # the only format spec: a word's two forms
            one, bar, other = spec.partition("|")
            assert bar and one and other and "|" not in other, f"{language} {key}: {spec}"
        for count in (1, 2):
            catalogue.fill(text, {name: catalogue.number(count) for name in names})


# Words whose form follows a count before them ("1 ledig plass", "2 ledige plasser"),
# in every form, per language: a text that shows a count right before one of them
# writes both forms (`{n} {n:ledig plass|ledige plasser}`).
COUNTED = {
    "nb": "plass plasser person personer kommune kommuner tildeling tildelinger gruppe "
    "grupper familie familier husholdning husholdninger endring endringer feil rad rader "
    "ledig ledige aktiv aktive piksel piksler tegn plassen plassene personen personene "
    "kommunen kommunene tildelingen tildelingene gruppen gruppene husholdningen "
    "husholdningene",
    "nn": "plass plassar person personar kommune kommunar tildeling tildelingar gruppe "
    "grupper familie familiar hushald endring endringar feil rad rader ledig ledige aktiv "
    "aktive tildelt tildelte piksel pikslar teikn plassen plassane personen personane "
    "kommunen kommunane tildelinga tildelingane gruppa gruppene hushalda",
    "en": "place places person persons people municipality municipalities assignment "
    "assignments batch batches family families household households change changes "
    "problem problems row rows pixel pixels character characters",
}


def bare_counts(text: str, language: str) -> list[str]:
    """Where a text shows a count (`{name}`, bold or not) right before a counted word
    without giving both forms of it."""
    counted = set(COUNTED[language].split())
    found = []
    for match in re.finditer(r"\{(\w+)\}\**\s+([a-zæøå]+)", text, re.IGNORECASE):
        if match.group(2).lower() in counted:
            found.append(match.group(0))
    return found


@pytest.mark.parametrize("language", languages())
def test_every_count_next_to_a_word_has_its_singular_and_plural(language):
    found = {
        key: bare
        for key, text in texts(load(language)).items()
        if (bare := bare_counts(text, language))
    }
    assert found == {}


def test_a_count_without_both_forms_is_caught():
    assert bare_counts("*{remaining}* ledige plasser nå", "nb") == ["{remaining}* ledige"]
    assert bare_counts("{over} (gruppene {batches})", "nb") == []
    assert bare_counts("{count} kommunar har", "nn") == ["{count} kommunar"]
    assert bare_counts("{persons} persons of", "en") == ["{persons} persons"]
    assert bare_counts("*{remaining}* {remaining:ledig plass|ledige plasser} nå", "nb") == []


@pytest.mark.parametrize(
    ("language", "one", "many"),
    [
        ("nb", "*1* ledig plass nå", "*1\u00a0000* ledige plasser nå"),
        ("nn", "*1* ledig plass no", "*1\u00a0000* ledige plassar no"),
        ("en", "*1* spare place now", "*1,000* spare places now"),
    ],
)
def test_babels_plural_rule_chooses_the_form(language, one, many):
    t = Catalogue(language)
    values = {"name": "Oslo", "number": "0301", "year": 2020}
    assert t("remaining_now", remaining=t.number(1), **values).endswith(one)
    assert t("remaining_now", remaining=t.number(1000), **values).endswith(many)
    assert t("remaining_now", remaining=t.number(0), **values).endswith(
        many.replace("1\u00a0000", "0").replace("1,000", "0")
    )
    assert t("remaining_now", remaining=1, **values).endswith(one)  # an int, as facts are
    unknown = t("remaining_now", remaining=t.number(None), **values)
    assert unknown.endswith(many.replace("1\u00a0000", t("unknown")).replace("1,000", t("unknown")))


@pytest.mark.parametrize("language", languages())
def test_babel_formats_every_date_pattern(language):
    catalogue = Catalogue(language)
    assert catalogue.language == language  # a catalogue of its own, not the fallback
    for key in DATE_PATTERNS:
        parse_pattern(catalogue.entries[key])
    moment = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
    for text in (
        catalogue.date(moment),
        catalogue.date(moment, time=False),
        catalogue.moment(datetime(2020, 10, 1, 21, 59, 59, tzinfo=UTC)),  # a whole day
        catalogue.source_date("2020-09"),
        catalogue.source_date("2023-09-25"),
        catalogue.short_date("2023-09-25"),
    ):
        assert text and "{" not in text


def test_nynorsk_writes_dates_and_numbers_as_nynorsk_does():
    nn = Catalogue("nn")
    moment = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
    assert nn.date(moment) == "2. desember 2026 kl. 10.30"
    assert nn.date(moment, time=False) == "2. desember 2026"
    assert nn.moment(datetime(2020, 10, 1, 21, 59, 59, tzinfo=UTC)) == "1. oktober 2020"
    assert nn.source_date("2020-09") == "september 2020"
    assert nn.source_date("2023-09-25") == "25. september 2023"
    assert nn.short_date("2023-09-25") == "25.09.2023"
    assert nn.number(4838) == "4\u00a0838"
    assert nn.number(None) == "ukjend"


@pytest.mark.parametrize("language", languages())
def test_every_measure_status_and_alert_kind_has_a_name(language):
    catalogue = Catalogue(language)
    assert {m.value for m in Measure} <= set(catalogue.entries["measure"])
    assert {s.value for s in BatchStatus} <= set(catalogue.entries["status"])
    assert {k.value for k in Kind} | {"weekly_summary"} <= set(catalogue.entries["alert_kind"])


def test_import_refusals_count_in_every_language():
    class Refusal:
        code = "import"

        def __init__(self, count: int) -> None:
            self.facts = {"name": "figures.csv", "count": count}

    expected = {
        "nb": ("har 1 feil;", "har 3 feil;"),
        "nn": ("har 1 feil;", "har 3 feil;"),
        "en": ("has 1 problem;", "has 3 problems;"),
    }
    for language, (one, three) in expected.items():
        catalogue = Catalogue(language, markup="plain")
        assert one in catalogue.refusal(Refusal(1))
        assert three in catalogue.refusal(Refusal(3))


# -- no Bokmål in Nynorsk ---------------------------------------------------------------

# Bokmål forms whose Nynorsk differs (ikkje, kva, plassar, busett, vart, frå, …)
BOKMAL_ONLY = frozenset(
    word
    for line in (
        "ikke hva hvor hvem hvis hver hvert hvilken hvordan jeg de plasser plassene",
        "bosatt bosette bosetting ble blitt fra kommuner tall tallene kilde kilden",
        "anmodning anmodet husholdning husholdningen husholdninger husholdningene nå",
        "bare endret allerede noe noen mente heter finnes personer personene beklager",
        "hele vedtatt opprinnelig ennå uten utenfor frigitt bekreft bekreftet gruppen",
        "være gjøre siden begrunnelse bruker brukeren navn forrige velg fant samlet",
        "mangler flere mer høyeste laveste lavere mulig mulige tidsgrensen ukjente norge",
    )
    for word in line.split()
)


def bokmal_words(text: str) -> set[str]:
    """Bokmål-only words in a text, leaving out what is not the catalogue's words:
    code spans (commands as typed) and «quoted» names and titles (users' and sources')."""
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"«[^»]*»", " ", text)
    return set(re.findall(r"[a-zæøå]+", text.lower())) & BOKMAL_ONLY


def test_no_nynorsk_text_has_a_bokmal_only_word():
    found = {key: words for key, text in texts(load("nn")).items() if (words := bokmal_words(text))}
    assert found == {}


def test_nynorsk_writes_kjent_and_ukjent_with_a_neuter_noun():
    """Nynorsk's «kjend» is «kjent» in the neuter: «eit kjent vedtak», «tempoet er ukjent»."""
    neuter = r"(?:tal|talet|vedtak|vedtaket|tempo|tempoet)"
    wrong = re.compile(rf"\bu?kjend {neuter}\b|\b{neuter} er u?kjend\b")
    found = {key: text for key, text in texts(load("nn")).items() if wrong.search(text)}
    assert found == {}


def test_the_spot_check_catches_bokmal():
    """The list does find Bokmål: most of nb's texts have a word from it."""
    nb = texts(load("nb"))
    assert sum(1 for text in nb.values() if bokmal_words(text)) > len(nb) / 2


# -- Nynorsk end to end -----------------------------------------------------------------


@pytest.fixture
def nynorsk(fresh):
    settings = load_settings(capacity_language="nn", slack_signing_secret=LOCAL_SECRET)
    return create_app(settings, fresh), fresh


def relocation(app, text: str) -> dict[str, Any]:
    body = command_body(text, command="/relocation")
    request = AsyncBoltRequest(body=body, headers=signed_headers(LOCAL_SECRET, body))
    response = asyncio.run(app.async_dispatch(request))
    assert response.status == 200, response.body
    return json.loads(response.body) if response.body else {}


def shown(message: dict[str, Any]) -> str:
    """What a coordinator reads: the blocks (buttons too) and the notification text."""
    return render(message) + "\n" + message.get("text", "")


def assert_nynorsk(message: dict[str, Any]) -> str:
    text = shown(message)
    assert bokmal_words(text) == set(), text
    return text


def test_capacity_answers_in_nynorsk(nynorsk):
    app, _ = nynorsk
    text = assert_nynorsk(ask(app, LOCAL_SECRET, "Trondheim"))
    assert "ledige plassar" in text
    assert "IMDi sine tal for" in text and "Kjelde:" in text
    assert "Busett:" in text and "Revidert oppmoding:" in text


def test_refusals_answer_in_nynorsk(nynorsk):
    app, _ = nynorsk
    permission = assert_nynorsk(ask(app, LOCAL_SECRET, "rapporter Trondheim 120 nye bustader"))
    assert "Du har ikkje lov til å endre tala" in permission
    assert "Ingenting vart endra." in permission
    not_found = assert_nynorsk(ask(app, LOCAL_SECRET, "Trondhiem"))
    assert "Fann ingen kommune som heiter «Trondhiem». Meinte du:" in not_found
    year = assert_nynorsk(ask(app, LOCAL_SECRET, "Trondheim 1999"))
    assert "året må vere mellom 2000 og 2100, ikkje 1999" in year
    batch = assert_nynorsk(relocation(app, "vis Ukjend"))
    assert "inga gruppe heiter «Ukjend»" in batch


@pytest.mark.slow
def test_overviews_help_and_usage_answer_in_nynorsk(nynorsk):
    app, _ = nynorsk
    country = assert_nynorsk(ask(app, LOCAL_SECRET, "noreg 2020"))
    assert "NOREG 2020" in country and "Heile landet 2020" in country
    network = assert_nynorsk(ask(app, LOCAL_SECRET, "heile landet"))
    assert "kommunar med rapportert ledig kapasitet" in network
    assert "hushald på 6" in assert_nynorsk(ask(app, LOCAL_SECRET, "ledig 6"))
    assert "denne hjelpa" in assert_nynorsk(ask(app, LOCAL_SECRET, "hjelp"))
    assert "Skriv:" in assert_nynorsk(ask(app, LOCAL_SECRET, "historikk"))
    assert "familiar" in assert_nynorsk(relocation(app, "hjelp"))


def test_changes_and_batches_answer_in_nynorsk(nynorsk):
    app, service = nynorsk
    service.grant("ULOCAL", "admin", CLI)
    report = assert_nynorsk(ask(app, LOCAL_SECRET, "rapporter Trondheim 120 nye bustader"))
    assert "Endra av" in report
    history = assert_nynorsk(ask(app, LOCAL_SECRET, "historikk Trondheim"))
    assert "Endringar for Trondheim" in history and "Planleggingsåret 2020" in history
    year = assert_nynorsk(ask(app, LOCAL_SECRET, "planleggingsår 2021"))
    assert "Planleggingsåret er no 2021" in year
    ask(app, LOCAL_SECRET, "planleggingsår 2020")

    created = assert_nynorsk(
        relocation(app, 'ny "Moria 2020" 18 familiar 5,4+3,6 år 2020 omfang storbynettverket')
    )
    assert "Gruppa Moria 2020 (2020) er registrert: 18 personar i hushald på" in created
    plan = assert_nynorsk(relocation(app, 'fordel "Moria 2020"'))
    assert "Rettferdig: kvar kommune får" in plan and "[Stadfest fordelinga]" in plan
    preview = assert_nynorsk(relocation(app, 'tildel "Moria 2020" Trondheim 5'))
    assert "Tildele 5 personar frå Moria 2020" in preview
    listed = assert_nynorsk(relocation(app, "liste"))
    assert "planlagd" in listed and "tildelte" in listed
    cancel = assert_nynorsk(relocation(app, 'avlys "Moria 2020"'))
    assert "[Avlys gruppa]" in cancel and "[Behald gruppa]" in cancel
    refused = assert_nynorsk(relocation(app, 'busett "Moria 2020"'))
    assert "gruppa «Moria 2020» er planlagd og kan ikkje få status busett" in refused

    too_big = assert_nynorsk(relocation(app, 'ny "Stor" 5000 år 2020 omfang noreg'))
    assert "omfang Noreg" in too_big and "ledige plassar att" in too_big


def test_the_weekly_summary_and_alerts_are_in_nynorsk(fresh, clock):
    clock.advance(days=1)
    fresh.report_spare("Oslo", 80, ADMIN, source="møte", reason="nye bustader")
    fresh.create_batch("Moria 2020", 50, ADMIN, year=2020, scope="norge")
    fresh.allocate("Moria 2020", "Bærum", 30, ADMIN)  # Bærum has nothing left: an alert
    t = Texts("nn")
    summary = assert_nynorsk(summary_message(fresh.summary(), t).payload())
    assert "Vekeoppsummering" in summary and "lite plass att: 1" in summary
    assert "ny gruppe «Moria 2020»" in summary and "Minst plass att" in summary
    alerts = [a.event for a in fresh.alerts() if a.event.kind != "weekly_summary"]
    assert alerts
    for event in alerts:
        assert "att" in assert_nynorsk(alert_message(event, t).payload())


def test_the_cli_asks_in_nynorsk(_seeded_template, tmp_path):
    db = tmp_path / "ask.db"
    shutil.copy(_seeded_template, db)
    runner = CliRunner()
    by_option = runner.invoke(bot_cli, ["ask", "--language", "nn", "--db", str(db), "Trondheim"])
    assert by_option.exit_code == 0, by_option.output
    assert "ledige plassar no" in by_option.output
    by_setting = runner.invoke(
        bot_cli, ["ask", "--db", str(db), "Trondheim"], env={"CAPACITY_LANGUAGE": "nn"}
    )
    assert by_setting.exit_code == 0, by_setting.output
    assert "ledige plassar no" in by_setting.output


# -- Nynorsk keywords -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hjelp", {"kind": "help"}),
        ("noreg", {"kind": "overview", "target": "norge"}),
        ("Noreg 2020 2", {"kind": "overview", "target": "norge", "year": 2020, "page": 2}),
        ("heile landet", {"kind": "overview", "target": "norge"}),
        ("Trondheim år 2020", {"kind": "capacity", "target": "Trondheim", "year": 2020}),
        ("Trondheim per 1.10.2020", {"kind": "capacity", "as_of": "1.10.2020"}),
        ("Trondheim del", {"kind": "capacity", "share": True}),
        ("ledig 6", {"kind": "room", "value": 6}),
        ("historikk Trondheim", {"kind": "history", "target": "Trondheim"}),
        ("planleggingsår 2021", {"kind": "planning_year", "value": 2021}),
        (
            "rapporter Trondheim 120 år 2021 nye bustader",
            {"kind": "report", "value": 120, "year": 2021, "reason": "nye bustader"},
        ),
        ("gje <@U1> redigerar Bergen", {"kind": "grant", "role": "editor", "target": "Bergen"}),
        ("gi <@U1> admin", {"kind": "grant", "role": "admin"}),
        ("fjern <@U1> redaktør Bergen", {"kind": "revoke", "role": "editor"}),
    ],
)
def test_capacity_understands_nynorsk(text, expected):
    request = parse(text)
    assert {key: getattr(request, key) for key in expected} == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hjelp", {"kind": "help"}),
        (
            'ny "Moria 2020" 18 familiar 5,4+3,6 år 2020 omfang storbynettverket',
            {"kind": "new", "persons": 18, "households": (5, (4, 3), 6), "year": 2020},
        ),
        ('ny "Moria" 18 hushald 5,4+3,6 omfang noreg', {"kind": "new", "scope": "noreg"}),
        ('ny "Moria" 9 hushaldningar 5,4', {"kind": "new", "households": (5, 4)}),
        (
            'tildel "Moria 2020" Trondheim 9 familiar 5,4',
            {"kind": "assign", "municipality": "Trondheim", "households": (5, 4)},
        ),
        ('fordel "Moria 2020"', {"kind": "plan", "name": "Moria 2020"}),
        ("frigjer 12", {"kind": "release", "allocation": 12}),
        ("frigje #12", {"kind": "release", "allocation": 12}),
        ("frigi 12", {"kind": "release", "allocation": 12}),
        ("liste 2020", {"kind": "list", "year": 2020}),
        ('vis "Moria 2020"', {"kind": "show", "name": "Moria 2020"}),
        ('avlys "Moria 2020"', {"kind": "status", "status": "cancelled"}),
        ('ankome "Moria 2020"', {"kind": "status", "status": "arrived"}),
        ('kome "Moria 2020"', {"kind": "status", "status": "arrived"}),
        ('komen "Moria 2020"', {"kind": "status", "status": "arrived"}),
        ('busett "Moria 2020"', {"kind": "status", "status": "settled"}),
        ('busette "Moria 2020"', {"kind": "status", "status": "settled"}),
        ("liste del", {"kind": "list", "share": True}),
    ],
)
def test_relocation_understands_nynorsk(text, expected):
    request = parse_relocation(text)
    assert {key: getattr(request, key) for key in expected} == expected


def _keywords(module) -> set[str]:
    words: set[str] = set()
    for name in dir(module):
        value = getattr(module, name)
        if name.isupper() and isinstance(value, set | frozenset | dict):
            words |= {w for w in value if isinstance(w, str)}
    return words


@pytest.mark.parametrize("language", languages())
def test_every_example_in_a_catalogue_starts_with_a_keyword_the_parser_knows(language):
    """`/relocation frigjer 12` in the help means the parser must know `frigjer`."""
    capacity_words = _keywords(capacity_parse) | set(NATIONAL_WORDS) | {"storbynettverket"}
    relocation_words = _keywords(relocation_parse)
    for key, text in texts(load(language)).items():
        for command, word in re.findall(r"`/(capacity|relocation) ([^\s`]+)", text):
            if word[0].isupper() or word.isdigit() or word.startswith("@"):
                continue  # a municipality, a number, a user
            known = capacity_words if command == "capacity" else relocation_words
            assert word in known, f"{language} {key}: /{command} {word}"


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_numbers_are_written_as_babel_writes_them(language):
    from babel.numbers import format_decimal

    from capacity.texts.i18n import catalogue

    t = catalogue(language)
    for value in (0, 5, -3, 999, 4838, -4838, 35_355, 1_234_567, -1_000_000):
        assert t.number(value) == format_decimal(value, locale=language)
