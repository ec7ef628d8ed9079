"""The log lines one sync run writes, with PostHog's own texts (the source files are cited in docs/sandbox.md).

A run writes its opening lines when it starts and the rest when it settles, all carrying the run's
``workflow_run_id`` as ``instance_id``. Most lines are DEBUG, as in PostHog, where an ERROR line hides
among many DEBUG ones.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from .failures import Classified
from .models import Job, LogEntry, Schema, Source

_STEP = timedelta(milliseconds=7)
_OPENING_LINES_MAX = 8
NEW_SOURCE_FREE_ROWS_DAYS = 7


def _lines(job: Job, start: datetime, lines: list[tuple[str, str]]) -> list[LogEntry]:
    return [
        LogEntry(job.schema_id, job.workflow_run_id, start + _STEP * index, level, message)
        for index, (level, message) in enumerate(lines)
    ]


def started(job: Job, schema: Schema, source: Source) -> list[LogEntry]:
    """Job created, billing check, the import activity's opening DEBUG lines."""
    lines: list[tuple[str, str]] = [("INFO", f"Created external data job for external data source {source.id}")]
    if source.created_at is not None and job.created_at - source.created_at < timedelta(days=NEW_SOURCE_FREE_ROWS_DAYS):
        lines.append(
            (
                "INFO",
                "Skipping billing limits check for newly created data source for 7-days free rows. "
                f"source.created_at = {source.created_at.isoformat()}",
            )
        )
    config = {key: value for key, value in schema.sync_type_config.items() if key != "schema_metadata"}
    lines += [
        ("DEBUG", "Running import_data_activity"),
        ("DEBUG", f"schema.sync_type_config = {_python_repr(config)}"),
        ("DEBUG", f"reset_pipeline = {bool(job.full_reload)}"),
    ]
    if schema.sync_type in ("incremental", "append"):
        last_value = schema.sync_type_config.get("incremental_field_last_value")
        lines.append(("DEBUG", f"Incremental last value being used is: {last_value}"))
    lines.append(("INFO", "Running V3 pipeline (feature flag enabled)"))
    return _lines(job, job.created_at, lines)


def completed(job: Job, schema: Schema, finished: datetime, *, first_sync: bool, parquet_files: int) -> list[LogEntry]:
    lines: list[tuple[str, str]] = []
    if job.full_reload:
        lines.append(("DEBUG", "Deleting existing table due to reset_pipeline being set"))
    elif schema.sync_type in (None, "full_refresh"):
        lines.append(("DEBUG", "Deleting existing table due to sync being full refresh"))
    lines += [
        ("DEBUG", f"Preparing S3 files - total parquet files: {parquet_files}"),
        ("DEBUG", "Triggering compaction and vacuuming on delta table"),
        ("DEBUG", "Updating last synced at timestamp on schema"),
    ]
    if first_sync:
        lines.append(("DEBUG", "Setting initial_sync_complete on schema"))
    lines += [
        ("DEBUG", "Validating schema and updating table"),
        ("DEBUG", "Finished validating schema and updating table"),
        ("DEBUG", "Cleaning up delta table helper"),
        ("INFO", f"Updated external data job with for external data source {job.id} to status Completed"),
    ]
    return _lines(job, _closing_start(job, finished, len(lines)), lines)


def failed(job: Job, raw_error: str, classified: Classified, finished: datetime) -> list[LogEntry]:
    lines: list[tuple[str, str]] = []
    if classified.disables:
        # extract.py retries a non-retryable match a few times within the run before giving up.
        lines += [
            ("DEBUG", f"Non-retryable error attempt 1/3, retrying. error={raw_error}"),
            ("DEBUG", f"Non-retryable error attempt 2/3, retrying. error={raw_error}"),
            ("DEBUG", f"Non-retryable error after 3 runs, giving up. error={raw_error}"),
        ]
    lines += [
        ("ERROR", raw_error),
        ("DEBUG", "Error encountered during import_data_activity - re-raising"),
        (
            "ERROR",
            f"External data job failed for external data schema {job.schema_id} on job {job.id} "
            f"with error: {raw_error}",
        ),
    ]
    if classified.friendly is not None:
        lines.append(("ERROR", classified.friendly))
    lines.append(("INFO", f"Updated external data job with for external data source {job.id} to status Failed"))
    return _lines(job, _closing_start(job, finished, len(lines)), lines)


def _closing_start(job: Job, finished: datetime, count: int) -> datetime:
    # The closing lines end at the finish, but never before the opening lines (a zero-length run).
    return max(finished - _STEP * count, job.created_at + _STEP * _OPENING_LINES_MAX)


def _python_repr(value: Any) -> str:
    # PostHog interpolates the dict with an f-string, so the line shows Python's repr (single quotes, True).
    return repr(value)
