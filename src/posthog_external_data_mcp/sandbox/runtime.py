"""Everything one sandbox app owns: config, clock, state, fault dice, throttles and the request log."""

from __future__ import annotations

import threading
from typing import Any

from .clock import Clock
from .config import SandboxConfig
from .demo import build_demo_state
from .faults import FaultDice
from .ratelimit import RateLimiter
from .store import Store


class RequestLog:
    """The ``/api/`` requests received, for end-to-end tests (``GET /_sandbox/requests``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[dict[str, Any]] = []

    def add(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(entry) for entry in self._entries]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class SandboxRuntime:
    def __init__(self, config: SandboxConfig, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self.store = Store(lambda now: build_demo_state(now, config.sync_seconds, config.extra_schemas), clock())
        self.dice = FaultDice(config)
        self.rate_limiter = RateLimiter(config.rate_limit_per_minute, config.rate_limit_per_hour)
        self.request_log = RequestLog()

    def reset(self) -> None:
        """Restore the demo data and clear the throttle windows (the request log is kept)."""
        with self.store.lock:
            self.store.reset(self.clock())
            self.rate_limiter.reset()
