"""Each enabled schema's Temporal schedule: a run every ``sync_frequency`` (offset by ``sync_time_of_day``).

Fired lazily, like the rest of the lifecycle: when a request comes in, every schedule whose time has
passed starts its run at the scheduled moment, so a schema synced every 5 minutes stays fresh however long
the sandbox has been idle, and PostHog's staleness rule (enabled, last sync older than twice the interval)
flags only what PostHog would flag. Missed slots collapse into one run (the overlap policy skips runs
while one is in flight), so an idle hour costs one run per schema, not twelve.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from . import lifecycle
from .models import Schema
from .store import SandboxState


def advance(state: SandboxState, now: datetime, sync_seconds: float) -> None:
    """Settle the jobs whose time is up, fire due schedules, then settle the runs that fired in the past."""
    lifecycle.settle_finished_jobs(state, now)
    fire_due_runs(state, now, sync_seconds)
    lifecycle.settle_finished_jobs(state, now)


def fire_due_runs(state: SandboxState, now: datetime, sync_seconds: float) -> None:
    blocked: set[int] | None = None
    for schema in state.schemas.values():
        if schema.next_run_at is not None and schema.next_run_at > now:
            continue  # the common case, checked first: this runs on every request
        if not is_scheduled(state, schema):
            continue
        assert schema.sync_frequency_interval is not None
        interval = timedelta(seconds=schema.sync_frequency_interval)
        if schema.next_run_at is None:
            schema.next_run_at = next_slot(schema, now)
            continue
        missed = (now - schema.next_run_at) // interval
        slot = schema.next_run_at + interval * missed
        schema.next_run_at = slot + interval
        if blocked is None:
            blocked = billing_blocked_teams(state)
        if schema.team_id in blocked or lifecycle.running_job(state, schema.id) is not None:
            continue
        # Missed slots collapse into the latest; when that one is still running, the one before it has
        # finished by now, so the table is as fresh as PostHog's would be.
        slots = [slot]
        if missed >= 1 and slot + timedelta(seconds=sync_seconds) > now:
            slots.insert(0, slot - interval)
        for moment in slots:
            try:
                lifecycle.start_job(state, schema, moment, sync_seconds)
            except lifecycle.TemporalUnavailableError:
                break
            lifecycle.settle_finished_jobs(state, now)


def billing_blocked_teams(state: SandboxState) -> set[int]:
    """Teams over the billing limit (a live Paused schema): every scheduled run stops at PostHog's billing
    check and changes nothing, so the sandbox does not start them."""
    return {schema.team_id for schema in state.schemas.values() if schema.status == "Paused" and not schema.deleted}


def is_scheduled(state: SandboxState, schema: Schema) -> bool:
    """Whether PostHog's schedule for this schema exists and fires: enabled, a cadence, not stalled."""
    if schema.deleted or not schema.should_sync or schema.sync_frequency_interval is None or schema.schedule_stalled:
        return False
    return schema.sync_type is not None and state.sources[schema.source_id].access_method != "direct"


def next_slot(schema: Schema, after: datetime, last_start: datetime | None = None) -> datetime:
    """The first schedule slot later than ``after``: anchored on the time of day, else on the last start."""
    assert schema.sync_frequency_interval is not None
    interval = timedelta(seconds=schema.sync_frequency_interval)
    if schema.sync_time_of_day is not None:
        anchor = datetime.combine(after.date(), schema.sync_time_of_day, tzinfo=UTC)
    elif last_start is not None:
        anchor = last_start
    else:
        return after + interval
    steps = math.floor((after - anchor) / interval) + 1
    return anchor + interval * steps
