"""A fresh virtual environment for a built wheel, made without downloading anything.

The wheel is installed with pip (`--no-deps`, `--no-index`: from the file alone) into a
venv made `--without-pip`. Its dependencies are the ones already installed for the tests,
seen through a `.pth` file that names a folder of links to exactly the distributions the
wheel's `Requires-Dist` asks for, and theirs, with their markers and extras: not the
checkout, not its editable install, not the test tools. `pip check` then proves that what
the wheel declares is met there, versions included, as `pip install WHEEL` would have
resolved it. So the wheel alone must carry the bot's code, data, locales and manifest, and
its metadata every dependency the bot imports."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from collections.abc import Iterable
from email.parser import Parser
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


def wheel_requirements(wheel: Path) -> list[Requirement]:
    """The wheel's own `Requires-Dist`, read from the wheel file."""
    with zipfile.ZipFile(wheel) as archive:
        [name] = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        message = Parser().parsestr(archive.read(name).decode("utf-8"))
    return [Requirement(line) for line in message.get_all("Requires-Dist") or []]


def _applies(requirement: Requirement, extras: Iterable[str]) -> bool:
    if requirement.marker is None:
        return True
    environment = dict(default_environment())
    return any(
        requirement.marker.evaluate({**environment, "extra": extra}) for extra in ("", *extras)
    )


def dependency_closure(requirements: Iterable[Requirement]) -> list[metadata.Distribution]:
    """The installed distributions that `requirements` need, transitively; each checked
    against its version specifier (a missing or unsuitable one is an AssertionError)."""
    found: dict[str, metadata.Distribution] = {}
    extras_seen: dict[str, set[str]] = {}
    pending = [r for r in requirements if _applies(r, ())]
    while pending:
        requirement = pending.pop()
        key = canonicalize_name(requirement.name)
        try:
            dist = found.get(key) or metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            raise AssertionError(f"{requirement} is not installed for the tests") from None
        assert requirement.specifier.contains(dist.version, prereleases=True), (
            f"{requirement}: {dist.version} is installed"
        )
        new_extras = set(requirement.extras) - extras_seen.get(key, set())
        if key in found and not new_extras:
            continue
        found[key] = dist
        extras_seen.setdefault(key, set()).update(requirement.extras)
        extras = extras_seen[key]
        pending.extend(
            Requirement(line) for line in dist.requires or [] if _applies(Requirement(line), extras)
        )
    return list(found.values())


def _top_level(dist: metadata.Distribution) -> set[str]:
    """The entries a distribution put in its site-packages folder (packages, modules,
    extension libraries, its .dist-info), from its RECORD."""
    assert dist.files is not None, f"{dist.metadata['Name']} has no RECORD"
    return {f.parts[0] for f in dist.files if f.parts and f.parts[0] not in ("..", "__pycache__")}


def make(venv: Path, wheel: Path) -> None:
    """`venv`: a new virtual environment with `wheel` installed from the file alone."""
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120
    )
    [site] = (venv / "lib").glob("python3*/site-packages")
    deps = venv.parent / "dependencies"
    deps.mkdir()
    for dist in dependency_closure(wheel_requirements(wheel)):
        base = Path(str(dist.locate_file("")))
        for name in _top_level(dist):
            if not (deps / name).exists():
                (deps / name).symlink_to(base / name)
    (site / "dependencies.pth").write_text(f"{deps}\n", encoding="utf-8")
    python = str(venv / "bin" / "python")
    pip = [sys.executable, "-m", "pip", "--python", python, "--disable-pip-version-check"]
    for step in (["install", "-q", "--no-deps", "--no-index", str(wheel)], ["check"]):
        done = subprocess.run([*pip, *step], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
