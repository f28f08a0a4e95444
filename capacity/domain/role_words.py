"""The words for the roles, as people type them in Bokmål, Nynorsk and English: one
vocabulary for `/capacity grant`, the core's `parse_role` and the command line."""

from __future__ import annotations

from capacity.domain.figures import Role

ROLE_WORDS: dict[str, Role] = {
    "admin": Role.ADMIN,
    "administrator": Role.ADMIN,
    "administratør": Role.ADMIN,  # a common misspelling in Norwegian
    "editor": Role.EDITOR,
    "redaktør": Role.EDITOR,  # Bokmål and Nynorsk
    "redaktor": Role.EDITOR,
    "redaktoer": Role.EDITOR,
    "redigerer": Role.EDITOR,
    "redigerar": Role.EDITOR,  # Nynorsk
}


def role_of(word: str) -> Role | None:
    """The role a word names, in any of the three languages (None: no role)."""
    return ROLE_WORDS.get(word.strip().lower())
