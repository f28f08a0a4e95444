"""Start-up cost: a question from the terminal, and the serving bot's memory, against
the libraries and a bare Bolt app, measured in the same run.

    .venv/bin/python bench/bench_startup.py             # 7 runs of each (about a minute)
    .venv/bin/python bench/bench_startup.py --runs 3    # quicker

Each measurement is a fresh process, the two sides of a ratio taken in turns, with the
modules' bytecode cached as after an installation (PYTHONDONTWRITEBYTECODE is dropped
for them and a first run of each is not counted):

* `capacity-bot ask Trondheim` (the console script, over a seeded copy of the bundled
  database) against `python -c "import slack_bolt.async_app, pydantic, sqlite_utils"`
  (the libraries it cannot do without; the bot's Bolt is the async one): the wall time
  from start to exit and the peak RSS (`ru_maxrss`). Target: both within 1.5x.
* `capacity-bot serve --http` (with its Web API at a Slack stand-in on 127.0.0.1 that
  answers `users.list`) against a bare async Bolt app under uvicorn
  (`bench/bare_app.py --setup uvicorn-async`): VmRSS once each has answered one signed
  `/capacity Trondheim`. Target: within 1.4x.

Printed: every run's figures, the medians and their ratios, PASS or MISS per target,
the modules a question imports that the libraries alone do not, and whether it imports
matplotlib, numpy or HiGHS (it should not). Loopback only; every process is bounded by a time limit and stopped at the end.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.terminal import command_body, signed_headers  # noqa: E402
from tests.bot_server import free_port  # noqa: E402
from tests.stand_in import StandIn  # noqa: E402

LIBRARIES = "import slack_bolt.async_app, pydantic, sqlite_utils"
SECRET = "bench-startup-signing-secret"
ASK_RATIO, SERVE_RATIO = 1.5, 1.4
NEVER = ("matplotlib", "numpy", "highspy")  # what a question does not need
LIMIT = 60.0  # seconds any one process may take


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of one process run to its end. The peak is the
    process's own VmHWM, read every millisecond until it exits: `ru_maxrss` would count
    the memory of this (larger) process, which the child shares until it execs."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, cwd=REPO)
    status, peak = Path(f"/proc/{process.pid}/status"), 0
    while process.poll() is None:
        if time.perf_counter() - started > LIMIT:
            process.kill()
            raise RuntimeError(f"{argv} took longer than {LIMIT:.0f} s")
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except OSError:  # gone between poll() and the read
            pass
        time.sleep(0.001)
    took = time.perf_counter() - started
    if process.returncode:
        raise RuntimeError(f"{argv} exited {process.returncode}")
    return took, peak / 1024


def post(port: int) -> int:
    body = command_body("Trondheim", user_id="U_START")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("POST", "/slack/events", body.encode(), signed_headers(SECRET, body))
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def rss_after_start(argv: list[str], env: dict[str, str], port: int) -> float:
    """VmRSS (MiB) of a server once it has answered one signed /capacity Trondheim."""
    process = subprocess.Popen(
        argv, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + LIMIT
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{argv} exited {process.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{argv} did not answer in {LIMIT:.0f} s")
            try:
                if post(port) == 200:
                    break
            except (OSError, http.client.HTTPException):
                time.sleep(0.02)
        with open(f"/proc/{process.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def imported(python: str, env: dict[str, str]) -> tuple[set[str], set[str]]:
    """Top-level packages a question imports, and those the libraries alone import."""
    probe = (
        "import sys, runpy\n"
        "sys.argv = ['capacity-bot', 'ask', 'Trondheim']\n"
        "try:\n"
        "    runpy.run_module('bot', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})), file=sys.stderr)\n"
    )
    ask = subprocess.run([python, "-c", probe], env=env, capture_output=True, text=True, cwd=REPO)
    libs = subprocess.run(
        [python, "-c", f"{LIBRARIES}\nimport sys\nprint(' '.join({{m.split('.')[0] for m in sys.modules}}))"],
        env=env, capture_output=True, text=True, cwd=REPO,
    )  # fmt: skip
    asked = set(ask.stderr.split()) if ask.returncode == 0 else set()
    return asked - {"runpy"}, set(libs.stdout.split())


def median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each (median)")
    args = parser.parse_args()
    python = sys.executable
    script = str(Path(python).with_name("capacity-bot"))
    print(
        f"start-up benchmark: {args.runs} runs of each, {os.cpu_count()} cpu(s), "
        f"load average {os.getloadavg()[0]:.2f} at start"
    )
    with tempfile.TemporaryDirectory(prefix="capacity-bench-startup-") as tmp, StandIn() as slack:
        seed = Path(tmp) / "seed.db"
        from capacity import Capacity

        Capacity.open(str(seed)).store.close()
        # As installed: the modules' bytecode is cached (__pycache__), for the project's
        # modules as for the libraries' (a first, uncounted run of each writes it).
        base = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "CAPACITY_")) and k != "PYTHONDONTWRITEBYTECODE"
        }
        ask_env = {**base, "CAPACITY_DB": str(seed)}
        slack.workspace = ["U_START"]
        run_once([python, "-c", LIBRARIES], base)
        run_once([script, "ask", "Trondheim"], ask_env)

        asks, libs = [], []
        for _ in range(args.runs):
            libs.append(run_once([python, "-c", LIBRARIES], base))
            asks.append(run_once([script, "ask", "Trondheim"], ask_env))
        bots, bares = [], []
        for _ in range(args.runs):
            db = Path(tmp) / "bot.db"
            shutil.copyfile(seed, db)
            port = free_port()
            bot_env = {
                **base,
                "SLACK_BOT_TOKEN": "xoxb-bench-startup",
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": slack.api_url,
                "CAPACITY_DB": str(db),
            }
            serve = [python, "-m", "bot", "serve", "--http", "--host", "127.0.0.1"]
            bots.append(rss_after_start([*serve, "--port", str(port)], bot_env, port))
            port = free_port()
            bare = [
                python, str(REPO / "bench" / "bare_app.py"), "--setup", "uvicorn-async",
                "--port", str(port), "--threads", "1", "--secret", SECRET,
                "--api-url", slack.api_url,
            ]  # fmt: skip
            bares.append(rss_after_start(bare, base, port))
        asked, by_libs = imported(python, ask_env)

    print(f"\n{'run':<5}{'ask s':>8}{'libs s':>8}{'ask MiB':>9}{'libs MiB':>10}", end="")
    print(f"{'serve MiB':>11}{'bare MiB':>10}")
    for i in range(args.runs):
        (a_s, a_m), (l_s, l_m) = asks[i], libs[i]
        print(
            f"{i + 1:<5}{a_s:>8.3f}{l_s:>8.3f}{a_m:>9.1f}{l_m:>10.1f}{bots[i]:>11.1f}{bares[i]:>10.1f}"
        )
    ask_s, lib_s = median([a for a, _ in asks]), median([s for s, _ in libs])
    ask_m, lib_m = median([m for _, m in asks]), median([m for _, m in libs])
    bot_m, bare_m = median(bots), median(bares)
    results = [
        ("capacity-bot ask Trondheim, time", ask_s, lib_s, "s", ASK_RATIO),
        ("capacity-bot ask Trondheim, peak RSS", ask_m, lib_m, "MiB", ASK_RATIO),
        ("serving bot's RSS after start", bot_m, bare_m, "MiB", SERVE_RATIO),
    ]
    print(f"\nmedians ({LIBRARIES!r}; bare: async Bolt under uvicorn):")
    for name, ours, theirs, unit, target in results:
        ratio = ours / theirs
        verdict = "PASS" if ratio <= target else "MISS"
        print(
            f"  {name:<38} {ours:8.3f} {unit} against {theirs:8.3f} {unit}: "
            f"{ratio:.2f}x  {verdict} (<= {target})"
        )
    extra = sorted(asked - by_libs - {"bot", "capacity"})
    print(f"\na question imports beyond the libraries: {', '.join(extra) or 'nothing'}")
    drawn = [m for m in NEVER if m in asked]
    print(
        f"a question imports {', '.join(NEVER)}: {', '.join(drawn) or 'none of them'} "
        f"({'MISS' if drawn else 'PASS'}; numpy comes with sqlite-utils in the libraries' own)"
    )
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
