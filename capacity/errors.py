"""Errors of the capacity core: small, named for the problem, carrying their facts.

Adapters (the CLI, the Slack bot) turn them into messages in the user's language from
`code` and the attributes; `str()` gives a plain English sentence for logs and the CLI.
"""

from __future__ import annotations

from typing import Any


class CapacityError(Exception):
    """Base class: a request the core refuses; nothing was changed."""

    code = "error"

    def __init__(self, message: str, **facts: Any) -> None:
        super().__init__(message)
        self.facts = facts


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


class InvalidImportFile(CapacityError):
    """An import file has invalid rows; nothing was imported"""

    code = "import"

    def __init__(self, message: str, problems: list[tuple[int, str]]) -> None:
        super().__init__(message, problems=problems)
        self.problems = problems
