"""The container (Dockerfile, compose.yaml) and the systemd unit run what the package
really installs: its console scripts with options they accept, the health path the bot
serves, the database where a volume or the state directory keeps it, never as root.
(Building the image needs a base image, which cannot be pulled here: tests/test_packaging.py
builds the image's wheel from the Dockerfile's own build stage and runs its command.)"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path, PurePosixPath

import pytest
from click.testing import CliRunner

from bot.app import create_app
from bot.cli import cli as bot_cli
from bot.http import SlackAsgi
from bot.probe import HEALTH, probe
from bot.settings import load_settings
from capacity import Capacity
from capacity.storage.store import Store
from tests.asgi import call
from tests.bot_server import BotServer, free_port
from tests.deploy_files import ROOT, UNIT, compose, console_scripts, image, invocation, stages, unit

SECRET = "deploy-secret"


def test_the_image_is_python_3_11_slim_with_the_wheel_built_in_a_stage_of_its_own():
    build, final = stages()[0], image()
    assert final.base == "python:3.11-slim"
    assert any("python -m build --wheel" in run.value[0] for run in build.all("RUN"))
    [wheel] = [c for c in final.all("COPY") if f"--from={build.name}" in c.flags]
    installs = " ".join(run.value[0] for run in final.all("RUN"))
    assert f"pip install --no-cache-dir {wheel.value[-1]}*.whl" in installs


def test_the_image_serves_http_with_capacity_bot_serve():
    command = image().last("CMD")
    assert command is not None and command.json and image().last("ENTRYPOINT") is None
    name, params = invocation(command.value)
    assert name == "serve" and params["http"] is True
    assert str(params["port"]) in image().last("EXPOSE").value  # type: ignore[union-attr]


def test_the_health_check_asks_the_port_the_image_serves_on():
    check = image().last("HEALTHCHECK")
    assert check is not None and check.json and check.value[0] == "CMD"
    name, params = invocation(check.value[1:])
    assert name == "health"
    assert params["port"] == invocation(image().last("CMD").value)[1]["port"]  # type: ignore[union-attr]
    assert params["host"] == "127.0.0.1"


def test_the_path_the_health_check_asks_is_the_one_the_bot_answers(seeded_db):
    settings = load_settings(slack_signing_secret=SECRET, slack_bot_token="xoxb-test")
    service = Capacity(Store(seeded_db))
    asgi = SlackAsgi(create_app(settings, service), SECRET)
    answer = asyncio.run(call(asgi, HEALTH))
    missing = asyncio.run(call(asgi, HEALTH + "x"))
    service.store.close()
    assert HEALTH == "/healthz" and answer.status == 200 and answer.json() == {"ok": True}
    assert missing.status == 404


def test_the_image_runs_as_a_user_of_its_own_not_root():
    user = image().last("USER")
    assert user is not None and user.value[0].split(":")[0] not in {"root", "0"}
    made = " ".join(run.value[0] for run in image().all("RUN"))
    assert f"useradd --system --create-home --uid 10001 --user-group {user.value[0]}" in made


def test_the_database_is_in_a_volume_the_user_owns():
    database = PurePosixPath(image().env["CAPACITY_DB"])
    assert str(database.parent) in image().volumes
    made = " ".join(run.value[0] for run in image().all("RUN"))
    owner = image().last("USER").value[0]  # type: ignore[union-attr]
    assert f"install -d -o {owner} -g {owner} {database.parent}" in made


def test_compose_serves_http_with_the_database_and_the_backups_in_two_volumes():
    [(name, service)] = compose()["services"].items()
    assert service["build"] == "."
    command, params = invocation(service["command"])
    assert command == "serve" and params["http"] is True
    assert service["command"] == list(image().last("CMD").value)  # type: ignore[union-attr]
    assert [p.rsplit(":", 1)[1] for p in service["ports"]] == [str(params["port"])]
    mounted = {v.split(":")[1]: v.split(":")[0] for v in service["volumes"]}
    database = PurePosixPath(service["environment"]["CAPACITY_DB"])
    assert database == PurePosixPath(image().env["CAPACITY_DB"])
    assert str(database.parent) in mounted and "/backups" in mounted
    assert set(mounted) <= image().volumes
    assert set(mounted.values()) <= set(compose()["volumes"])  # named volumes, not host paths
    assert service["env_file"] == ".env"  # the tokens: never written in compose.yaml itself
    assert not any(key.startswith("SLACK_") for key in service["environment"]), name


def _compose_command() -> list[str] | None:
    if shutil.which("docker"):
        plugin = subprocess.run(["docker", "compose", "version"], capture_output=True)
        if plugin.returncode == 0:
            return ["docker", "compose"]
    return ["docker-compose"] if shutil.which("docker-compose") else None


@pytest.mark.slow  # docker compose starts in about a second
@pytest.mark.skipif(_compose_command() is None, reason="no docker compose here")
def test_docker_compose_accepts_the_file(tmp_path):
    """`docker compose config` checks the file against the Compose schema (no daemon
    needed); it wants the `.env` the service reads, which a deployment writes."""
    shutil.copy(ROOT / "compose.yaml", tmp_path / "compose.yaml")
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-x\n", encoding="utf-8")
    done = subprocess.run(
        [*_compose_command(), "config", "--quiet"],  # type: ignore[misc]
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_build_context_leaves_out_secrets_databases_and_environments():
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".env", ".venv", ".git", "data/*.db", "data/*.db-*"} <= set(ignored)


def test_the_unit_runs_capacity_bot_as_a_user_of_its_own_with_its_state_directory():
    service = unit()["Service"]
    [start] = service["ExecStart"]
    program, *args = start.split()
    assert Path(program).is_absolute() and Path(program).name in console_scripts()
    assert invocation([program, *args])[0] == "serve"
    user = service.get("User", [None])[-1]
    assert service.get("DynamicUser") == ["yes"] or user not in {None, "root", "0"}
    assert service["Restart"] == ["on-failure"]
    assert service["EnvironmentFile"] and not service["EnvironmentFile"][0].startswith("-")
    [state, *_] = service["StateDirectory"][0].split()  # the first: the database's
    environment = dict(line.split("=", 1) for line in service["Environment"])
    assert environment["CAPACITY_DB"] == f"%S/{state}/capacity.db"
    assert unit()["Install"]["WantedBy"] == ["multi-user.target"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_analyze_verifies_the_unit(tmp_path):
    """`verify` also checks that ExecStart's program exists: the unit names where the
    README installs it, so the check runs on a copy naming this environment's script."""
    [start] = unit()["Service"]["ExecStart"]
    program = start.split()[0]
    here = Path(sys.executable).parent / Path(program).name  # installed beside this Python
    assert here.is_file(), f"{here.name} is not installed in this environment"
    copy = tmp_path / UNIT.name
    copy.write_text(UNIT.read_text(encoding="utf-8").replace(program, str(here)), "utf-8")
    done = subprocess.run(
        ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and done.stdout + done.stderr == "", done.stdout + done.stderr


def test_capacity_bot_health_says_when_no_bot_answers():
    port = free_port()
    result = CliRunner().invoke(bot_cli, ["health", "--port", str(port), "--timeout", "2"])
    assert result.exit_code == 1
    assert f"http://127.0.0.1:{port}/healthz: no answer" in result.output


@pytest.mark.slow  # a bot server as a process
def test_capacity_bot_health_passes_a_sound_bot_and_fails_one_whose_database_broke(seeded_db):
    with BotServer(seeded_db, "http://127.0.0.1:9/api/") as server:
        healthy = CliRunner().invoke(bot_cli, ["health", "--port", str(server.port)])
        assert healthy.exit_code == 0 and healthy.output.strip() == '{"ok": true}'
        conn = sqlite3.connect(seeded_db)
        conn.execute("DROP TABLE outbox")
        conn.commit()
        conn.close()
        broken = probe(port=server.port)
    assert not broken.ok and "503" in broken.said and "outbox" in broken.said, broken
