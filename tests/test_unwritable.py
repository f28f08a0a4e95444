"""A database that cannot be written: the disk full, the file read-only. A write says why
and that nothing was changed; `/healthz` names the failing write check (503: a bot that
cannot save a report should not take one); a start on an unwritable directory, a damaged
header or a full disk is one line naming the file, exit status 2.

The full disk is a small tmpfs and the read-only mount a bind mount, both needing root
(skipped with the reason elsewhere). Root writes a file whatever its mode, so the chmod
cases run the bot without the capabilities that let it (`setpriv`)."""

from __future__ import annotations

import asyncio
import errno
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import create_app
from bot.http import SlackAsgi
from bot.settings import load_settings
from bot.terminal import command_body
from tests.asgi import call, signed
from tests.bot_server import BotServer

SECRET = "unwritable-secret"
FULL_NB = "Databasen kan ikke skrives til: disken er full. Ingenting ble endret."
READ_ONLY_NB = "Databasen kan ikke skrives til: den er skrivebeskyttet. Ingenting ble endret."
# Run as root without the capabilities that let root write a file whatever its mode.
WITHOUT_OVERRIDE = [
    "setpriv",
    "--bounding-set=-dac_override,-dac_read_search,-fowner",
    "--inh-caps=-dac_override,-dac_read_search,-fowner",
]


def spare(db: Path, number: str = "0301") -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    value = conn.execute(
        "SELECT value FROM figures WHERE number = ? AND year = 2020 AND measure = 'spare'",
        [number],
    ).fetchone()[0]
    conn.close()
    return value


def mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True, check=False)
    if done.returncode:
        pytest.skip(f"cannot mount here: {done.stderr.strip()}")


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Path]:
    """A directory on its own 8 MiB tmpfs (the seeded database is 2 MiB)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    where = tmp_path / "disk"
    where.mkdir()
    mount("-t", "tmpfs", "-o", "size=8m", "tmpfs", str(where))
    yield where
    subprocess.run(["umount", "-l", str(where)], check=False)


def fill(directory: Path) -> Path:
    """Write a file until the disk is full; its path."""
    filler = directory / "filler"
    chunk = b"\0" * 65536
    with open(filler, "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(chunk)
        except OSError as error:
            assert error.errno == errno.ENOSPC
    for size in (4096, 512, 1):  # what the last chunk left
        with open(filler, "ab", buffering=0) as handle:
            try:
                while True:
                    handle.write(b"\0" * size)
            except OSError:
                pass
    return filler


# -- the disk fills while the bot serves -------------------------------------------------


@pytest.mark.slow  # a bot process on a tmpfs
def test_on_a_full_disk_a_report_says_why_and_healthz_fails_its_write_check(
    small_disk, admin_db, tmp_path
):
    db = small_disk / "capacity.db"
    shutil.copy(admin_db, db)
    with BotServer(db, "http://127.0.0.1:9/api/", log=tmp_path / "bot.log") as bot:
        filler = fill(small_disk)

        reply = bot.command("rapporter Oslo 80", user_id="U_ADMIN")
        health = bot.get("/healthz")

        assert reply.status == 200 and reply.json()["text"] == FULL_NB
        assert spare(db) == 73  # verified: nothing was changed
        assert health.status == 503, health.text
        assert health.json()["check"] == "write"
        assert "cannot be written: the disk is full (0 KiB free)" in health.json()["reason"]

        filler.unlink()  # room again: ready, and the report goes through
        assert bot.get("/healthz").status == 200
        assert "73 → *80*" in bot.command("rapporter Oslo 80", user_id="U_ADMIN").json()["text"]
        assert spare(db) == 80
    assert "Traceback" not in (tmp_path / "bot.log").read_text()


# -- a read-only database -----------------------------------------------------------------


def read_only_answers(db: str) -> dict[str, object]:
    """The bot's answers on `db`, which the caller made read-only: a report, a question,
    and /healthz (in process, through the real edge; run in its own process too)."""
    settings = load_settings(slack_signing_secret=SECRET, slack_bot_token="xoxb-test")
    settings.capacity_db = db
    asgi = SlackAsgi(create_app(settings), SECRET)

    async def ask(text: str) -> str:
        body = command_body(text, user_id="U_ADMIN", user_name="ada")
        return (await signed(asgi, SECRET, body)).json()["text"]

    async def answers() -> dict[str, object]:
        health = await call(asgi, "/healthz")
        return {
            "report": await ask("rapporter Oslo 80"),
            "question": await ask("Oslo"),
            "health": [health.status, health.json()],
        }

    return asyncio.run(answers())


def assert_read_only_answers(found: dict, db: Path) -> None:
    assert found["report"] == READ_ONLY_NB
    assert "73" in found["question"]  # reads go on
    status, body = found["health"]
    assert status == 503 and body["check"] == "write", body
    assert "cannot be written: it is read-only" in body["reason"]
    assert spare(db) == 73


@pytest.mark.slow  # a process of its own
def test_on_a_database_made_read_only_by_its_mode_a_report_says_why(admin_db):
    admin_db.chmod(0o444)
    prefix = WITHOUT_OVERRIDE if os.geteuid() == 0 else []
    if prefix and shutil.which("setpriv") is None:
        pytest.skip("root writes a read-only file; setpriv, to run without that, is missing")
    code = (
        "import json, sys; from tests.test_unwritable import read_only_answers; "
        "print(json.dumps(read_only_answers(sys.argv[1])))"
    )
    done = subprocess.run(
        [*prefix, sys.executable, "-c", code, str(admin_db)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).parent.parent,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert_read_only_answers(json.loads(done.stdout.splitlines()[-1]), admin_db)


def test_on_a_read_only_mount_a_report_says_why(small_disk, admin_db, tmp_path):
    shutil.copy(admin_db, small_disk / "capacity.db")
    writer = sqlite3.connect(small_disk / "capacity.db")  # keeps its -wal and -shm there
    writer.execute("SELECT count(*) FROM figures").fetchone()
    view = tmp_path / "read-only"
    view.mkdir()
    mount("--bind", "-o", "ro", str(small_disk), str(view))
    try:
        assert_read_only_answers(read_only_answers(str(view / "capacity.db")), view / "capacity.db")
    finally:
        subprocess.run(["umount", "-l", str(view)], check=False)
        writer.close()


# -- a start it cannot make -----------------------------------------------------------------


def serve(db: Path, prefix: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-x",
        "SLACK_SIGNING_SECRET": "s",
        "CAPACITY_DB": str(db),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    }
    return subprocess.run(
        [*(prefix or []), sys.executable, "-m", "bot", "serve", "--http", "--port", "9"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def assert_one_line(done: subprocess.CompletedProcess[str], db: Path, says: str) -> None:
    lines = [line for line in done.stderr.splitlines() if not line.startswith("20")]  # logs
    assert done.returncode == 2, done.stderr[-2000:]
    assert lines == [lines[0]] and lines[0].startswith(f"Error: {db} "), done.stderr[-2000:]
    assert says in lines[0] and "Traceback" not in done.stderr


@pytest.mark.slow  # a process
def test_a_start_on_a_full_disk_is_one_line_naming_the_file(small_disk, seeded_db):
    db = small_disk / "capacity.db"
    shutil.copy(seeded_db, db)
    fill(small_disk)

    assert_one_line(serve(db), db, "cannot be written: the disk is full")


@pytest.mark.slow  # a process
def test_a_start_on_a_full_disk_with_no_database_yet_leaves_nothing_behind(small_disk):
    fill(small_disk)
    before = sorted(p.name for p in small_disk.iterdir())
    db = small_disk / "data" / "capacity.db"

    assert_one_line(serve(db), db, "cannot be written: the disk is full")
    assert sorted(p.name for p in small_disk.iterdir()) == before  # no file, no folder


@pytest.mark.slow  # a process
def test_a_start_on_a_damaged_header_is_one_line_naming_the_file(seeded_db):
    with open(seeded_db, "r+b") as handle:
        handle.write(b"not SQLite at all")  # over the header's magic string

    assert_one_line(serve(seeded_db), seeded_db, "its header is damaged")


@pytest.mark.slow  # a process
def test_a_start_in_a_directory_it_cannot_write_is_one_line_naming_the_file(tmp_path):
    if os.geteuid() != 0:
        where = tmp_path / "locked"
        where.mkdir(mode=0o555)
        db, says = where / "sub" / "capacity.db", "cannot be opened or created"
    else:
        where = tmp_path / "read-only"
        where.mkdir()
        mount("-t", "tmpfs", "-o", "size=1m,ro", "tmpfs", str(where))
        db, says = where / "capacity.db", "it is read-only"
    try:
        assert_one_line(serve(db), db, says)
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.mark.slow  # a process
def test_a_start_on_a_database_made_read_only_by_its_mode_is_one_line(seeded_db):
    seeded_db.chmod(0o444)
    prefix = WITHOUT_OVERRIDE if os.geteuid() == 0 else []
    if prefix and shutil.which("setpriv") is None:
        pytest.skip("root writes a read-only file; setpriv, to run without that, is missing")

    assert_one_line(serve(seeded_db, prefix), seeded_db, "it is read-only")


# -- the write check itself ---------------------------------------------------------------


def test_the_write_check_writes_nothing_and_answers_quickly(admin_db):
    settings = load_settings(slack_signing_secret=SECRET, slack_bot_token="xoxb-test")
    settings.capacity_db = str(admin_db)
    app = create_app(settings)
    asgi = SlackAsgi(app, SECRET)
    wal = Path(f"{admin_db}-wal")
    sizes = (admin_db.stat().st_size, wal.stat().st_size if wal.exists() else 0)
    version = app.deps.service.generation()

    async def polls() -> list[float]:
        took = []
        for _ in range(100):
            started = time.perf_counter()
            answer = await call(asgi, "/healthz")
            took.append(time.perf_counter() - started)
            assert answer.status == 200, answer.body
        return took

    took = sorted(asyncio.run(polls()))

    assert (admin_db.stat().st_size, wal.stat().st_size if wal.exists() else 0) == sizes
    assert app.deps.service.generation() == version  # no commit, by anyone
    assert took[49] < 0.02, took  # the median: polled every few seconds, it stays cheap
