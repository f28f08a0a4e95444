"""Refusals of the capacity core: small, named for the problem, carrying a code and facts.

A refusal is data. Every text a user sees for it, in every language, is built from
`code` and `facts` by the catalogue (`capacity.texts`); this module is a leaf and holds
no text. `str()` gives the English text, for logs and the admin CLI, through the
describer the package installs at import (`capacity/__init__.py`); without one, the code
and the facts. Nothing ever recognises a refusal by its sentence.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_describe: Callable[[CapacityError], str] | None = None


def describe_with(describe: Callable[[CapacityError], str]) -> None:
    """How `str()` words a refusal (the texts layer's English)."""
    global _describe
    _describe = describe


class CapacityError(Exception):
    """Base class: a request the core refuses; nothing was changed."""

    code = "error"

    def __init__(self, code: str | None = None, /, **facts: Any) -> None:
        self.code = code or type(self).code
        self.facts = facts
        super().__init__(self.code)

    def __str__(self) -> str:
        if _describe is not None:
            return _describe(self)
        facts = ", ".join(f"{key}={value!r}" for key, value in self.facts.items())
        return f"{self.code}({facts})"


class InvalidInput(CapacityError):
    """A value is malformed or out of range"""

    code = "invalid"


class MunicipalityNotFound(CapacityError):
    """No municipality matches the text"""

    code = "not_found"


class AmbiguousMunicipality(CapacityError):
    """Several municipalities match the text"""

    code = "ambiguous"


class PermissionDenied(CapacityError):
    """The actor lacks the role the change needs"""

    code = "permission"


class BatchNotFound(CapacityError):
    """No relocation batch has that name"""

    code = "batch_not_found"


class BatchExists(CapacityError):
    """A batch with that name exists for the year"""

    code = "batch_exists"


class InvalidTransition(CapacityError):
    """The batch cannot move to that status from where it is"""

    code = "transition"


class Busy(CapacityError):
    """Another writer held the database past the time allowed; nothing was changed"""

    code = "busy"


class Unwritable(CapacityError):
    """The file system refused a write (the disk full, the database read-only); nothing
    was changed. The code says which: `disk_full`, `read_only`, `write_failed`."""

    code = "write_failed"


class InvalidImportFile(CapacityError):
    """An import file has invalid rows; nothing was imported"""

    code = "import"

    def __init__(self, name: str, problems: list[tuple[int, str]]) -> None:
        super().__init__(name=name, count=len(problems), problems=problems)
        self.problems = problems


class DatabaseProblem(CapacityError):
    """The database file is missing, not ours, damaged or of a newer schema"""

    code = "database"


class InvalidExport(CapacityError):
    """A JSON export (or a backup: `backup_invalid`) holds rows the domain's rules
    refuse; nothing was imported (restored). The first problems (table, row, column,
    what) are kept, and how many there were."""

    code = "export_invalid"

    def __init__(
        self, name: str, problems: list[Any], count: int, *, code: str | None = None
    ) -> None:
        super().__init__(code, name=name, count=count)
        self.problems = problems
