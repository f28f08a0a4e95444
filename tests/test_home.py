"""The Home tab: the core's data, its blocks (limits, escaping, an editor's and an
admin's), and the refresher's debounce and rate limit."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest

from bot.home_blocks import MAX_HOME_BLOCKS, home_view
from bot.home_refresh import HomeRefresher, TokenBucket
from bot.i18n import Texts
from capacity import Actor
from capacity.models import CapacityExceeded, Kind
from capacity.usecases.core import emit
from tests.conftest import ADMIN, CLI

EDITOR = Actor(id="U_TRD", name="kari")


@pytest.fixture
def service(fresh):
    fresh.grant(EDITOR.id, "editor", CLI, "Trondheim")
    fresh.grant(EDITOR.id, "editor", CLI, "Tromsø")
    return fresh


def text_of(view: dict) -> str:
    parts = []
    for block in view["blocks"]:
        if block["type"] in ("section", "header"):
            parts.append(block["text"]["text"])
        elif block["type"] == "context":
            parts.extend(e["text"] for e in block["elements"])
        elif block["type"] == "actions":
            parts.extend(e["text"]["text"] for e in block["elements"])
    return "\n".join(parts)


# -- the core ------------------------------------------------------------------------------


def test_an_editors_home_has_their_places_with_the_last_change(service):
    service.report_spare("Trondheim", 120, EDITOR, reason="nye boliger")
    home = service.home(EDITOR.id)
    assert home.year == 2020 and not home.admin and home.alerts is None
    places = {p.line.municipality.name_no: p for p in home.places}
    assert set(places) == {"Trondheim", "Tromsø"}
    trondheim = places["Trondheim"]
    assert (trondheim.line.spare, trondheim.line.reserved, trondheim.line.remaining) == (
        120,
        0,
        120,
    )
    assert trondheim.last_change.actor == "U_TRD" and trondheim.last_change.after == 120
    assert home.network.totals["spare"].value == 398 + 5


def test_open_batches_and_what_is_unassigned(service):
    service.create_batch("Moria 2020", 10, ADMIN, households=(4, 3, 3), year=2020)
    done = service.create_batch("Done", 2, ADMIN, year=2020)
    service.set_status(done.batch.id, "cancelled", ADMIN)
    home = service.home(EDITOR.id)
    assert home.open_batches == 1
    [item] = home.batches
    assert item.batch.name == "Moria 2020" and item.batch.unallocated == 10
    assert item.scope_title == "KS storbynettverk"


def test_an_admin_sees_pending_and_failed_alerts(service):
    event = CapacityExceeded(
        kind=Kind.BATCH_EXCEEDS,
        batch_id=None,
        batch_name="<!channel> evac",
        year=2020,
        scope="storbynettverket",
        scope_title="KS storbynettverk",
        persons=900,
        remaining=398,
        actor="U_ADMIN",
    )
    with service.store.write() as db:
        emit(service.core, db, [event])
    [alert] = service.alerts()
    service.outbox.mark_failed(alert.id, "channel_not_found <@U1>")
    home = service.home(ADMIN.id)
    assert home.admin and home.alerts.failed == 1 and home.alerts.pending == 0
    assert service.home(EDITOR.id).alerts is None  # editors do not see the outbox
    text = text_of(home_view(home, Texts("en"), service.clock()))
    assert "0 waiting, 1 failed" in text
    assert "&lt;!channel&gt; evac" in text and "<!channel>" not in text
    assert "&lt;@U1&gt;" in text and "capacity-bot alerts --retry" in text


# -- the blocks ----------------------------------------------------------------------------


def test_the_editors_home_in_each_language(service):
    home = service.home(EDITOR.id)
    nb = text_of(home_view(home, Texts("nb"), service.clock()))
    assert "*Trondheim* (5001): *115* ledige – 115 rapportert, 0 reservert" in nb
    assert "*Dine kommuner*" in nb and "Ingen åpne grupper." in nb
    nn = text_of(home_view(home, Texts("nn"), service.clock()))
    assert "*Kommunane dine*" in nn and "Ingen opne grupper." in nn
    en = text_of(home_view(home, Texts("en"), service.clock()))
    assert "*Trondheim* (5001): *115* spare – 115 reported, 0 reserved" in en


def test_a_user_with_no_role_is_told_how_to_get_one(service):
    text = text_of(home_view(service.home("U_NOBODY"), Texts("nb"), service.clock()))
    assert "Du er ikke redaktør for noen kommune" in text
    assert "KS storbynettverk" in text  # the network is there for everyone


def test_many_batches_stay_within_slacks_limits(service):
    for i in range(30):
        service.create_batch(f"<b>Gruppe {i}</b> & co", 1, ADMIN, year=2020)
    view = home_view(service.home(ADMIN.id), Texts("nb"), service.clock())
    assert len(view["blocks"]) <= MAX_HOME_BLOCKS
    assert len(json.dumps(view)) < 250_000  # views.publish refuses larger views
    text = text_of(view)
    assert "Viser 10 av 30" in text and "*Åpne grupper* (30)" in text
    assert "&lt;b&gt;Gruppe 29&lt;/b&gt; &amp; co" in text and "<b>" not in text
    for block in view["blocks"]:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000


# -- refreshing ----------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_bucket_allows_a_burst_then_its_rate():
    clock = Clock()
    bucket = TokenBucket(rate=100 / 60, burst=20, clock=clock)
    assert sum(bucket.take() for _ in range(50)) == 20
    assert bucket.wait() == pytest.approx(0.6)
    clock.now += 6  # ten more in six seconds: 100 a minute
    assert sum(bucket.take() for _ in range(50)) == 10


@pytest.mark.slow
def test_changes_are_coalesced_and_only_recent_viewers_refreshed():
    published: list[str] = []

    async def publish(user: str) -> None:
        published.append(user)

    async def run() -> None:
        clock = Clock()
        refresher = HomeRefresher(publish, debounce=0.05, recent=100, clock=clock)
        refresher.changed()  # nobody opened a Home: nothing to do
        await refresher.opened("U_OLD")
        clock.now = 150
        await refresher.opened("U_NEW")
        published.clear()
        for _ in range(10):  # a burst of changes, from another thread too
            refresher.changed()
        threading.Thread(target=refresher.changed).start()
        await asyncio.sleep(0.2)
        await refresher.drain()
        assert published == ["U_NEW"]  # once, and not the one who looked long ago
        refresher.changed()
        await asyncio.sleep(0.2)
        await refresher.drain()
        assert published == ["U_NEW", "U_NEW"]

    asyncio.run(run())


@pytest.mark.slow
def test_a_change_during_a_refresh_makes_one_more_refresh():
    published: list[str] = []
    gate = asyncio.Event()

    async def run() -> None:
        async def publish(user: str) -> None:
            published.append(user)
            await gate.wait()

        refresher = HomeRefresher(publish, debounce=0.01)
        refresher.opened("U1")
        gate.set()
        await refresher.drain()
        gate.clear()
        refresher.changed()
        await asyncio.sleep(0.05)  # the refresh is under way, waiting on Slack
        refresher.changed()
        refresher.changed()
        gate.set()
        await asyncio.sleep(0.1)
        await refresher.drain()
        assert published == ["U1", "U1", "U1"]

    asyncio.run(run())


def test_refreshes_never_go_over_the_rate_limit():
    clock = Clock()
    times: list[float] = []

    async def publish(user: str) -> None:
        times.append(clock.now)

    async def run() -> None:
        bucket = TokenBucket(rate=100 / 60, burst=5, clock=clock)
        refresher = HomeRefresher(publish, debounce=0.0, bucket=bucket, clock=clock)
        original = asyncio.sleep

        async def sleep(seconds: float) -> None:  # time passes as the bucket waits
            clock.now += seconds
            await original(0)

        asyncio.sleep = sleep  # type: ignore[assignment]
        try:
            for i in range(25):
                refresher.opened(f"U{i}")
            await refresher.drain()
        finally:
            asyncio.sleep = original  # type: ignore[assignment]

    asyncio.run(run())
    assert len(times) == 25
    for start in range(len(times)):  # no 60 s window has more than the burst + 100/min
        window = [t for t in times if times[start] <= t < times[start] + 60]
        assert len(window) <= 5 + 100
    assert times[-1] == pytest.approx(20 * 0.6, abs=0.05)  # 5 at once, then one per 0.6 s


def test_a_failing_publish_does_not_stop_the_others():
    published: list[str] = []

    async def publish(user: str) -> None:
        if user == "U_BAD":
            raise ConnectionError("Slack is down")
        published.append(user)

    async def run() -> None:
        refresher = HomeRefresher(publish, debounce=0.01)
        refresher.opened("U_BAD")
        refresher.opened("U_OK")
        await refresher.drain()
        refresher.changed()
        await asyncio.sleep(0.05)
        await refresher.drain()

    asyncio.run(run())
    assert published == ["U_OK", "U_OK"]


@pytest.mark.slow
def test_a_change_by_another_process_is_noticed_by_polling_the_generation():
    published: list[str] = []
    generation = [1]

    async def publish(user: str) -> None:
        published.append(user)

    async def run() -> None:
        refresher = HomeRefresher(
            publish, debounce=0.01, generation=lambda: generation[0], poll=0.02
        )
        refresher.opened("U1")
        await asyncio.sleep(0.1)
        assert published == ["U1"]  # nothing changed: no refresh
        generation[0] += 1
        await asyncio.sleep(0.1)
        refresher.stop()
        await refresher.drain()

    asyncio.run(run())
    assert published == ["U1", "U1"]


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_the_home_and_its_forms_are_valid_block_kit(service, language):
    """slack_sdk's models check Slack's rules for views (lengths, element kinds)."""
    from slack_sdk.models.views import View

    from bot.home_modals import plan_modal, report_modal

    service.create_batch("<!channel> evac", 12, ADMIN, households=(4, 4, 4), year=2020)
    t = Texts(language)
    for user in (EDITOR.id, ADMIN.id, "U_NOBODY"):
        view = home_view(service.home(user), t, service.clock())
        assert View(**view).to_dict()["type"] == "home"
    editor_form = report_modal(t, 2020, service.editable(EDITOR.id))
    assert [o["value"] for o in editor_form["blocks"][0]["element"]["options"]] == ["5001", "5401"]
    assert service.editable(ADMIN.id) == []  # an admin types any municipality
    batches = [item.batch for item in service.home(ADMIN.id).batches]
    for form in (editor_form, report_modal(t, 2020, []), plan_modal(t, batches), plan_modal(t, [])):
        assert View(**form).to_dict()["type"] == "modal"
        assert len(form["title"]["text"]) <= 24


def test_the_homes_network_is_the_overviews(service):
    service.create_batch("Moria 2020", 10, ADMIN, year=2020)
    service.allocate("Moria 2020", "Oslo", 4, ADMIN)
    home = service.home(EDITOR.id).network
    overview = service.overview("storbynettverket")
    assert home.lines == overview.lines and home.totals == overview.totals


@pytest.mark.parametrize(
    "event",
    [[[]], "x", {"user": "U1"}, {"type": 5}, {"type": "app_home_opened", "tab": ["home"]}],
)
def test_a_malformed_event_is_refused_before_any_listener(fresh, event, caplog):
    """Bolt's own middleware reads `event` before ours: the edge refuses it first."""
    import logging

    from bot.app import LOCAL_SECRET, create_app
    from bot.http import SlackAsgi
    from bot.settings import load_settings
    from tests.asgi import signed

    app = create_app(load_settings(slack_signing_secret=LOCAL_SECRET), fresh)
    body = json.dumps({"type": "event_callback", "team_id": "T1", "event": event})
    with caplog.at_level(logging.WARNING):
        answer = asyncio.run(signed(SlackAsgi(app, LOCAL_SECRET), LOCAL_SECRET, body))
    assert answer.status == 400
    assert not [r for r in caplog.records if r.getMessage().startswith("Unhandled error")]
