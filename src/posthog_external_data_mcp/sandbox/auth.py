"""Personal API key authentication, project resolution and scope checks, in PostHog's order.

Order (DRF ``initial`` → PostHog's permission classes): authenticate (401) → action unsupported for
personal keys (403) → project resolution (404) → key scoped to other projects/organizations (403) →
missing scope (403) → not a member of the project (403) → throttles (429). Object lookup (404),
object permissions (403) and validation (400) follow in the handler.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .errors import invalid_personal_api_key, not_authenticated, not_found, permission_denied
from .models import PersonalApiKey, Team
from .store import SandboxState

PERSONAL_KEY_ACTION_UNSUPPORTED = "This action does not support personal API key access"
_BEARER = re.compile(r"^Bearer\s+(\S.+)$")


def find_key(headers: Mapping[str, str], body: Any, query: Mapping[str, str]) -> tuple[str, str] | None:
    """(key, where it was found): header, then body field, then query string, like PostHog."""
    authorization = headers.get("authorization")
    if authorization is not None:
        match = _BEARER.match(authorization)
        if match:
            return match.group(1).strip(), "Authorization header"
    if isinstance(body, dict) and "personal_api_key" in body:
        return str(body["personal_api_key"]), "body"  # pyright: ignore[reportUnknownArgumentType]
    if "personal_api_key" in query:
        return query["personal_api_key"], "query string"
    return None


def authenticate(state: SandboxState, found: tuple[str, str] | None, now: datetime) -> PersonalApiKey:
    if found is None:
        raise not_authenticated()
    value, source = found
    key = state.keys.get(value)
    if key is None:
        raise invalid_personal_api_key(source)
    key.last_used_at = now
    return key


def key_label(state: SandboxState, found: tuple[str, str] | None) -> str | None:
    if found is None:
        return None
    key = state.keys.get(found[0])
    return key.label if key else None


def resolve_team(state: SandboxState, project: str) -> Team:
    """``@current`` is the user's current project; non-numeric or unknown ids are 404."""
    if project == "@current":
        team_id = state.user.current_team_id
    else:
        try:
            team_id = int(project)
        except ValueError:
            raise not_found("Project not found.") from None
    team = state.teams.get(team_id)
    if team is None:
        raise not_found("Project not found.")
    return team


def check_key_reach(key: PersonalApiKey, team: Team) -> None:
    if key.scoped_teams and team.id not in key.scoped_teams:
        raise permission_denied(f"API key does not have access to the requested project: ID {team.id}.")
    if key.scoped_organizations and team.organization_id not in key.scoped_organizations:
        raise permission_denied(
            f"API key does not have access to the requested organization: ID {team.organization_id}."
        )


def check_scope(key: PersonalApiKey, required_scope: str) -> None:
    if "*" in key.scopes:
        return
    valid = [required_scope]
    # A :write scope satisfies the matching :read.
    if required_scope.endswith(":read"):
        valid.append(required_scope.replace(":read", ":write"))
    if not any(scope in key.scopes for scope in valid):
        raise permission_denied(f"API key missing required scope '{required_scope}'")


def check_membership(state: SandboxState, team: Team) -> None:
    if team.id not in state.user.team_ids:
        raise permission_denied("You don't have access to the project.")
