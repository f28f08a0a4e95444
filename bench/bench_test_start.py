"""What starting a bot process costs the end-to-end tests: `python -m bot serve --http`
started afresh, against the same forked from the tests' fork server (tests/forkserver.py),
which has made the bot's imports once.

    .venv/bin/python bench/bench_test_start.py            # 8 starts each (about 30 s)
    .venv/bin/python bench/bench_test_start.py --quick    # 3 starts each

Each start is timed as the tests see it (`BotServer.start()`: launched, then `/healthz`
answering 200, on 127.0.0.1 against the Slack stand-in), and the bot process's own CPU
time until then is read from /proc. The two ways alternate, start after start. The fork
server's own start (its imports) is paid once per test process and printed apart.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from capacity import Capacity  # noqa: E402
from tests import forkserver  # noqa: E402
from tests.bot_server import BotServer  # noqa: E402
from tests.stand_in import StandIn  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a live process, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def one_start(db: Path, api_url: str, forked: bool) -> tuple[float, float]:
    os.environ["CAPACITY_TEST_FORKSERVER"] = "1" if forked else "0"
    server = BotServer(db, api_url)
    started = time.monotonic()
    server.start()
    took = time.monotonic() - started
    assert server.process is not None
    cpu = cpu_seconds(server.process.pid)
    assert isinstance(server.process, forkserver.Forked) == forked
    server.stop()
    return took, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 starts each")
    count = 3 if parser.parse_args().quick else 8
    folder = Path(tempfile.mkdtemp(prefix="bench-start-"))
    db = folder / "capacity.db"
    Capacity.open(str(db)).store.close()
    print(f"python {platform.python_version()}, load {os.getloadavg()[0]:.2f}, {count} each")
    with StandIn() as slack:
        began = time.monotonic()
        one_start(db, slack.api_url, forked=True)  # the fork server starts here, once
        first = time.monotonic() - began
        assert forkserver._client is not None
        server_cpu = cpu_seconds(forkserver._client.process.pid)
        fresh: list[tuple[float, float]] = []
        forked: list[tuple[float, float]] = []
        for _ in range(count):
            fresh.append(one_start(db, slack.api_url, forked=False))
            forked.append(one_start(db, slack.api_url, forked=True))
    print(f"the fork server's own start: {server_cpu:.2f} s CPU (first start {first:.2f} s)")
    for what, index in (("wall time to /healthz 200", 0), ("the bot's CPU until then", 1)):
        a = statistics.median(t[index] for t in fresh)
        b = statistics.median(t[index] for t in forked)
        print(f"  {what:28} fresh {a:6.3f} s, forked {b:6.3f} s: {b / a:5.2f}x")


if __name__ == "__main__":
    main()
