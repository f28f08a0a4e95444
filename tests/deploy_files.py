"""The Dockerfile, compose.yaml and the systemd unit as the tests read them: the
Dockerfile through BuildKit's own parser (the `dockerfile` package), compose.yaml as YAML,
the unit as systemd's ini format. Images cannot be pulled where the tests run, so the
tests check what the files say against what the package really has."""

from __future__ import annotations

import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import click
import dockerfile
import yaml

from bot.cli import cli as bot_cli
from capacity.cli import cli as capacity_cli

ROOT = Path(__file__).resolve().parent.parent
UNIT = ROOT / "deploy" / "capacity-bot.service"


@dataclass
class Stage:
    name: str | None
    base: str
    instructions: list[dockerfile.Command] = field(default_factory=list)

    def all(self, cmd: str) -> list[dockerfile.Command]:
        return [i for i in self.instructions if i.cmd == cmd]

    def last(self, cmd: str) -> dockerfile.Command | None:
        found = self.all(cmd)
        return found[-1] if found else None

    @property
    def env(self) -> dict[str, str]:
        pairs: dict[str, str] = {}
        for i in self.all("ENV"):
            pairs.update(zip(i.value[::2], i.value[1::2], strict=True))
        return pairs

    @property
    def volumes(self) -> set[str]:
        return {v for i in self.all("VOLUME") for v in i.value}


def stages() -> list[Stage]:
    found: list[Stage] = []
    for command in dockerfile.parse_file(str(ROOT / "Dockerfile")):
        if command.cmd == "FROM":
            base, *rest = command.value
            name = rest[1] if len(rest) == 2 and rest[0].upper() == "AS" else None
            found.append(Stage(name, base))
        elif found:
            found[-1].instructions.append(command)
    return found


def image() -> Stage:
    """The stage the image is made of: the last."""
    return stages()[-1]


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def unit() -> dict[str, dict[str, list[str]]]:
    """The unit's sections and their keys, each with every value it is given in order
    (systemd adds up `Environment=` lines; configparser would keep only the last)."""
    sections: dict[str, dict[str, list[str]]] = {}
    section: dict[str, list[str]] = {}
    text = UNIT.read_text(encoding="utf-8").replace("\\\n", " ")  # continued lines
    for line in (raw.strip() for raw in text.splitlines()):
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = sections.setdefault(line[1:-1], {})
            continue
        key, equals, value = line.partition("=")
        assert equals, f"not a key=value line: {line}"
        section.setdefault(key.strip(), []).append(value.strip())
    return sections


def console_scripts() -> dict[str, click.Command]:
    """The console scripts the package installs ([project.scripts]), with their click
    commands."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    commands = {"bot.cli:main": bot_cli, "capacity.cli:main": capacity_cli}
    return {name: commands[target] for name, target in config["project"]["scripts"].items()}


def invocation(argv: list[str] | tuple[str, ...]) -> tuple[str, dict]:
    """`argv` (a console script and a subcommand with its options) as the script parses
    it: the subcommand and its parameters. A program that is not one of the package's, a
    subcommand it lacks or options the subcommand refuses fail the test."""
    program, subcommand, *args = argv
    scripts = console_scripts()
    assert PurePosixPath(program).name in scripts, f"{program} is no console script of ours"
    group = scripts[PurePosixPath(program).name]
    assert isinstance(group, click.Group) and subcommand in group.commands, argv
    with group.commands[subcommand].make_context(subcommand, list(args)) as context:
        return subcommand, context.params


def copy_build_context(stage: Stage, into: Path) -> Path:
    """What the stage's COPY instructions (from the build context, not another stage)
    put in its WORKDIR, copied from the checkout as Docker does: links kept as links.
    Returns the WORKDIR's copy."""
    workdir = into / stage.last("WORKDIR").value[0].lstrip("/")  # type: ignore[union-attr]
    workdir.mkdir(parents=True)
    skip = shutil.ignore_patterns("__pycache__", "*.db", "*.db-*")
    for copy in stage.all("COPY"):
        assert not any(f.startswith("--from") for f in copy.flags), copy.original
        *sources, target = copy.value
        for source in sources:
            origin = ROOT / source
            into_dir = target.endswith("/") or len(sources) > 1
            destination = workdir / target / origin.name if into_dir else workdir / target
            if origin.is_dir():
                shutil.copytree(origin, destination, symlinks=True, ignore=skip)
            else:
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(origin, destination)
    return workdir
