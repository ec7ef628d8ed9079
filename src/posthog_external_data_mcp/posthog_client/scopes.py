"""PostHog's personal-API-key scopes this API uses: named once, for tools, doctor and scope checks."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Scope(StrEnum):
    READ = "external_data_source:read"
    WRITE = "external_data_source:write"


ALL_SCOPES = "*"  # what a key created with "all access" lists


def key_grants(key_scopes: Iterable[str], needed: Scope) -> bool:
    """Whether a key with these scopes may call an action needing `needed` (write implies read, as in PostHog)."""
    scopes = set(key_scopes)
    if ALL_SCOPES in scopes or Scope.WRITE in scopes:
        return True
    return needed is Scope.READ and Scope.READ in scopes
