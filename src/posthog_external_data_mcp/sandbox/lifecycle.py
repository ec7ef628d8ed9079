"""The sync lifecycle, advanced lazily: every request first fires due schedules and settles finished jobs.

A job decides when it starts whether it will fail (the source's faults and the schema's configuration,
see :mod:`.failures`) and settles after ``sync_seconds``: ``Completed`` with the table rebuilt or grown,
or ``Failed`` with PostHog's classification applied. No background task is needed, so the behaviour is
identical in-process and over HTTP, and tests move an injected clock instead of sleeping.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from . import run_logs
from .failures import classify, run_error
from .models import Job, Schema, Table
from .store import SandboxState
from .tables import HIDDEN_COLUMNS, build_table

CANCELLED_BY_USER = "Sync cancelled by user"
PIPELINE_V3 = "v3-kafka-s3"
_ROWS_PER_PARQUET_FILE = 50_000


class TemporalUnavailableError(Exception):
    """Stands in for the Temporal RPC error PostHog gets when it cannot start a workflow."""


def settle_finished_jobs(state: SandboxState, now: datetime) -> None:
    for job in state.running_jobs():
        if job.finishes_at is not None and job.finishes_at <= now:
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
    source = state.sources[schema.source_id]
    config = schema.sync_type_config
    reset = full_reload or bool(config.get("reset_pipeline"))
    if reset:
        # A reset run drops the table and starts its cursor over.
        config.pop("incremental_field_last_value", None)
    schema.source_rows += schema.growth_per_sync
    raw_error = run_error(source, schema)
    job = Job(
        id=str(uuid.uuid4()),
        schema_id=schema.id,
        status="Running",
        created_at=now,
        finishes_at=now + timedelta(seconds=sync_seconds),
        outcome="Failed" if raw_error else "Completed",
        latest_error=None,
        rows_synced=0,
        workflow_id=f"{schema.id}-{now.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}",
        workflow_run_id=str(uuid.uuid4()),
        raw_error=raw_error,
        full_reload=reset,
    )
    state.add_job(job)
    schema.status = "Running"
    state.write_logs(schema.id, run_logs.started(job, schema, source))
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
    finished = job.finishes_at or job.created_at
    if job.outcome != "Completed":
        raw_error = job.raw_error or "Sync failed"
        classified = classify(state.sources[schema.source_id].source_type, raw_error)
        job.latest_error = classified.latest_error
        schema.status = "Failed"
        schema.latest_error = classified.latest_error
        if classified.disables:
            schema.should_sync = False
        state.write_logs(schema.id, run_logs.failed(job, raw_error, classified, finished))
        return
    first_sync = not schema.initial_sync_complete
    schema.status = "Completed"
    schema.latest_error = None
    schema.last_synced_at = finished
    schema.initial_sync_complete = True
    schema.sync_type_config.pop("reset_pipeline", None)
    _update_table(state, schema, job)
    _move_watermark(state, schema, finished)
    parquet_files = max(1, job.rows_synced // _ROWS_PER_PARQUET_FILE + 1) if job.rows_synced else 0
    state.write_logs(
        schema.id, run_logs.completed(job, schema, finished, first_sync=first_sync, parquet_files=parquet_files)
    )


def _update_table(state: SandboxState, schema: Schema, job: Job) -> None:
    source = state.sources[schema.source_id]
    previous: Table | None = schema.table if schema.table is not None and not schema.table.deleted else None
    rebuilt = build_table(source, schema.name, previous.id if previous else str(uuid.uuid4()), 0)
    rebuilt.columns = [column for column in rebuilt.columns if _column_kept(schema, column.name)]
    # The table holds what the source holds: a rebuild imports every row, an incremental run the new ones.
    if previous is None or job.full_reload or schema.sync_type in (None, "full_refresh"):
        job.rows_synced = schema.source_rows
    else:
        job.rows_synced = max(0, schema.source_rows - previous.row_count)
    rebuilt.row_count = schema.source_rows
    schema.table = rebuilt


def _column_kept(schema: Schema, column: str) -> bool:
    # A sync projects the enabled columns, always keeping the primary key, the incremental field and plumbing.
    if schema.enabled_columns is None:
        return True
    return (
        column in schema.enabled_columns
        or column in (schema.primary_key_columns or [])
        or column == schema.incremental_field
        or column in HIDDEN_COLUMNS
    )


def _move_watermark(state: SandboxState, schema: Schema, finished: datetime) -> None:
    config = schema.sync_type_config
    if schema.sync_type not in ("incremental", "append") or not schema.incremental_field:
        return
    if config.get("incremental_field_type") in ("integer", "numeric"):
        # Stripe's integer cursors are epoch seconds (`created`); SQL ones are ids that grow with the rows.
        epoch = state.sources[schema.source_id].source_type == "Stripe"
        config["incremental_field_last_value"] = int(finished.timestamp()) if epoch else schema.source_rows
    else:
        config["incremental_field_last_value"] = finished.isoformat()
