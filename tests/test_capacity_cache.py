"""capacity() answers are kept between questions, and never outlive a change, whoever
makes it: this process, another thread, or another process such as the CLI."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from capacity import Actor, Capacity
from capacity.store import Store
from tests.conftest import ADMIN

CLI = Actor(id="cli:test", trusted=True)


def test_a_repeated_question_is_answered_from_the_cache(on_disk):
    first = on_disk.capacity("Trondheim")
    assert on_disk.capacity("Trondheim") is first


def test_a_change_in_this_process_is_seen_at_once(on_disk):
    on_disk.capacity("Trondheim")
    on_disk.report_spare("Trondheim", 90, ADMIN, source="x")
    assert on_disk.capacity("Trondheim").spare == 90


def test_a_change_by_another_thread_is_seen(on_disk):
    on_disk.capacity("Trondheim")
    other = Capacity(Store(on_disk.store.path))
    thread = threading.Thread(target=lambda: other.report_spare("Trondheim", 91, CLI, source="x"))
    thread.start()
    thread.join()
    assert on_disk.capacity("Trondheim").spare == 91


@pytest.mark.slow
def test_a_change_by_another_process_is_seen(on_disk):
    on_disk.capacity("Trondheim")
    code = (
        "import sys; from capacity import Capacity, Actor\n"
        "Capacity.open(sys.argv[1]).report_spare('Trondheim', 92, Actor(id='p', trusted=True), source='p')"
    )
    subprocess.run([sys.executable, "-c", code, on_disk.store.path], check=True, timeout=60)
    assert on_disk.capacity("Trondheim").spare == 92


def test_a_reservation_is_seen(on_disk):
    on_disk.capacity("Trondheim")
    on_disk.create_batch("Moria 2020", 50, ADMIN, year=2020)
    on_disk.allocate("Moria 2020", "Trondheim", 20, ADMIN)
    assert on_disk.capacity("Trondheim").remaining == 95
