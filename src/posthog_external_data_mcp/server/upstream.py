"""Which PostHog a server talks to. Chosen by the entry points (see `wiring.py`), never by the MCP layer."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx2


@dataclass(frozen=True)
class Upstream:
    base_url: str
    # The key for calls that bring none of their own (stdio, HTTP server-key mode); None: every call must.
    server_key: str | None = field(default=None, repr=False)
    # None means the network; the in-process sandbox and tests pass an ASGI or mock transport.
    transport: httpx2.AsyncBaseTransport | None = None
    # True for the built-in demo PostHog: its keys are public, so exposing them is no risk.
    demo: bool = False
