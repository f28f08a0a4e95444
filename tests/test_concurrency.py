"""Several threads and processes on one database file: no overbooking, no lost writes."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from capacity import Actor, Capacity
from capacity.storage.store import Store
from tests.conftest import ADMIN


def test_concurrent_assignments_never_overbook(on_disk):
    on_disk.create_batch("Moria 2020", 400, ADMIN, year=2020)
    service = Capacity(Store(on_disk.store.path))  # a second service, as a bot process has

    def assign(i: int):
        return service.allocate(
            "Moria 2020", "Trondheim", 7, Actor(id=f"U{i}", name=f"u{i}", trusted=True)
        )

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(assign, range(40)))
    granted = [r for r in results if r.granted]
    assert len(results) == 40
    assert len(granted) == 115 // 7  # 16 of 7 persons fit in 115
    assert all(r.remaining < 7 for r in results if not r.granted)
    assert on_disk.capacity("Trondheim").reserved == 16 * 7 <= 115


@pytest.mark.slow
def test_two_processes_report_at_once_and_both_are_kept(on_disk):
    code = (
        "import sys; from capacity import Capacity, Actor\n"
        "c = Capacity.open(sys.argv[1])\n"
        "for i in range(20):\n"
        "    c.report_spare('Oslo', 50 + i, Actor(id=sys.argv[2], trusted=True), source='p')\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, on_disk.store.path, f"P{n}"])
        for n in range(2)
    ]
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    changes = [c for c in on_disk.history("Oslo") if c.key == "0301/2020/spare"]
    assert len(changes) == 1 + 40
    assert on_disk.store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
