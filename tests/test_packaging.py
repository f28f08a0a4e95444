"""The installable package: `python -m build` makes an sdist and a wheel that hold every
module, the bundled data, the locales and the manifest; the wheel, installed into a fresh
virtual environment with no checkout anywhere on the path, answers as the checkout does
and keeps its database outside site-packages; the Dockerfile's build stage makes the same
wheel, and the image's command and health check work from it."""

from __future__ import annotations

import signal
import socket
import struct
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli as bot_cli
from capacity.storage.store import data_dir, default_db_path
from capacity.texts.i18n import LOCALES
from tests import wheel_env
from tests.bot_server import free_port
from tests.deploy_files import ROOT, copy_build_context, image, stages
from tests.waiting import wait_until

# Every file of data/ but the databases the checkout makes there (and backups of them)
DATA = {p.name for p in (ROOT / "data").iterdir() if p.is_file() and ".db" not in p.name}
LOCALES_DIR = LOCALES.relative_to(ROOT)  # capacity/texts/locales
SHIPPED = {
    *(f"capacity/data/{name}" for name in DATA),
    *(f"{LOCALES_DIR.as_posix()}/{lang}.toml" for lang in ("nb", "nn", "en")),
    "bot/manifest.yml",
}


def _config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _packages_in_the_checkout() -> set[str]:
    return {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("capacity", "bot")
        for init in (ROOT / top).rglob("__init__.py")
    }


@pytest.mark.slow  # importing setuptools
def test_setuptools_finds_every_package_without_a_list():
    config = _config()["tool"]["setuptools"]
    assert set(config["packages"]) == {"find"} and "package-dir" not in config
    setuptools = pytest.importorskip("setuptools")
    found = set(setuptools.find_namespace_packages(where=str(ROOT), **config["packages"]["find"]))
    assert _packages_in_the_checkout() | {"capacity.data", ".".join(LOCALES_DIR.parts)} <= found
    assert not {p for p in found if p.split(".")[0] not in ("capacity", "bot")}


def test_the_bundled_data_and_the_manifest_are_links_to_the_top_level_files():
    assert (ROOT / "capacity" / "data").resolve() == ROOT / "data"
    assert (ROOT / "bot" / "manifest.yml").resolve() == ROOT / "manifest.yml"
    assert data_dir() == ROOT / "capacity" / "data"
    patterns = _config()["tool"]["setuptools"]["package-data"]["capacity.data"]
    assert {p.name for pattern in patterns for p in (ROOT / "data").glob(pattern)} >= DATA


def test_in_a_checkout_the_database_is_data_capacity_db_as_the_readme_says():
    assert default_db_path() == ROOT / "data" / "capacity.db"


def test_capacity_bot_manifest_prints_the_manifest_the_app_is_created_from():
    printed = CliRunner().invoke(bot_cli, ["manifest"])
    assert printed.exit_code == 0
    assert printed.output == (ROOT / "manifest.yml").read_text(encoding="utf-8")


# -- the wheel, built and installed -------------------------------------------------------


@dataclass
class Installed:
    venv: Path
    home: Path
    elsewhere: Path

    def run(self, *argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        """A console script of the venv, run from a directory outside any checkout, in a
        clean environment (no PYTHONPATH, no CAPACITY_DB, no XDG_STATE_HOME)."""
        return subprocess.run(
            [str(self.venv / "bin" / argv[0]), *argv[1:]],
            cwd=self.elsewhere,
            env=self.environment(env),
            capture_output=True,
            text=True,
            timeout=120,
        )

    def environment(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {
            "PATH": f"{self.venv / 'bin'}:/usr/bin:/bin",
            "HOME": str(self.home),
            "LANG": "C.UTF-8",
            **(extra or {}),
        }

    @property
    def site_packages(self) -> Path:
        [found] = (self.venv / "lib").glob("python3*/site-packages")
        return found


# Built with the backend installed for the tests (`setuptools` in the `test` extra meets
# pyproject's build requirement; `build` checks that it does) rather than in a new
# environment per build, which pip would fill anew three times: the same wheel.
BUILD = [sys.executable, "-m", "build", "--no-isolation"]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """`python -m build`: the sdist, then the wheel built from the sdist."""
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [*BUILD, "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def installed(built, tmp_path_factory) -> Installed:
    """The wheel in a fresh virtual environment (not editable), installed from the file
    alone, its declared dependencies met (`pip check`) by the ones installed for the
    tests, and nothing else of theirs or of the checkout on the path (tests/wheel_env.py)."""
    top = tmp_path_factory.mktemp("installed")
    venv = top / "venv"
    [wheel] = built.glob("*.whl")
    wheel_env.make(venv, wheel)
    (top / "home").mkdir()
    (top / "elsewhere").mkdir()
    return Installed(venv, top / "home", top / "elsewhere")


def _wheel_files(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return {name for name in archive.namelist() if ".dist-info/" not in name}


@pytest.mark.slow
def test_the_sdist_and_the_wheel_hold_every_module_the_data_the_locales_and_the_manifest(built):
    [sdist], [wheel] = built.glob("*.tar.gz"), built.glob("*.whl")
    in_wheel = _wheel_files(wheel)
    assert in_wheel >= SHIPPED
    modules = {
        str(path.relative_to(ROOT))
        for top in ("capacity", "bot")
        for path in (ROOT / top).rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert modules <= in_wheel
    assert not {name for name in in_wheel if name.endswith((".db", ".pyc"))}
    with tarfile.open(sdist) as archive:
        in_sdist = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert SHIPPED | modules | {"pyproject.toml", "README.md"} <= in_sdist
    with zipfile.ZipFile(wheel) as archive:
        [entry_points] = [n for n in archive.namelist() if n.endswith("entry_points.txt")]
        scripts = archive.read(entry_points).decode()
    assert "capacity = capacity.cli:main" in scripts and "capacity-bot = bot.cli:main" in scripts


@pytest.mark.slow
def test_the_dockerfiles_build_stage_makes_the_same_wheel(built, tmp_path):
    """What the image installs: the wheel built from exactly what the Dockerfile copies."""
    build = stages()[0]
    context = copy_build_context(build, tmp_path / "image")
    out = tmp_path / "dist"
    done = subprocess.run(
        [*BUILD, "--wheel", "--outdir", str(out), str(context)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    [from_image], [from_sdist] = out.glob("*.whl"), built.glob("*.whl")
    assert _wheel_files(from_image) == _wheel_files(from_sdist)


@pytest.mark.slow
def test_the_installed_wheel_answers_as_the_readme_says_from_outside_any_checkout(installed):
    where = installed.run(
        "python", "-c", "import bot, capacity; print(bot.__file__, capacity.__file__)"
    )
    assert where.returncode == 0, where.stderr
    assert all(Path(f).is_relative_to(installed.site_packages) for f in where.stdout.split())

    asked = installed.run("capacity-bot", "ask", "Trondheim")
    assert asked.returncode == 0, asked.stderr[-3000:]
    assert asked.stdout.splitlines()[0] == "Trondheim (5001), 2020: 115 ledige plasser nå"

    state = installed.home / "state"
    shown = installed.run(
        "capacity", "show", "storbynettverket", env={"XDG_STATE_HOME": str(state)}
    )
    assert shown.returncode == 0, shown.stderr[-3000:]
    [total] = [line for line in shown.stdout.splitlines() if "Total (7 municipalities)" in line]
    assert total.split("│")[2].strip() == "398"

    # the database: in the user's state directory, created and seeded on first use
    assert (installed.home / ".local/state/capacity-bot/capacity.db").is_file()
    assert (state / "capacity-bot" / "capacity.db").is_file()
    assert not list(installed.venv.rglob("*.db"))  # nothing written into site-packages


@pytest.mark.slow
def test_the_installed_wheel_draws_charts_and_prints_its_manifest(installed):
    png = installed.elsewhere / "trondheim.png"
    drawn = installed.run("capacity", "chart", "Trondheim", "--out", str(png))
    assert drawn.returncode == 0, drawn.stderr[-3000:]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png.read_bytes()[16:24]) == (1200, 700)
    printed = installed.run("capacity-bot", "manifest")
    assert printed.stdout == (ROOT / "manifest.yml").read_text(encoding="utf-8")


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _with_port(argv: tuple[str, ...], port: int) -> list[str]:
    at = argv.index("--port")
    return [*argv[: at + 1], str(port), *argv[at + 2 :]]


@pytest.mark.slow
def test_the_images_command_serves_and_its_health_check_passes_from_the_wheel(installed, tmp_path):
    """The image's CMD and HEALTHCHECK, run from the installed wheel as the container
    runs them (on a free port instead of 3000, with the volume in a temporary folder)."""
    port = free_port()
    command = _with_port(image().last("CMD").value, port)  # type: ignore[union-attr]
    check = _with_port(image().last("HEALTHCHECK").value[1:], port)  # type: ignore[union-attr]
    volume = tmp_path / "data"
    volume.mkdir()
    database = volume / Path(image().env["CAPACITY_DB"]).name
    env = installed.environment(
        {
            "CAPACITY_DB": str(database),
            "SLACK_BOT_TOKEN": "xoxb-container",
            "SLACK_SIGNING_SECRET": "container-secret",
            "SLACK_API_URL": "http://127.0.0.1:9/api/",
            "CAPACITY_SUMMARY_AT": "off",
        }
    )
    log = tmp_path / "serve.log"
    with open(log, "wb") as output:
        server = subprocess.Popen(
            [str(installed.venv / "bin" / command[0]), *command[1:]],
            cwd=installed.elsewhere,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        # listening (the app and its database are ready before the server listens), or gone
        wait_until(lambda: server.poll() is not None or listening(port), "the server", 60)
        assert server.poll() is None, log.read_text()[-3000:]
        healthy = installed.run(*check)
        assert healthy.returncode == 0, healthy.stderr + log.read_text()[-3000:]
        assert healthy.stdout.strip() == '{"ok": true}'
        assert database.is_file()
    finally:
        server.send_signal(signal.SIGTERM)
        stopped = server.wait(timeout=30)
    # uvicorn shuts down gracefully, then raises the signal again: a stop, not a failure
    assert stopped in (0, -signal.SIGTERM), log.read_text()[-3000:]
    gone = installed.run(*check)
    assert gone.returncode == 1 and "no answer" in gone.stderr
