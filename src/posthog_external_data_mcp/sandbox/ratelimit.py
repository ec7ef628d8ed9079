"""DRF's SimpleRateThrottle, per personal API key: PostHog's burst (per minute) and sustained (per hour) rates."""

from __future__ import annotations

import hashlib
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class _Rate:
    scope: str
    num_requests: int
    duration: float


class RateLimiter:
    def __init__(self, per_minute: int, per_hour: int) -> None:
        self._rates = [
            rate
            for rate in (_Rate("burst", per_minute, 60), _Rate("sustained", per_hour, 3600))
            if rate.num_requests > 0
        ]
        self._history: dict[tuple[str, str], deque[float]] = {}

    def reset(self) -> None:
        self._history.clear()

    def check(self, key_value: str, now: float) -> float | None:
        """Record a request; returns None when allowed, else DRF's wait (seconds) of the longest failing throttle."""
        # PostHog keys the cache on a hash of the key, never the key itself.
        ident = hashlib.sha256(key_value.encode()).hexdigest()
        waits: list[float] = []
        # Like DRF, every throttle is consulted; those that allow the request record it.
        for rate in self._rates:
            history = self._history.setdefault((rate.scope, ident), deque())
            while history and history[-1] <= now - rate.duration:
                history.pop()
            if len(history) >= rate.num_requests:
                remaining = rate.duration - (now - history[-1]) if history else rate.duration
                available = rate.num_requests - len(history) + 1
                waits.append(remaining / available if available > 0 else remaining)
            else:
                history.appendleft(now)
        return max(waits) if waits else None
