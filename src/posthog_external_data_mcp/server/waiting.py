"""Waiting for a sync inside one tool call: poll the schema, backing off from 1 s to 5 s, until its status
leaves Running or the time allowed is up.

The wait is bounded three ways: the caller's `wait_seconds`, the call's own time budget (`--timeout`, of which
`BUDGET_RESERVE_SECONDS` is kept for the last answers), and cancellation — anyio cancels the sleep or the
request in flight and nothing here catches it, so a cancelled call sends nothing more. `wait_seconds=0` sends
nothing at all. A run that ends Failed brings its most recent ERROR log lines along.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, replace
from uuid import UUID

import anyio

from ..posthog_client import ExternalDataSchema, PostHogClient, PostHogError, ProjectRef
from . import untrusted

MAX_WAIT_SECONDS = 50
# Seconds between polls: never faster than the first, never slower than the last (then repeated).
POLL_DELAYS = (1.0, 2.0, 3.0, 4.0, 5.0)
BUDGET_RESERVE_SECONDS = 5.0
ERROR_LOG_LINES = 5
_LOG_LINE_CHARS = 300
RUNNING = "Running"

Progress = Callable[[float, float | None, str | None], Awaitable[None]]


@dataclass(frozen=True)
class Clock:
    """Time as the waiting loop reads it; tests pass a fake one so that a 50 s wait takes no time."""

    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = anyio.sleep


def poll_delays() -> Iterator[float]:
    yield from POLL_DELAYS
    while True:
        yield POLL_DELAYS[-1]


@dataclass(frozen=True)
class Waited:
    """How a wait ended. `schema` is the last state read (None when no read succeeded after an action)."""

    schema: ExternalDataSchema | None
    status: str | None
    waited_seconds: float
    polls: int
    next_poll_after_seconds: int | None = None  # set when the sync was still Running as time ran out
    error_logs: tuple[str, ...] = ()
    note: str | None = None  # why polling stopped early, or why the logs are missing

    @property
    def still_running(self) -> bool:
        return self.status == RUNNING


@dataclass(frozen=True)
class WaitRequest:
    client: PostHogClient
    schema_id: UUID
    project_id: ProjectRef | None
    wait_seconds: float
    started: float  # clock reading when the call began: the budget counts from there
    clock: Clock
    report_progress: Progress


async def wait_for_sync(request: WaitRequest, current: ExternalDataSchema | None, status: str | None) -> Waited:
    """Poll until the status leaves Running. `current`/`status` are what is known now (after a reload PostHog
    has answered 200, so the status is Running without a schema read yet)."""
    clock = request.clock
    budget_end = request.started + request.client.retry.total_timeout
    wait_end = min(request.started + request.wait_seconds, budget_end - BUDGET_RESERVE_SECONDS)
    delays = poll_delays()
    schema, polls, note = current, 0, None
    next_delay = next(delays)
    while status == RUNNING:
        now = clock.monotonic()
        delay = min(next_delay, wait_end - now)
        if delay < POLL_DELAYS[0]:
            break  # time is up: a shorter sleep would poll faster than the backoff allows
        await clock.sleep(delay)
        try:
            schema = await _within(request.client, budget_end - clock.monotonic()).retrieve_schema(
                request.schema_id, project_id=request.project_id
            )
        except PostHogError as exc:
            # The action itself went through; an unreadable status must not turn it into a failure.
            note = f"Polling stopped: {untrusted.clean(exc.message, 200)}."
            break
        polls += 1
        status = schema.status
        elapsed = clock.monotonic() - request.started
        await request.report_progress(
            min(elapsed, request.wait_seconds), request.wait_seconds, f"{status or 'no status'} after {elapsed:.0f} s"
        )
        next_delay = next(delays)
    waited = round(clock.monotonic() - request.started, 1)
    if status == RUNNING:
        return Waited(schema, status, waited, polls, next_poll_after_seconds=int(next_delay), note=note)
    if status == "Failed" and request.wait_seconds > 0:
        logs, logs_note = await _error_logs(request, budget_end - clock.monotonic())
        return Waited(schema, status, waited, polls, error_logs=logs, note=note or logs_note)
    return Waited(schema, status, waited, polls, note=note)


async def _error_logs(request: WaitRequest, remaining: float) -> tuple[tuple[str, ...], str | None]:
    try:
        page = await _within(request.client, remaining).schema_logs(
            request.schema_id, level="ERROR", limit=ERROR_LOG_LINES, project_id=request.project_id
        )
    except PostHogError as exc:
        return (), f"Error log lines unavailable: {untrusted.clean(exc.message, 200)}."
    entries = page.results[:ERROR_LOG_LINES]
    # Lines of the newest run only (one sync run is one instance_id): an older run's errors would mislead.
    run = entries[0].instance_id if entries else None
    lines = tuple(
        f"{entry.timestamp} {untrusted.clean(entry.message, _LOG_LINE_CHARS)}"
        for entry in entries
        if run is None or entry.instance_id == run
    )
    return lines, None


def _within(client: PostHogClient, seconds: float) -> PostHogClient:
    """The same client (pool, key, exchange log) with at most `seconds` left for its request and retries."""
    return replace(client, retry=replace(client.retry, total_timeout=max(seconds, 1.0)))
