"""When a failed request may be sent again, and how long to wait first.

The rule that matters most: a POST action (reload, resync, cancel, …) is repeated only when PostHog provably
did not act on it — a 429, or a failure while connecting. A timeout after the request left could hide a resync
that did start; sending it twice would reset the pipeline twice.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# Methods whose repetition cannot do more than the first call did.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PATCH", "PUT", "DELETE"})
RETRYABLE_STATUSES = frozenset({502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    # A Retry-After above this (or above what is left of the call's budget) is reported, not waited for.
    max_retry_after: float = 30.0
    # Total time one call may take, retries and waits included.
    total_timeout: float = 60.0

    def backoff(self, retry_number: int, rng: random.Random) -> float:
        """Exponential backoff with jitter (50–100% of the step) so concurrent clients spread out."""
        step = min(self.max_delay, self.initial_delay * (2**retry_number))
        return step * (0.5 + rng.random() / 2)


def may_retry_status(method: str, status: int) -> bool:
    if status == 429:
        return True
    return status in RETRYABLE_STATUSES and method in IDEMPOTENT_METHODS


def may_retry_transport_failure(method: str, *, sent: bool) -> bool:
    return not sent or method in IDEMPOTENT_METHODS
