"""Sealing the request state of 2026-07-28 confirmations, so that an answer is honoured only for the question
this deployment asked, of this caller, about these arguments, within ten minutes.

The SDK's `RequestStateBoundary` encrypts the state it sends (AES-256-GCM under keys stretched by HKDF) and
verifies what comes back before the handler runs; a retry it cannot verify is answered -32602 "Invalid or expired
requestState" and nothing runs. Keys come from POSTHOG_MCP_STATE_KEYS (first seals, all unseal: rotation).
Without them each process makes its own key: right for stdio and one worker, and it fails safe elsewhere — a
retry that reaches another worker or replica is refused, never run unconfirmed.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from typing import Any

from mcp.server.context import ServerRequestContext
from mcp.server.request_state import RequestStateBoundary, RequestStateSecurity

from .confirmation import STATE_TTL_SECONDS
from .settings import Settings


def state_boundary(
    settings: Settings, audience: str, principal_key: Callable[[ServerRequestContext[Any]], str | None]
) -> RequestStateBoundary:
    """The boundary for `server.middleware`; `principal_key` gives the key a request acts with (None: none)."""

    def principal(ctx: ServerRequestContext[Any]) -> str | None:
        # The SDK's default binds to an OAuth principal, which this server has none of: bind to the paying key
        # (by hash), so one caller's confirmation can never be replayed by a caller with another key.
        key = principal_key(ctx)
        return None if key is None else hashlib.sha256(key.encode()).hexdigest()

    keys = [key.get_secret_value() for key in settings.state_keys] or [os.urandom(32)]
    security = RequestStateSecurity(keys=keys, ttl=STATE_TTL_SECONDS, bind_principal=principal)
    return RequestStateBoundary(security, default_audience=audience)


def shares_state_keys(settings: Settings) -> bool:
    return bool(settings.state_keys)
