"""The layers of the code, as the README's "How it is built" describes them.

Read from the source with `ast` (every import, at the top of a module or inside a
function), so this runs in the quick suite:

- the core (`capacity/`) never imports Slack or the bot;
- each of the core's folders imports only the layers below it (the table `MAY_IMPORT`);
- only `capacity/storage/` knows SQL (sqlite3, sqlite-utils, SQL statements);
- no import cycle, counting imports inside functions (one of those still ties two modules),
  and an import inside a function only to put off a heavy library (`DEFERRED`);
- no module over 400 lines.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 400

# What each part of the core may import of the core (itself always; `errors` is a leaf
# every layer may raise).
MAY_IMPORT: dict[str, set[str]] = {
    "errors": set(),
    "domain": {"errors"},
    "planner": set(),
    "models": {"domain"},
    "reference": {"errors", "domain", "models"},
    "texts": {"errors", "domain", "models", "reference"},
    "storage": {"errors", "domain", "models", "reference"},
    "usecases": {"errors", "domain", "models", "planner", "reference", "storage"},
    "service": {"errors", "domain", "models", "reference", "storage", "usecases"},
    "__init__": {"errors", "models", "service", "texts"},
    "transfer": {
        "errors",
        "domain",
        "models",
        "reference",
        "storage",
        "usecases",
        "service",
    },
    "charts": {"errors", "domain", "models", "reference", "texts", "service", "usecases"},
    "cli": {
        "errors",
        "domain",
        "models",
        "reference",
        "texts",
        "storage",
        "usecases",
        "service",
        "transfer",
        "charts",
        "planner",
        "__init__",
    },
}
ADAPTERS = {"transfer", "charts", "cli"}
# The imports made inside a function, and why: each puts off a heavy library until used
DEFERRED: dict[str, set[str]] = {
    "capacity.charts": {"capacity.charts.png"},  # matplotlib, at the first chart
    "capacity.reference.names": {"rapidfuzz"},  # at the first "did you mean"
    "capacity.usecases.core": {"capacity.planner.placement"},  # HiGHS, at the first plan
}
COMMAND_LINES = ("bot.cli", "capacity.cli")  # each command imports what it needs
SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|PRAGMA|BEGIN)\b")


def modules(*packages: str) -> Iterator[tuple[str, Path]]:
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            yield ".".join(parts), path


@cache
def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), str(path))


@cache  # each test asks again; the sets are only read
def imports(path: Path, name: str, known: frozenset[str] = frozenset()) -> set[str]:
    """Every module this one imports, anywhere in it (relative imports resolved);
    `from package import module` counts as the module, not the package's `__init__`."""
    return imported(ast.walk(tree(path)), path, name, known)


def imported(nodes: Iterable[ast.AST], path: Path, name: str, known: frozenset[str]) -> set[str]:
    """What the import statements among `nodes` (of module `name`) import."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = parts[: len(parts) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            submodules = {f"{base}.{alias.name}" for alias in node.names} & known
            found.update(submodules)
            if len(submodules) < len(node.names):
                found.add(base)
    return found


@cache  # one graph for the tests that read it
def project_graph() -> dict[str, set[str]]:
    known = dict(modules("capacity", "bot"))
    names = frozenset(known)
    return {
        name: {other for other in imports(path, name, names) if other in known and other != name}
        for name, path in known.items()
    }


def part_of(module: str) -> str:
    """`capacity.usecases.queries` -> `usecases`; `capacity` -> `__init__`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_the_core_imports_nothing_from_slack_or_the_bot():
    bad = [
        (name, other)
        for name, path in modules("capacity")
        for other in imports(path, name)
        if other.split(".")[0] in ("slack_bolt", "slack_sdk", "bot")
    ]
    assert bad == []


def test_each_layer_of_the_core_imports_only_the_layers_below_it():
    assert {
        p.name for p in (ROOT / "capacity").iterdir() if p.is_dir() and p.name != "__pycache__"
    } - {
        "data",
        "locales",
    } <= set(MAY_IMPORT), "a new folder in capacity/ needs its place in MAY_IMPORT"
    bad = []
    for name, targets in project_graph().items():
        if not name.startswith("capacity"):
            continue
        layer = part_of(name)
        for target in targets:
            other = part_of(target)
            if target.startswith("capacity") and other != layer and other not in MAY_IMPORT[layer]:
                bad.append(f"{name} imports {target}")
    assert bad == []


def test_the_use_cases_and_everything_below_them_never_import_an_adapter():
    below = {"domain", "planner", "reference", "storage", "usecases", "service", "texts"}
    bad = [
        f"{name} imports {target}"
        for name, targets in project_graph().items()
        if name.startswith("capacity.") and part_of(name) in below
        for target in targets
        if target.startswith("capacity.") and part_of(target) in ADAPTERS
    ]
    assert bad == []


def sql_strings(path: Path) -> list[str]:
    return [
        node.value[:40]
        for node in ast.walk(tree(path))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.match(node.value)
    ]


def test_only_the_storage_layer_knows_sql():
    bad = []
    for name, path in modules("capacity", "bot"):
        if name.startswith("capacity.storage"):
            continue
        drivers = {m for m in imports(path, name) if m.split(".")[0] in ("sqlite3", "sqlite_utils")}
        if drivers:
            bad.append(f"{name} imports {sorted(drivers)}")
        bad.extend(f"{name} has SQL: {text!r}" for text in sql_strings(path))
    assert bad == []


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_in_the_core_or_the_bot():
    graph = project_graph()
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def imports_in_functions(path: Path, name: str, known: frozenset[str]) -> set[str]:
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    nodes = [n for f in ast.walk(tree(path)) if isinstance(f, functions) for n in ast.walk(f)]
    return imported(nodes, path, name, known)


def test_an_import_inside_a_function_only_puts_off_a_heavy_library():
    """Outside the command lines (which load what each command needs), a module imports
    at its top, unless the import puts off a heavy library a question does not need."""
    known = frozenset(name for name, _ in modules("capacity", "bot"))
    bad = [
        f"{name} imports {target} inside a function"
        for name, path in modules("capacity", "bot")
        if not name.startswith(COMMAND_LINES)
        for target in imports_in_functions(path, name, known) - DEFERRED.get(name, set())
    ]
    assert bad == []


def test_no_module_passes_400_lines():
    long = {
        str(path.relative_to(ROOT)): count
        for _, path in modules("capacity", "bot")
        if (count := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


@pytest.mark.slow
def test_importing_the_core_loads_nothing_from_slack_or_the_bot():
    code = (
        "import sys, capacity, capacity.service, capacity.cli, capacity.transfer.imports,"
        " capacity.transfer.exports\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('slack_bolt', 'slack_sdk', 'bot')]\n"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
