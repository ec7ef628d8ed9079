"""Tools that fit the key: which scopes a key has, learned from PostHog (`GET /api/personal_api_keys/@current/`,
the endpoint doctor uses), so that `Access.may_use` can hide the tools the key could only fail with.

* The server's own key (stdio, HTTP server-key mode) is learned once, in the background, started by the first
  tools/list: never on the start-up path. Until then the configured list is served (with a zero cache
  lifetime); app.py tells clients when the learned list differs. Calls never wait for, nor start, a lookup.
* A passthrough key (an HTTP request's own) is looked up when it lists tools (the wait is bounded) and kept for
  a short while under a hash of the key: one key's scopes never answer for another.
* A failed lookup (network, 401, …) fails open to the configured list — calls then get PostHog's own refusal —
  and is logged once per kind of failure; it is tried again after a while.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import anyio

from ..posthog_client import PostHogClient, PostHogError
from ..posthog_client.errors import APIStatusError

logger = logging.getLogger("posthog_external_data_mcp")

PASSTHROUGH_TTL_SECONDS = 60.0
FAILED_RETRY_SECONDS = 60.0
LIST_WAIT_SECONDS = 3.0  # how long a passthrough tools/list waits for its key's scopes
BACKGROUND_WAIT_SECONDS = 30.0
MAX_KEYS = 1024

Scopes = frozenset[str]


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class _Entry:
    scopes: Scopes | None  # None: the lookup failed (fail open until `expires`)
    expires: float


class ScopeBook:
    """The scopes of the keys this process has seen, by key hash; the server key's kept for good."""

    def __init__(self, server_key: str | None, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._server = key_digest(server_key) if server_key else None
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._pending: dict[str, anyio.Event] = {}
        self._logged: set[str] = set()
        self._clock = clock

    def is_server_key(self, key: str) -> bool:
        return key_digest(key) == self._server

    def known(self, key: str) -> Scopes | None:
        entry = self._entries.get(key_digest(key))
        return entry.scopes if entry is not None and entry.expires > self._clock() else None

    def settled(self, key: str) -> bool:
        """Whether an answer (scopes, or a recent failure) is on record: no lookup is due."""
        entry = self._entries.get(key_digest(key))
        return entry is not None and entry.expires > self._clock()

    def in_flight(self, key: str) -> bool:
        return key_digest(key) in self._pending

    async def look_up(self, client: PostHogClient, key: str, wait: float = LIST_WAIT_SECONDS) -> Scopes | None:
        """The key's scopes, from the book or from PostHog (one lookup per key at a time); None: unknown."""
        digest = key_digest(key)
        if self.settled(key):
            return self.known(key)
        pending = self._pending.get(digest)
        if pending is not None:
            with anyio.move_on_after(wait):
                await pending.wait()
            return self.known(key)
        done = self._pending[digest] = anyio.Event()
        try:
            scopes = await self._fetch(client, key, wait)
            self._remember(digest, scopes)
        finally:
            del self._pending[digest]
            done.set()
        return scopes

    async def learn_in_background(
        self, client: PostHogClient, key: str, learned: Callable[[Scopes], Awaitable[None]]
    ) -> None:
        """For the server key: look it up (no caller waits), then hand the scopes to `learned`."""
        if self.settled(key) or self.in_flight(key):
            return
        scopes = await self.look_up(client, key, BACKGROUND_WAIT_SECONDS)
        if scopes is not None:
            await learned(scopes)

    async def _fetch(self, client: PostHogClient, key: str, wait: float) -> Scopes | None:
        try:
            with anyio.fail_after(wait):
                found = await client.bind(api_key=key).current_personal_api_key()
        except (PostHogError, TimeoutError) as exc:
            self._log_failure(exc)
            return None
        return frozenset(found.scopes)

    def _remember(self, digest: str, scopes: Scopes | None) -> None:
        now = self._clock()
        if scopes is None:
            expires = now + FAILED_RETRY_SECONDS
        else:
            expires = math.inf if digest == self._server else now + PASSTHROUGH_TTL_SECONDS
        self._entries[digest] = _Entry(scopes, expires)
        self._entries.move_to_end(digest)
        while len(self._entries) > MAX_KEYS:
            oldest = next(iter(self._entries))
            if oldest == self._server:  # the server key's entry is never evicted
                self._entries.move_to_end(oldest)
                oldest = next(iter(self._entries))
            del self._entries[oldest]

    def _log_failure(self, exc: Exception) -> None:
        kind = f"HTTP {exc.status_code}" if isinstance(exc, APIStatusError) else type(exc).__name__
        if kind in self._logged:
            return
        self._logged.add(kind)
        logger.warning(
            "could not learn an API key's scopes (%s): showing the configured tools, whose calls get PostHog's "
            "own answer; tried again in %.0f s",
            kind,
            FAILED_RETRY_SECONDS,
        )
