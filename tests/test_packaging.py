"""The installed package carries every module and the bundled data."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_python_package_is_listed_for_the_wheel():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("capacity", "bot")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert found <= listed
    assert config["tool"]["setuptools"]["package-dir"]["capacity.data"] == "data"


def test_the_bundled_data_ships():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["capacity.data"]
    shipped = {p.name for pattern in patterns for p in (ROOT / "data").glob(pattern)}
    assert {
        "kommuner_2020.csv",
        "kommuner_2024.csv",
        "kommuner_2020_2024_crosswalk.csv",
        "imdi_bosetting_2020.csv",
        "ks_storbynettverk_spare_2020.csv",
        "groups.csv",
        "SOURCES.md",
    } <= shipped
