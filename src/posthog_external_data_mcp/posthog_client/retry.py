"""When a failed request may be sent again, and how long to wait first.

The rule that matters most: a POST action (reload, resync, cancel, …) is repeated only when PostHog provably
did not act on it — a 429, or a failure while connecting. A timeout after the request left could hide a resync
that did start; sending it twice would reset the pipeline twice.

GET, PATCH and DELETE can be repeated without doing more than the first did, so they are retried on any 5xx and
on dropped connections, as often as the call's time budget allows: at 30% 5xx, 20% 429 and 10% dropped
connections, 13 attempts leave about one call in a thousand failing (0.6¹³). A 500, which is as often a bug that
fails every time as an outage, gets a few tries only.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# Methods whose repetition cannot do more than the first call did.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PATCH", "PUT", "DELETE"})
RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 12
    # Retries after a 500 (within max_retries): a few, in case it was transient.
    max_server_error_retries: int = 3
    initial_delay: float = 0.2
    max_delay: float = 4.0
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
