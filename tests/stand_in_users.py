"""The stand-in's `users.list`: the workspace's members a page at a time, as Slack pages
them (`limit`, and `response_metadata.next_cursor` until it is empty), each with its
locale when `include_locale` is asked."""

from __future__ import annotations

from typing import Any


def users_list(members: list[str], locales: dict[str, str], body: dict[str, Any]) -> dict:
    cursor, limit = str(body.get("cursor") or "0"), str(body.get("limit") or "0")
    if not (cursor.isdigit() and limit.isdigit()):
        return {"ok": False, "error": "invalid_cursor"}
    start, size = int(cursor), int(limit) or len(members)
    page = []
    for user in members[start : start + size]:
        member: dict[str, Any] = {"id": user, "name": user.lower(), "deleted": False}
        if user in locales and str(body.get("include_locale")).lower() in ("true", "1"):
            member["locale"] = locales[user]
        page.append(member)
    after = start + size
    next_cursor = str(after) if after < len(members) else ""
    return {"ok": True, "members": page, "response_metadata": {"next_cursor": next_cursor}}
