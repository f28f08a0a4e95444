"""How old a reported figure is: every answer showing one says so, one older than
CAPACITY_STALE_DAYS is marked old, the overviews count the old ones, and a round's
answer makes a figure current again."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.blocks import plain
from bot.capacity_blocks import capacity_message, overview_message
from bot.home_blocks import home_view
from bot.i18n import Texts
from bot.listeners.answers import answer
from bot.listeners.deps import Deps
from bot.parse import parse
from bot.summary_blocks import summary_message
from capacity.domain.freshness import age_days, figure_day
from tests.conftest import ADMIN
from tests.test_rounds import answer as round_answer
from tests.test_rounds import open_network, with_editors

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def text_of(message) -> str:
    return json.dumps(message.blocks, ensure_ascii=False)


def test_a_figure_is_as_old_as_its_sources_date_or_when_it_was_recorded(fresh, clock):
    letter = fresh.capacity("Trondheim").spare_report
    assert letter.source_date == "2020-09" and str(figure_day(letter)) == "2020-09-01"
    clock.now = NOW - timedelta(days=3)
    fresh.report_spare("Oslo", 80, ADMIN)
    assert age_days(fresh.capacity("Oslo").spare_report, NOW) == 3


def test_an_answer_says_how_old_its_reported_figure_is_and_marks_an_old_one(fresh, clock):
    clock.now = NOW - timedelta(days=1)
    fresh.report_spare("Oslo", 80, ADMIN)
    t = Texts("nb")
    oslo = text_of(capacity_message(fresh.capacity("Oslo"), t, now=NOW, stale_days=60))
    assert "(1 dag gammelt)" in oslo and ":hourglass:" not in oslo
    old = text_of(capacity_message(fresh.capacity("Bergen"), t, now=NOW, stale_days=60))
    assert ":hourglass: (gammelt: 2\u00a0283 dager)" in old
    english = text_of(capacity_message(fresh.capacity("Bergen"), Texts("en"), now=NOW,
                                       stale_days=5000))  # fmt: skip
    assert "(2,283 days old)" in english


def test_the_overviews_and_the_home_count_the_old_figures(fresh, clock):
    clock.now = NOW
    fresh.report_spare("Oslo", 80, ADMIN)
    t = Texts("nb")
    network = text_of(overview_message(fresh.overview(), t, now=NOW, stale_days=60))
    assert (
        ":hourglass: 6 av 7 rapporterte tall er eldre enn 60 dager: Bergen (2\u00a0283)" in network
    )
    country = text_of(overview_message(fresh.overview("norge"), t, now=NOW, stale_days=60))
    assert "6 av 7 rapporterte tall" in country
    home = json.dumps(home_view(fresh.home(ADMIN.id), t, NOW, 60)["blocks"], ensure_ascii=False)
    assert "6 av 7 rapporterte tall er eldre enn 60 dager" in home


def test_a_rounds_answer_makes_the_figure_current(fresh, clock):
    with_editors(fresh, clock)
    open_network(fresh)
    fresh.set_planning_year(2027, ADMIN)
    round_answer(fresh, "5001", 120)
    t = Texts("nb")
    line = text_of(capacity_message(fresh.capacity("Trondheim"), t, now=clock.now, stale_days=60))
    assert "(0 dager gammelt)" in line


def test_a_kept_answer_is_made_again_the_next_day(fresh, clock):
    clock.now = NOW
    deps = Deps(service=fresh, texts=Texts("nb"), stale_days=60)
    first = answer(parse("Oslo"), deps, "U1")
    assert answer(parse("Oslo"), deps, "U1") is first  # kept
    clock.advance(days=1)
    again = answer(parse("Oslo"), deps, "U1")
    assert again is not first and "2\u00a0284 dager" in text_of(again)


def test_an_answer_made_as_the_day_turns_is_kept_for_the_day_it_was_looked_for(fresh, clock):
    clock.now = datetime(2026, 12, 2, 22, 59, 59, tzinfo=UTC)  # 23:59:59 in Oslo
    deps = Deps(service=fresh, texts=Texts("nb"), stale_days=60)
    request = parse("Oslo")
    looked, kept = deps.answers.kept(request, deps.texts)  # the front's one look
    assert looked is not None and kept is None
    made = plain("Oslo, as old as its figures are on the 2nd")
    clock.advance(seconds=2)  # midnight passes before it is kept
    deps.answers.keep(looked, made)
    assert deps.answers.kept(request, deps.texts)[1] is None  # the 3rd's is made anew
    clock.advance(seconds=-2)
    assert "on the 2nd" in (deps.answers.kept(request, deps.texts)[1] or "")  # the 2nd's


def test_the_weekly_summary_counts_the_old_figures_as_the_overviews_do(fresh, clock):
    clock.now = NOW
    fresh.report_spare("Oslo", 80, ADMIN)
    summary = fresh.summary()
    nb = text_of(summary_message(summary, Texts("nb"), stale_days=60))
    assert ":hourglass: 6 av 7 rapporterte tall er eldre enn 60 dager: Bergen (2\u00a0283)" in nb
    assert "Oslo (" not in nb  # reported today
    nn = text_of(summary_message(summary, Texts("nn"), stale_days=60))
    assert "6 av 7" in nn and ":hourglass:" in nn
    assert ":hourglass:" not in text_of(summary_message(summary, Texts("nb"), stale_days=5000))
