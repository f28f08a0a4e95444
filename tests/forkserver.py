"""Start `python -m bot …` processes without paying for the bot's imports each time.

A bot process spends most of its start (about 0.9 s of CPU) importing Bolt, slack_sdk,
pydantic's models, uvicorn and the bot's own modules; the end-to-end tests start dozens.
This module is a fork server, as multiprocessing's `forkserver` is: one process per test
session imports what `capacity-bot serve` imports, once, and then forks a child for each
start. The child sets the environment, working directory and output it was given and
runs the `-m` module as `python -m` does (`runpy`), so the bot's own start (settings,
database, app, workers, server) runs in full in every child; only the imports are
shared. A child is a real process of its own: signals, exit codes and crashes are its.

`spawn()` gives a `subprocess.Popen`-like handle (`pid`, `poll`, `wait`, `send_signal`,
`terminate`, `kill`, `returncode`). The fork server forks only while it is one thread
(nothing it imported started a thread); otherwise, or with CAPACITY_TEST_FORKSERVER=0, or
if it cannot start, `spawn()` returns None and the caller starts the process itself.

Run as a script, it is the server: requests are JSON lines on stdin, answers JSON lines
on stdout ({"pid": …}, {"error": …}, and {"exit": pid, "code": …} when a child ends).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

# What `capacity-bot serve` imports before it serves (HTTP and Socket Mode); what a
# request needs later (charts, the planner) is imported by the child when first used.
PRELOAD = (
    "bot.cli",
    "bot.app",
    "bot.http",
    "bot.socket_mode",
    "uvicorn",
    "uvicorn.loops.uvloop",
    "uvicorn.protocols.http.httptools_impl",
    "uvicorn.lifespan.on",
)


# -- the client side (in the test process) ----------------------------------------------


class Forked:
    """A process forked by the fork server, handled as a `subprocess.Popen` is."""

    def __init__(self, server: _Client, pid: int, args: list[str]) -> None:
        self._server = server
        self.pid = pid
        self.args = args
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self._server.exit_code(self.pid)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        code = self._server.wait_exit(self.pid, timeout)
        if code is None:
            raise subprocess.TimeoutExpired(self.args, timeout or 0)
        self.returncode = code
        return code

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class _Client:
    """The test process's end of one fork server."""

    def __init__(self) -> None:
        script = Path(__file__).resolve()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import runpy, sys; runpy.run_path(sys.argv[1], run_name='__main__')",
                str(script),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.lock = threading.Lock()  # one spawn at a time
        self.changed = threading.Condition()
        self.exits: dict[int, int] = {}
        self.answers: list[dict[str, Any]] = []
        self.alive = True
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            message = json.loads(line)
            with self.changed:
                if "exit" in message:
                    self.exits[message["exit"]] = message["code"]
                else:  # a new child: an earlier one's exit under its pid is not its own
                    self.exits.pop(message.get("pid", 0), None)
                    self.answers.append(message)
                self.changed.notify_all()
        with self.changed:
            self.alive = False
            self.changed.notify_all()

    def spawn(self, argv: list[str], env: dict[str, str], cwd: str, output: str) -> int | None:
        request = {"argv": argv, "env": env, "cwd": cwd, "output": output}
        with self.lock:
            assert self.process.stdin is not None
            try:
                self.process.stdin.write(json.dumps(request).encode() + b"\n")
                self.process.stdin.flush()
            except OSError:
                return None
            with self.changed:
                if not self.changed.wait_for(lambda: self.answers or not self.alive, 30):
                    return None
                if not self.answers:
                    return None
                answer = self.answers.pop(0)
        return answer.get("pid")

    def exit_code(self, pid: int) -> int | None:
        with self.changed:
            return self.exits.get(pid)

    def wait_exit(self, pid: int, timeout: float | None) -> int | None:
        with self.changed:
            self.changed.wait_for(lambda: pid in self.exits or not self.alive, timeout)
            return self.exits.get(pid)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            if self.process.stdin:
                self.process.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)


_client: _Client | None = None
_client_lock = threading.Lock()
_unusable = False


def spawn(argv: list[str], *, env: dict[str, str], output: Path) -> Forked | None:
    """`python ARGV…` (e.g. `["-m", "bot", "serve", "--http", …]`) forked from the fork
    server, with `env` as its whole environment, this process's working directory, and
    stdout and stderr appended to `output`; None when it cannot be forked there."""
    global _client, _unusable
    if os.environ.get("CAPACITY_TEST_FORKSERVER", "1") == "0" or _unusable:
        return None
    if argv[:1] != ["-m"] or not hasattr(os, "fork"):
        return None
    with _client_lock:
        if _client is None:
            try:
                _client = _Client()
            except OSError:
                _unusable = True
                return None
            atexit.register(_client.close)
        client = _client
    pid = client.spawn(argv, dict(env), os.getcwd(), str(output))
    if pid is None:
        _unusable = True  # it could not fork (threads, or it died): start processes instead
        return None
    return Forked(client, pid, [sys.executable, *argv])


# -- the server side (its own process) -----------------------------------------------------


def _threads() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


def _serve() -> dict[str, Any] | None:
    """Fork a child per request; returns the request in the child, None at the end."""
    import importlib
    import selectors

    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 1)
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    requests = sys.stdin.buffer
    selector = selectors.DefaultSelector()
    selector.register(requests, selectors.EVENT_READ)
    selector.register(wake_read, selectors.EVENT_READ)

    def say(message: dict[str, Any]) -> None:
        answers.write(json.dumps(message) + "\n")

    def reap() -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            say({"exit": pid, "code": os.waitstatus_to_exitcode(status)})

    while True:
        for key, _ in selector.select():
            if key.fileobj == wake_read:
                with contextlib.suppress(BlockingIOError):
                    os.read(wake_read, 512)
                reap()
                continue
            line = requests.readline()
            if not line:
                return None
            request = json.loads(line)
            if _threads() != 1:
                say({"error": f"{_threads()} threads: forking is not safe"})
                continue
            pid = os.fork()
            if pid == 0:  # the child: leave the server's descriptors and signals behind
                signal.set_wakeup_fd(-1)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                selector.close()
                for fd in (wake_read, wake_write):
                    os.close(fd)
                answers.close()
                _output(request["output"], null)
                return request
            say({"pid": pid})
            reap()


def _output(path: str, null: int) -> None:
    out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(null, 0)
    os.dup2(out, 1)
    os.dup2(out, 2)
    for fd in (out, null):
        os.close(fd)


def _run(request: dict[str, Any]) -> None:
    """In the child: as `python -m MODULE ARGS…` would, with the request's environment."""
    import runpy
    import time

    os.environ.clear()
    os.environ.update(request["env"])
    if hasattr(time, "tzset"):
        time.tzset()
    os.chdir(request["cwd"])
    sys.path[0] = request["cwd"]  # `-m` puts the working directory first
    argv: list[str] = request["argv"]
    module, args = argv[1], argv[2:]
    sys.argv = [module, *args]  # runpy puts the module's file in sys.argv[0]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    child = _serve()
    if child is not None:
        _run(child)  # then exits as any Python process does (atexit, threads joined)
