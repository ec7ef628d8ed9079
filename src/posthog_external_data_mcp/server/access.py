"""Who a call acts as: which key pays, which project, and which tools it may see and call.

On stdio (and in-process) that is the operator's settings. Over HTTP the auth middleware decides per request
and leaves its decision in the ASGI scope; headers can only narrow it (pin a project, hide writes, confirm more).
`Access.may_use` is the one place that decides whether a tool is visible and callable: the operator's selection,
read-only, and — once learned (scope_fit.py) — the scopes of the key that pays.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from starlette.requests import Request

from ..posthog_client import ProjectRef
from ..posthog_client.scopes import key_grants
from .settings import ConfirmPolicy, Settings
from .tools import ToolRow
from .upstream import Upstream

ACCESS_STATE_KEY = "posthog_external_data_mcp.access"
TOOL_CALL_LOG_KEY = "posthog_external_data_mcp.tool_call"  # the tool-call log fields, for the access log line


@dataclass(frozen=True)
class Access:
    api_key: str | None
    pinned_project: ProjectRef | None
    read_only: bool
    key_source: str  # how this caller supplies a key, for hints: never the key
    label: str = "local"  # for access logs: local, passthrough or server-key
    tools: frozenset[str] | None = None  # the operator's --tools selection; None: all
    confirm_policy: ConfirmPolicy = "auto"  # the operator's, or tighter by the request's header
    # The paying key's scopes as PostHog reported them; None: not known (yet), so nothing is hidden for them.
    key_scopes: frozenset[str] | None = None

    def may_use(self, row: ToolRow[Any]) -> bool:
        return self.hidden_because(row) is None

    def hidden_because(self, row: ToolRow[Any]) -> str | None:
        """Why this caller may not see or call `row` (None: it may), in words for an error message."""
        if self.tools is not None and row.name not in self.tools:
            return "not among the tools this server exposes (--tools)"
        if self.read_only and not row.read_only:
            return "this connection is read-only"
        if self.key_scopes is not None and not key_grants(self.key_scopes, row.scope):
            return f"the API key lacks the {row.scope} scope"
        return None

    def fitted(self, scopes: Iterable[str] | None, rows: Iterable[ToolRow[Any]]) -> Access:
        """This access narrowed to the key's scopes — unless they would leave nothing to call: a key with
        neither scope keeps the list, so that calls can answer with PostHog's refusal and how to fix the key."""
        if scopes is None:
            return self
        fitted = replace(self, key_scopes=frozenset(scopes))
        return fitted if any(fitted.may_use(row) for row in rows) else self

    def __repr__(self) -> str:  # keeps the key out of any debug output
        return f"Access(pinned_project={self.pinned_project!r}, read_only={self.read_only})"


def selected_tools(settings: Settings) -> frozenset[str] | None:
    return None if settings.tools is None else frozenset(settings.tools)


def local_access(settings: Settings, upstream: Upstream) -> Access:
    return Access(
        api_key=upstream.server_key,
        pinned_project=None,
        read_only=settings.read_only,
        key_source="the POSTHOG_PERSONAL_API_KEY environment variable",
        tools=selected_tools(settings),
        confirm_policy=settings.confirm_destructive,
    )


def resolve_access(request: Request | Any, settings: Settings, upstream: Upstream) -> Access:
    if isinstance(request, Request):
        decided = request.scope.get("state", {}).get(ACCESS_STATE_KEY)
        if isinstance(decided, Access):
            return decided
        # An HTTP request the auth middleware did not see would be a wiring bug: fail closed.
        return Access(api_key=None, pinned_project=None, read_only=True, key_source="the Authorization header")
    return local_access(settings, upstream)
