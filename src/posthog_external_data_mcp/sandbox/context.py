"""What a handler gets to see of one API request."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .config import SandboxConfig
from .errors import not_found, permission_denied
from .models import PersonalApiKey, Schema, Source, Team
from .payload import parse_body
from .store import SandboxState

_ACCESS_ORDER = {"none": 0, "viewer": 1, "editor": 2, "manager": 3}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class RequestContext:
    state: SandboxState
    config: SandboxConfig
    now: datetime
    method: str
    absolute_url: str
    query: dict[str, str]
    body: bytes
    content_type: str | None
    key: PersonalApiKey
    team: Team
    action: str
    _parsed: Any = field(default=None, init=False)
    _is_parsed: bool = field(default=False, init=False)

    @property
    def data(self) -> Any:
        """The JSON body, parsed on first use like DRF's ``request.data``."""
        if not self._is_parsed:
            self._parsed = parse_body(self.body, self.content_type)
            self._is_parsed = True
        return self._parsed

    @property
    def is_write(self) -> bool:
        return self.method not in SAFE_METHODS

    def get_schema(self, pk: str) -> Schema:
        """DRF ``get_object``: team-scoped, soft-deleted hidden, then object permissions."""
        schema = self.state.schemas.get(pk)
        if schema is None or schema.deleted or schema.team_id != self.team.id:
            raise not_found()
        source = self.state.sources[schema.source_id]
        # WarehouseTableAccessPermission: viewer to read, editor to write (resolved through table/source).
        required = "viewer" if self.action in ("list", "retrieve", "logs") else "editor"
        if _ACCESS_ORDER[source.user_access_level] < _ACCESS_ORDER[required]:
            raise permission_denied(f"You do not have {required} access to this table.")
        if self.is_write and source.is_system_managed:
            raise permission_denied("This schema is managed by PostHog and cannot be changed through this API.")
        return schema

    def get_source(self, pk: str) -> Source:
        """The source viewset's ``get_object``: unknown, malformed, deleted or other-team ids are 404."""
        source = self.state.sources.get(pk)
        if source is None or source.team_id != self.team.id:
            raise not_found()
        if _ACCESS_ORDER[source.user_access_level] < _ACCESS_ORDER["viewer"]:
            # The text is UNCONFIRMED; the status (403, not an empty answer) is PostHog's.
            raise permission_denied("You do not have viewer access to this source.")
        return source


def can_view(level: str) -> bool:
    return _ACCESS_ORDER.get(level, 0) >= _ACCESS_ORDER["viewer"]


@dataclass(frozen=True)
class Reply:
    """A handler's answer; ``body=None`` is DRF's empty body (``Response(status=200)``)."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=lambda: {})
