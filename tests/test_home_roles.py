"""The Home shows each user only the buttons their role can use (issue 15: an editor was
offered "Ny gruppe" and "Lag en plan", refused only when the form was sent)."""

from __future__ import annotations

import pytest

from bot.chart_blocks import CHART_ACTION
from bot.home_blocks import NEW_BATCH_ACTION, PLAN_ACTION, REPORT_ACTION, home_view
from bot.i18n import Texts
from tests.conftest import ADMIN, CLI


@pytest.fixture
def service(fresh):
    fresh.grant("U_TRD", "editor", CLI, "Trondheim")
    return fresh


def buttons(service, user: str, language: str = "nb") -> dict[str, str]:
    view = home_view(service.home(user), Texts(language), service.clock())
    [actions] = [b for b in view["blocks"] if b.get("block_id") == "home_actions"]
    return {e["action_id"]: e["text"]["text"] for e in actions["elements"]}


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_an_editor_sees_report_and_chart_but_no_batch_or_plan(service, language):
    found = buttons(service, "U_TRD", language)
    assert set(found) == {REPORT_ACTION, CHART_ACTION}
    if language == "nb":
        assert "Ny gruppe" not in found.values() and "Lag en plan" not in found.values()


def test_an_admin_sees_every_button(service):
    assert set(buttons(service, ADMIN.id)) == {
        REPORT_ACTION,
        NEW_BATCH_ACTION,
        PLAN_ACTION,
        CHART_ACTION,
    }


def test_someone_without_a_role_sees_only_the_chart(service):
    assert set(buttons(service, "U_NOBODY", "nn")) == {CHART_ACTION}
