"""The bot's one answer cache (`bot.answer_cache`): a question's message is kept between
questions, and never outlives a change, whoever makes it: this process, another thread,
or another process such as the CLI."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from bot.answer_cache import AnswerCache
from bot.i18n import Texts
from bot.listeners.answers import answer
from bot.listeners.deps import Deps
from bot.parse import parse
from capacity import Actor, Capacity
from capacity.storage.store import Store
from tests.conftest import ADMIN

CLI = Actor(id="cli:test", trusted=True)


@pytest.fixture
def deps(on_disk) -> Deps:
    return Deps(service=on_disk, texts=Texts("nb"))


def test_a_repeated_question_is_answered_from_the_cache(deps):
    first = answer(parse("Trondheim"), deps, "U1")
    assert answer(parse("Trondheim"), deps, "U2") is first
    assert answer(parse("trondheim del"), deps, "U3") is not first  # another request
    assert (deps.answers.hits, deps.answers.misses) == (1, 2)


def test_sharing_an_answer_uses_the_kept_message(deps):
    first = answer(parse("Trondheim"), deps, "U1")
    assert answer(parse("Trondheim share"), deps, "U1") is first


def test_each_language_has_its_own_answer(on_disk):
    cache = AnswerCache(on_disk.generation)
    answers = {}
    for language in ("nb", "en", "nb"):
        deps = Deps(service=on_disk, texts=Texts(language))
        deps.answers = cache
        answers.setdefault(language, []).append(answer(parse("Trondheim"), deps, "U1"))
    assert answers["nb"][0] is answers["nb"][1]
    assert answers["en"][0].text != answers["nb"][0].text
    assert cache.misses == 2


def test_a_change_in_this_process_is_seen_at_once(deps):
    before = answer(parse("Trondheim"), deps, "U1")
    answer(parse("rapport Trondheim 90"), deps, ADMIN.id, ADMIN.name)  # not kept
    after = answer(parse("Trondheim"), deps, "U1")
    assert after is not before and "90" in after.text and "90" not in before.text


def test_a_change_by_another_thread_is_seen(deps, on_disk):
    before = answer(parse("Trondheim"), deps, "U1")
    other = Capacity(Store(on_disk.store.path))
    thread = threading.Thread(target=lambda: other.report_spare("Trondheim", 91, CLI, source="x"))
    thread.start()
    thread.join()
    after = answer(parse("Trondheim"), deps, "U1")
    assert after is not before and "91" in after.text
    other.store.close()


@pytest.mark.slow
def test_a_change_by_another_process_is_seen(deps, on_disk):
    answer(parse("Trondheim"), deps, "U1")
    code = (
        "import sys; from capacity import Capacity, Actor\n"
        "Capacity.open(sys.argv[1]).report_spare('Trondheim', 92, Actor(id='p', trusted=True), source='p')"
    )
    subprocess.run([sys.executable, "-c", code, on_disk.store.path], check=True, timeout=60)
    assert "92" in answer(parse("Trondheim"), deps, "U1").text


def test_a_reservation_is_seen(deps, on_disk):
    answer(parse("Trondheim"), deps, "U1")
    on_disk.create_batch("Moria 2020", 50, ADMIN, year=2020)
    on_disk.allocate("Moria 2020", "Trondheim", 20, ADMIN)
    assert on_disk.capacity("Trondheim").remaining == 95
    assert "95" in answer(parse("Trondheim"), deps, "U1").text


def test_refusals_and_answers_as_of_a_moment_are_not_kept(deps):
    refusal = answer(parse("Atlantis"), deps, "U1")
    assert answer(parse("Atlantis"), deps, "U1") is not refusal
    as_of = answer(parse("Trondheim per 2026-01-01"), deps, "U1")
    assert answer(parse("Trondheim per 2026-01-01"), deps, "U1") is not as_of
    assert len(deps.answers) == 0


def test_the_cache_is_bounded_and_drops_the_least_recently_used(deps, on_disk):
    deps.answers = AnswerCache(on_disk.generation, size=2)
    oslo = answer(parse("Oslo"), deps, "U1")
    answer(parse("Bergen"), deps, "U1")
    assert answer(parse("Oslo"), deps, "U1") is oslo  # Oslo is now the most recent
    answer(parse("Tromsø"), deps, "U1")  # Bergen goes
    assert len(deps.answers) == 2
    assert answer(parse("Oslo"), deps, "U1") is oslo
    misses = deps.answers.misses
    answer(parse("Bergen"), deps, "U1")
    assert deps.answers.misses == misses + 1


def slash(app, text: str) -> dict:
    from bot.app import LOCAL_SECRET
    from bot.terminal import ask as ask_app

    return ask_app(app, LOCAL_SECRET, text)


@pytest.fixture
def app(on_disk):
    from bot.app import LOCAL_SECRET, create_app
    from bot.settings import load_settings

    return create_app(load_settings(slack_signing_secret=LOCAL_SECRET), on_disk)


def test_a_repeated_slash_command_gets_the_kept_response_before_the_listener(app, monkeypatch):
    first = slash(app, "Trondheim")
    assert first["text"].startswith("Trondheim (5001)") and first["response_type"] == "ephemeral"

    def listener_ran(*_: object) -> None:
        raise AssertionError("the listener answered a kept question")

    monkeypatch.setattr("bot.listeners.commands.answer", listener_ran)
    assert slash(app, "Trondheim") == first
    shared = slash(app, "Trondheim del")  # the same answer, shown in the channel
    assert shared == {**first, "response_type": "in_channel"}


def test_the_kept_response_never_outlives_a_change(app, on_disk):
    before = slash(app, "Trondheim")
    on_disk.report_spare("Trondheim", 93, ADMIN, source="x")
    after = slash(app, "Trondheim")
    assert after != before and "93" in after["text"]


def test_a_refusal_and_a_report_go_to_the_listener_every_time(app):
    assert slash(app, "Atlantis") == slash(app, "Atlantis")  # answered twice, kept never
    slash(app, "rapport Trondheim 90")
    slash(app, "rapport Trondheim 90")
    assert len(app.deps.answers) == 0 and app.deps.answers.hits == 0


def edge_command(asgi, text: str, *, user: str = "U1", **fields: str):
    """A signed `/capacity` through the HTTP edge (`bot.http.SlackAsgi`), in process."""
    import asyncio
    import urllib.parse

    from bot.app import LOCAL_SECRET
    from tests.asgi import signed

    form = {
        "command": "/capacity",
        "text": text,
        "user_id": user,
        "user_name": "kari",
        "channel_id": "C1",
        "team_id": "T1",
        "response_url": "https://hooks.slack.com/commands/T1/1/x",
        "trigger_id": f"t.{time.monotonic_ns()}",  # each body its own: no replay
        **fields,
    }
    form = {key: value for key, value in form.items() if value is not None}
    return asyncio.run(signed(asgi, LOCAL_SECRET, urllib.parse.urlencode(form)))


@pytest.fixture
def edge(app):
    from bot.app import LOCAL_SECRET
    from bot.http import SlackAsgi

    return SlackAsgi(app, LOCAL_SECRET)


def test_the_edge_answers_a_kept_question_without_bolt_the_same_answer(edge, app, monkeypatch):
    first = edge_command(edge, "Trondheim")
    assert first.status == 200 and first.json()["text"].startswith("Trondheim (5001)")

    async def bolt_ran(*_: object) -> None:
        raise AssertionError("Bolt dispatched a kept question")

    monkeypatch.setattr(edge, "bolt", bolt_ran)
    again = edge_command(edge, "Trondheim")
    assert again.status == 200 and again.json() == first.json()
    assert edge_command(edge, "Trondheim del").json()["response_type"] == "in_channel"


def test_the_edge_never_serves_a_kept_answer_after_a_change_or_to_a_bad_shape(edge, on_disk):
    before = edge_command(edge, "Trondheim").json()
    on_disk.report_spare("Trondheim", 93, ADMIN, source="x")
    after = edge_command(edge, "Trondheim").json()
    assert after != before and "93" in after["text"]
    # a body the listeners could not read gets Bolt's 400, kept answer or not
    assert edge_command(edge, "Trondheim", trigger_id=None).status == 400


def test_the_edge_looks_up_a_new_users_language_before_it_serves_a_kept_answer(
    app, edge, monkeypatch
):
    from bot.user_language import UserLanguages

    class Locales:
        async def users_info(self, *, user: str, include_locale: bool) -> dict:
            return {"ok": True, "user": {"locale": "en-US" if user == "U_EN" else "nb-NO"}}

    app.deps.languages = UserLanguages(Locales(), default="nb")
    nb = edge_command(edge, "Trondheim", user="U_NB")  # the nb answer kept
    assert "ledige" in nb.json()["text"]
    english = edge_command(edge, "Trondheim", user="U_EN")  # looked up: no English kept yet
    assert "spare places" in english.json()["text"]

    async def bolt_ran(*_: object) -> None:
        raise AssertionError("Bolt dispatched a kept question of a known user")

    monkeypatch.setattr(edge, "bolt", bolt_ran)
    again = edge_command(edge, "Trondheim", user="U_EN")  # now known, and kept: the edge answers
    assert again.json() == english.json()
