"""URL routing of the emulated PostHog API (both route families, optional trailing slash)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

RouteKind = Literal[
    "schema_list", "schema_detail", "schema_action", "source_list", "source_detail", "personal_api_key", "users_me"
]

SCHEMA_ACTIONS: dict[str, dict[str, str]] = {
    "reload": {"POST": "reload"},
    "resync": {"POST": "resync"},
    "cancel": {"POST": "cancel"},
    "incremental_fields": {"POST": "incremental_fields"},
    "delete_data": {"DELETE": "delete_data"},
    "logs": {"GET": "logs"},
    "destinations": {"GET": "destinations", "PATCH": "destinations"},
}
READ_ACTIONS = frozenset({"list", "retrieve", "logs"})
WRITE_ACTIONS = frozenset(
    {
        "update",
        "partial_update",
        "patch",
        "destroy",
        "reload",
        "resync",
        "cancel",
        "incremental_fields",
        "delete_data",
        "destinations",
    }
)

_FAMILY = r"^/api/(?P<family>projects|environments)/(?P<project>[^/]+)"
_PREFIX = _FAMILY + "/external_data_schemas"
# The source viewset's read actions, then its writes (create, update, destroy), by DRF action name.
SOURCE_READ_ACTIONS = frozenset({"list", "retrieve"})
SOURCE_WRITE_ACTIONS = frozenset({"create", "update", "partial_update", "destroy"})
_PATTERNS: list[tuple[RouteKind, re.Pattern[str]]] = [
    ("schema_list", re.compile(_PREFIX + r"/?$")),
    ("schema_detail", re.compile(_PREFIX + r"/(?P<pk>[^/.]+)/?$")),
    ("schema_action", re.compile(_PREFIX + r"/(?P<pk>[^/.]+)/(?P<action>" + "|".join(SCHEMA_ACTIONS) + r")/?$")),
    ("source_list", re.compile(_FAMILY + r"/external_data_sources/?$")),
    ("source_detail", re.compile(_FAMILY + r"/external_data_sources/(?P<pk>[^/.]+)/?$")),
    ("personal_api_key", re.compile(r"^/api/personal_api_keys/(?P<pk>[^/.]+)/?$")),
    ("users_me", re.compile(r"^/api/users/@me/?$")),
]


@dataclass(frozen=True)
class RouteMatch:
    kind: RouteKind
    project: str | None = None
    pk: str | None = None
    action_path: str | None = None

    def action_for(self, method: str) -> str | None:
        """The DRF viewset action for ``method``, or None when the route doesn't map it."""
        method = "GET" if method == "HEAD" else method
        if self.kind == "schema_list":
            # DRF names a list-level PATCH "patch" (a write action that then has no handler: 405).
            return {"GET": "list", "POST": "create", "PATCH": "patch"}.get(method)
        if self.kind == "source_list":
            return {"GET": "list", "POST": "create"}.get(method)
        if self.kind in ("schema_detail", "source_detail"):
            return {"GET": "retrieve", "PUT": "update", "PATCH": "partial_update", "DELETE": "destroy"}.get(method)
        if self.kind == "schema_action":
            assert self.action_path is not None
            return SCHEMA_ACTIONS[self.action_path].get(method)
        if self.kind == "personal_api_key":
            return {"GET": "retrieve"}.get(method)
        return {"GET": "retrieve"}.get(method)

    def scope_level(self, action: str | None, method: str) -> str | None:
        """``read``/``write`` for the action, or None when personal keys may not call it at all."""
        if self.kind in ("source_list", "source_detail"):
            reads, writes = SOURCE_READ_ACTIONS, SOURCE_WRITE_ACTIONS
        else:
            reads, writes = READ_ACTIONS, WRITE_ACTIONS
        if action in writes:
            return "write"
        if action in reads or method == "OPTIONS":
            return "read"
        return None


def match_route(path: str) -> RouteMatch | None:
    for kind, pattern in _PATTERNS:
        found = pattern.match(path)
        if found:
            groups = found.groupdict()
            return RouteMatch(kind, groups.get("project"), groups.get("pk"), groups.get("action"))
    return None
