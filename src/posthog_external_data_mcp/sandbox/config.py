"""Run-time switches of the sandbox: sync timing, fault injection and rate limits."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from typing import Any

ENV_PREFIX = "POSTHOG_SANDBOX_"
MAX_EXTRA_SCHEMAS = 20_000


@dataclass(frozen=True)
class SandboxConfig:
    """Settings for one sandbox app. Every field can also come from a ``POSTHOG_SANDBOX_*`` variable."""

    sync_seconds: float = 2.0
    """How long a triggered sync stays ``Running`` before it completes or fails."""
    latency_ms: float = 0
    """Added to every ``/api/`` request before it is handled."""
    fault_429_rate: float = 0
    """Share of ``/api/`` requests answered 429 with ``Retry-After`` (0..1)."""
    fault_5xx_rate: float = 0
    """Share of ``/api/`` requests answered 500, 502 or 503 (0..1)."""
    fault_drop_rate: float = 0
    """Share of ``/api/`` requests whose connection is dropped mid-response (0..1)."""
    retry_after_seconds: int = 1
    """``Retry-After`` of injected 429s."""
    rate_limit_per_minute: int = 480
    """PostHog's burst throttle per personal API key; 0 disables it."""
    rate_limit_per_hour: int = 4800
    """PostHog's sustained throttle per personal API key; 0 disables it."""
    seed: int | None = None
    """Seed of the fault dice, for reproducible runs."""
    extra_schemas: int = 0
    """Generated schemas added to project 1 (a bulk Postgres source), kept across ``/_sandbox/reset``."""

    def __post_init__(self) -> None:
        for name in ("fault_429_rate", "fault_5xx_rate", "fault_drop_rate"):
            rate = getattr(self, name)
            if not 0 <= rate <= 1:
                raise ValueError(f"{name} must be between 0 and 1, got {rate}")
        # The three fault shares partition one roll of the dice, so they cannot exceed 1 together.
        if self.fault_429_rate + self.fault_5xx_rate + self.fault_drop_rate > 1:
            raise ValueError("fault_429_rate + fault_5xx_rate + fault_drop_rate must not exceed 1")
        if self.sync_seconds < 0:
            raise ValueError("sync_seconds must not be negative")
        if self.latency_ms < 0:
            raise ValueError("latency_ms must not be negative")
        if self.retry_after_seconds < 0:
            raise ValueError("retry_after_seconds must not be negative")
        if self.rate_limit_per_minute < 0 or self.rate_limit_per_hour < 0:
            raise ValueError("rate limits must not be negative")
        if not 0 <= self.extra_schemas <= MAX_EXTRA_SCHEMAS:
            raise ValueError(f"extra_schemas must be between 0 and {MAX_EXTRA_SCHEMAS}, got {self.extra_schemas}")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> SandboxConfig:
        """Build a config from ``POSTHOG_SANDBOX_<FIELD>`` variables; ``overrides`` (non-None) win."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for field in fields(cls):
            raw = env.get(ENV_PREFIX + field.name.upper())
            if raw is None or raw.strip() == "":
                continue
            values[field.name] = _parse(field.name, raw.strip())
        values.update({name: value for name, value in overrides.items() if value is not None})
        return cls(**values)


_INT_FIELDS = {"retry_after_seconds", "rate_limit_per_minute", "rate_limit_per_hour", "seed", "extra_schemas"}


def _parse(name: str, raw: str) -> int | float:
    try:
        return int(raw) if name in _INT_FIELDS else float(raw)
    except ValueError:
        kind = "an integer" if name in _INT_FIELDS else "a number"
        raise ValueError(f"{ENV_PREFIX}{name.upper()} must be {kind}, got {raw!r}") from None
