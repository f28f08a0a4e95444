"""Socket Mode when the connection goes wrong, with `capacity-bot serve` as a real process
over a real WebSocket to the stand-in: a frame over 4 MiB, a 5 MB binary frame, half a
frame and then a reset — each breaks the socket, and the bot opens a new one at once
(not at its ping check, 10 s later) and answers the next envelope on it; and 2,000
envelopes whose `event` is not an object are acked and dropped with a few log lines."""

from __future__ import annotations

import json
import shutil
import time

import pytest

from tests.socket_stand_in import SocketStandIn
from tests.test_socket_mode import SLASH_COMMAND, bot_process, link_or_exit

pytestmark = pytest.mark.slow

PING_CHECK = 10.0  # s: when the SDK alone would notice (its ping interval)


@pytest.fixture(scope="module")
def served(_seeded_template, tmp_path_factory):
    """(the stand-in, the bot process, its log), connected and greeted."""
    tmp = tmp_path_factory.mktemp("socket-faults")
    db, log = tmp / "bot.db", tmp / "bot.log"
    shutil.copy(_seeded_template, db)
    with SocketStandIn() as slack, bot_process(db, slack.api_url, log) as process:
        link_or_exit(slack, process, log).hello()
        yield slack, process, log


def answered_on(link, name: str) -> str:
    command = {**SLASH_COMMAND, "text": "Bergen", "trigger_id": f"t.{name}"}
    return link.envelope("slash_commands", f"env-{name}", command)["payload"]["text"]


def envelope_of(size: int) -> str:
    """A well-formed envelope, padded to `size` characters."""
    command = {**SLASH_COMMAND, "text": "Bergen", "trigger_id": "t.big"}
    envelope = {"envelope_id": "big", "type": "slash_commands", "payload": command}
    text = json.dumps(envelope)
    return text[:-1] + ', "padding": "' + "x" * (size - len(text) - 16) + '"}'


FAULTS = {
    "a text frame over 4 MiB": lambda link: link.send_text(envelope_of(4 * 2**20 + 1024)),
    "a 5 MB binary frame": lambda link: link.send_binary(b"\x00" * 5_000_000),
    "half a frame, then a reset": lambda link: link.half_frame_then_reset(),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_broken_socket_is_replaced_at_once_and_the_next_envelope_answered(served, fault):
    slack, process, log = served
    count = len(slack.links)
    link = slack.links[-1]
    assert answered_on(link, f"before-{count}").startswith("Bergen (4601)")
    started = time.monotonic()
    FAULTS[fault](link)
    fresh = link_or_exit(slack, process, log, count=count + 1)
    reconnected = time.monotonic() - started
    assert link.closed.wait(5), "the broken socket stayed open"
    fresh.hello()
    assert answered_on(fresh, f"after-{count}").startswith("Bergen (4601)")
    print(f"{fault}: a new socket after {reconnected * 1000:.0f} ms")
    assert reconnected < 1.5 < PING_CHECK, reconnected
    assert process.poll() is None


def test_2000_envelopes_whose_event_is_not_an_object_are_dropped_with_a_few_log_lines(served):
    slack, process, log = served
    link = slack.links[-1]
    before = log.read_text()
    kinds = ["a string", 12, ["a", "list"], None, {"no": "type"}, {"type": 5}]
    for n in range(2000):
        payload = {
            "type": "event_callback",
            "team_id": "T1",
            "api_app_id": "A1",
            "event_id": f"EvBad{n}",
            "event_time": 1,
            "event": kinds[n % len(kinds)],
        }
        link.send(
            {
                "envelope_id": f"bad-{n}",
                "type": "events_api",
                "payload": payload,
                "accepts_response_payload": False,
                "retry_attempt": 0,
            }
        )
    acks = {link.receive()["envelope_id"] for _ in range(2000)}
    assert acks == {f"bad-{n}" for n in range(2000)}
    assert answered_on(link, "after-bad").startswith("Bergen (4601)")  # still serving
    written = log.read_text()[len(before) :]
    assert "Traceback" not in written, written[-3000:]
    lines = [line for line in written.splitlines() if line.strip()]
    print("\n".join(lines))
    assert 1 <= len(lines) <= 10, lines  # the first of the kind, then 10, 100, 1,000
    assert "event: must be an object" in lines[0]
