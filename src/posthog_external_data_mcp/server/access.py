"""Who a call acts as: which key pays, which project, and whether writes are allowed.

On stdio (and in-process) that is the operator's settings. Over HTTP the auth middleware decides per request
and leaves its decision in the ASGI scope; headers can only narrow it (pin a project, hide writes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from ..posthog_client import ProjectRef
from .settings import Settings
from .tools import ToolSpec

ACCESS_STATE_KEY = "posthog_external_data_mcp.access"
TOOL_CALL_LOG_KEY = "posthog_external_data_mcp.tool_call"  # the tool-call log fields, for the access log line


@dataclass(frozen=True)
class Access:
    api_key: str | None
    pinned_project: ProjectRef | None
    read_only: bool
    key_source: str  # how this caller supplies a key, for hints: never the key
    label: str = "local"  # for access logs: local, passthrough or server-key

    def may_use(self, spec: ToolSpec) -> bool:
        return spec.read_only or not self.read_only

    def __repr__(self) -> str:  # keeps the key out of any debug output
        return f"Access(pinned_project={self.pinned_project!r}, read_only={self.read_only})"


def local_access(settings: Settings) -> Access:
    return Access(
        api_key=settings.server_key,
        pinned_project=None,
        read_only=settings.read_only,
        key_source="the POSTHOG_PERSONAL_API_KEY environment variable",
    )


def resolve_access(request: Request | Any, settings: Settings) -> Access:
    if isinstance(request, Request):
        decided = request.scope.get("state", {}).get(ACCESS_STATE_KEY)
        if isinstance(decided, Access):
            return decided
        # An HTTP request the auth middleware did not see would be a wiring bug: fail closed.
        return Access(api_key=None, pinned_project=None, read_only=True, key_source="the Authorization header")
    return local_access(settings)
