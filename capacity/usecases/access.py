"""Roles and the permission checks every change passes: admin (everything) or editor of
named municipalities. Local tools (CLI, seed, import) act as trusted actors."""

from __future__ import annotations

from capacity import errors
from capacity.domain.rules import check_text, parse_role
from capacity.models import Actor, Municipality, Role
from capacity.storage import repository
from capacity.usecases.core import Core
from capacity.usecases.queries import municipality as find_municipality


def roles(core: Core, user_id: str) -> list[tuple[Role, Municipality | None]]:
    return [
        (Role(role), core.geography.any_structure(number) if number else None)
        for role, number in repository.roles(core.store.db, user_id)
    ]


def is_admin(core: Core, actor: Actor) -> bool:
    return actor.trusted or repository.has_role(core.store.db, actor.id, Role.ADMIN.value)


def can_edit(core: Core, actor: Actor, place: Municipality) -> bool:
    """An editor role covers the municipality it names, under its number in the
    structure of the year being changed: Tromsø's editor edits 5401 and 5501, but
    Haram's (1580, from 2024) does not edit Ålesund's (1507) 2020 figures."""
    if is_admin(core, actor):
        return True
    numbers = core.geography.same_numbers(place)
    return repository.has_role(core.store.db, actor.id, Role.EDITOR.value, numbers)


def role_place(core: Core, text: str) -> Municipality:
    """The municipality a role names: a number of either structure as it is (1507 is
    Ålesund before 2024), or a name as it is today."""
    if text.strip().isdigit() and (found := core.geography.any_structure(text.strip().zfill(4))):
        return found
    return find_municipality(core, text)


def require_admin(core: Core, actor: Actor, action: str) -> None:
    if not is_admin(core, actor):
        raise errors.PermissionDenied("permission", actor=actor.id, action=action, needs="admin")


def require_editor(core: Core, actor: Actor, place: Municipality) -> None:
    if not can_edit(core, actor, place):
        raise errors.PermissionDenied(
            "permission", actor=actor.id, action="edit", needs="editor", municipality=place
        )


def grant(
    core: Core, user_id: str, role: Role | str, actor: Actor, place: str | None = None
) -> bool:
    """Grant a role; an editor role names a municipality. True if it was new."""
    user_id = check_text(user_id, "user", maximum=64)
    role = parse_role(role)
    require_admin(core, actor, "grant_roles")
    number = ""
    if role is Role.EDITOR:
        if not place:
            raise errors.InvalidInput("editor_needs_place", field="municipality")
        number = role_place(core, place).number
    elif place:
        raise errors.InvalidInput("admin_no_place", field="municipality")
    with core.store.write() as db:
        if not repository.add_role(db, core.now(), user_id, role.value, number, actor.id):
            return False
        after = {"role": role.value, "number": number}
        repository.record(db, core.now(), actor, "role", f"user/{user_id}", None, after)
    return True


def revoke(
    core: Core, user_id: str, role: Role | str, actor: Actor, place: str | None = None
) -> bool:
    role = parse_role(role)
    require_admin(core, actor, "revoke_roles")
    number = role_place(core, place).number if place else ""
    with core.store.write() as db:
        if not repository.remove_role(db, user_id, role.value, number):
            return False
        before = {"role": role.value, "number": number}
        repository.record(db, core.now(), actor, "role", f"user/{user_id}", before, None)
    return True
