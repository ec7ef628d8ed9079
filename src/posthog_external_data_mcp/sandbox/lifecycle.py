"""The sync lifecycle, advanced lazily: every request first settles the jobs whose time is up.

A triggered job records when it will finish and how (``Completed``, or ``Failed`` for schemas seeded
to fail). No background task is needed, so the behaviour is identical in-process and over HTTP, and
tests move an injected clock instead of sleeping.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from .models import Job, Schema, Table
from .store import SandboxState
from .tables import build_table

CANCELLED_BY_USER = "Sync cancelled by user"
PIPELINE_V3 = "v3-kafka-s3"


class TemporalUnavailableError(Exception):
    """Stands in for the Temporal RPC error PostHog gets when it cannot start a workflow."""


def advance(state: SandboxState, now: datetime) -> None:
    """Finish every running job whose duration has elapsed."""
    for job in state.jobs:
        if job.status == "Running" and job.finishes_at <= now:
            _finish(state, job)


def running_job(state: SandboxState, schema_id: str) -> Job | None:
    job = state.latest_job(schema_id)
    return job if job is not None and job.status == "Running" else None


def start_job(
    state: SandboxState, schema: Schema, now: datetime, sync_seconds: float, *, full_reload: bool = False
) -> Job:
    """Trigger a sync of ``schema``; it becomes ``Running`` until the job settles."""
    if not state.temporal_available:
        raise TemporalUnavailableError
    current = running_job(state, schema.id)
    if current is not None and not full_reload:
        # The schedule's overlap policy skips a trigger while a run is in flight.
        return current
    job = Job(
        id=str(uuid.uuid4()),
        schema_id=schema.id,
        status="Running",
        created_at=now,
        finishes_at=now + timedelta(seconds=sync_seconds),
        outcome="Failed" if schema.fail_with else "Completed",
        latest_error=schema.fail_with,
        rows_synced=0 if schema.fail_with else schema.rows_per_sync,
        workflow_id=f"{schema.id}-{now.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}",
        full_reload=full_reload or bool(schema.sync_type_config.get("reset_pipeline")),
    )
    state.jobs.append(job)
    schema.status = "Running"
    return job


def cancel_job(job: Job) -> None:
    """PostHog's v3 cancel: the job gets a durable Failed marker (the workflow cancel is best effort)."""
    job.status = "Failed"
    job.outcome = "Failed"
    job.latest_error = CANCELLED_BY_USER


def _finish(state: SandboxState, job: Job) -> None:
    job.status = job.outcome
    schema = state.schemas.get(job.schema_id)
    if schema is None or schema.deleted:
        return
    schema.status = job.outcome
    schema.latest_error = job.latest_error
    if job.outcome != "Completed":
        return
    schema.last_synced_at = job.finishes_at
    schema.initial_sync_complete = True
    schema.sync_type_config.pop("reset_pipeline", None)
    _update_table(state, schema, job)
    _move_watermark(schema, job)


def _update_table(state: SandboxState, schema: Schema, job: Job) -> None:
    source = state.sources[schema.source_id]
    previous: Table | None = schema.table if schema.table is not None and not schema.table.deleted else None
    rebuilt = build_table(source, schema.name, previous.id if previous else str(uuid.uuid4()), 0)
    rebuilt.columns = [column for column in rebuilt.columns if _column_kept(schema, column.name)]
    if previous is None or schema.sync_type in (None, "full_refresh"):
        rebuilt.row_count = job.rows_synced
    elif job.full_reload:
        # A rebuild from scratch re-reads what was there.
        rebuilt.row_count = max(previous.row_count, job.rows_synced)
    else:
        rebuilt.row_count = previous.row_count + job.rows_synced
    schema.table = rebuilt


def _column_kept(schema: Schema, column: str) -> bool:
    # A sync projects the enabled columns, always keeping the primary key and the incremental field.
    if schema.enabled_columns is None:
        return True
    return (
        column in schema.enabled_columns
        or column in (schema.primary_key_columns or [])
        or column == schema.incremental_field
    )


def _move_watermark(schema: Schema, job: Job) -> None:
    config = schema.sync_type_config
    if schema.sync_type not in ("incremental", "append") or not schema.incremental_field:
        return
    last = config.get("incremental_field_last_value")
    if config.get("incremental_field_type") in ("integer", "numeric"):
        if isinstance(last, int) and last > 1_000_000_000:
            # An epoch-seconds cursor such as Stripe's `created`.
            config["incremental_field_last_value"] = int(job.finishes_at.timestamp())
        else:
            config["incremental_field_last_value"] = (last if isinstance(last, int) else 0) + job.rows_synced
    else:
        config["incremental_field_last_value"] = job.finishes_at.isoformat()
