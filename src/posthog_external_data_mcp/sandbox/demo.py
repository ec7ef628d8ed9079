"""Demo data: a PostHog project with Stripe, Postgres and Hubspot sources, and a second project for isolation.

The identifiers live in :mod:`.demo_ids` (re-exported here, so ``from ...sandbox.demo import KEY_ALL`` works),
the sources and schemas as rows in :mod:`.demo_rows`, :mod:`.demo_schema_rows` and :mod:`.demo_scenarios`, what
discovery reports in :mod:`.discovery`. This module builds a fresh state from them: schemas, their past runs
(jobs and log lines), the runs in progress and each schedule's next slot, all relative to ``now``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from . import run_logs
from .demo_ids import *  # noqa: F403  (the ids are part of this module's interface)
from .demo_ids import (
    DEMO_ORGANIZATION_ID,
    DEMO_PROJECT_ID,
    DEMO_USER_EMAIL,
    DEMO_USER_UUID,
    FOREIGN_ORGANIZATION_ID,
    FOREIGN_PROJECT_ID,
    GENERATED_SOURCE_ID,
    ISOLATION_PROJECT_ID,
    KEY_ALL,
    KEY_ALL_ID,
    KEY_OTHER_ORG,
    KEY_OTHER_ORG_ID,
    KEY_PROJECT2,
    KEY_PROJECT2_ID,
    KEY_READ,
    KEY_READ_ID,
    KEY_UNRELATED_SCOPE,
    KEY_UNRELATED_SCOPE_ID,
    KEY_WRITE,
    KEY_WRITE_ID,
)
from .demo_rows import Ago, SchemaRow, demo_sources, table_id
from .demo_scenarios import SCENARIO_ROWS
from .demo_schema_rows import BASE_SCHEMA_ROWS
from .extra_schemas import generated_rows, generated_source
from .failures import classify
from .models import Job, Organization, PersonalApiKey, Schema, Source, Team, User, frequency_to_seconds
from .schedule import next_slot
from .store import SandboxState
from .tables import build_table, parse_columns, plumbing_columns

SCHEMA_ROWS: tuple[SchemaRow, ...] = BASE_SCHEMA_ROWS + SCENARIO_ROWS
_JOB_ID_PREFIX = "0193f0c1-10b0-7000-8000-"
_RUN_ID_PREFIX = "0193f0c1-1a00-7000-8000-"


def build_demo_state(now: datetime, sync_seconds: float = 2.0, extra_schemas: int = 0) -> SandboxState:
    """A fresh copy of the demo data, with times relative to ``now``; runs in progress last ``sync_seconds``.

    ``extra_schemas`` adds that many generated schemas (and their bulk source) to project 1.
    """
    sources = {source.id: source for source in demo_sources(now)}
    rows = SCHEMA_ROWS
    if extra_schemas > 0:
        sources[GENERATED_SOURCE_ID] = generated_source(now, extra_schemas)
        rows += generated_rows(extra_schemas)
    state = SandboxState(
        organizations={
            DEMO_ORGANIZATION_ID: Organization(DEMO_ORGANIZATION_ID, "Hedgebox Inc."),
            FOREIGN_ORGANIZATION_ID: Organization(FOREIGN_ORGANIZATION_ID, "Someone Else Ltd."),
        },
        teams={
            DEMO_PROJECT_ID: Team(DEMO_PROJECT_ID, "Hedgebox (demo)", DEMO_ORGANIZATION_ID, cdc_enabled=True),
            ISOLATION_PROJECT_ID: Team(
                ISOLATION_PROJECT_ID, "Hedgebox staging", DEMO_ORGANIZATION_ID, cdc_enabled=False
            ),
            FOREIGN_PROJECT_ID: Team(
                FOREIGN_PROJECT_ID, "Someone Else's project", FOREIGN_ORGANIZATION_ID, cdc_enabled=True
            ),
        },
        user=User(
            uuid=DEMO_USER_UUID,
            email=DEMO_USER_EMAIL,
            first_name="Max",
            current_team_id=DEMO_PROJECT_ID,
            team_ids=[DEMO_PROJECT_ID, ISOLATION_PROJECT_ID],
        ),
        keys=_keys(now - timedelta(days=30)),
        sources=sources,
        schemas={},
    )
    jobs = _JobIds()
    for row in rows:
        schema = _schema(row, sources[row.source_id], now)
        state.schemas[schema.id] = schema
        _seed_runs(state, row, schema, now=now, sync_seconds=sync_seconds, ids=jobs)
    state.jobs.sort(key=lambda job: job.created_at)
    return state


def _keys(created: datetime) -> dict[str, PersonalApiKey]:
    # (id, label, value, scopes, scoped_teams, scoped_organizations)
    rows: list[tuple[str, str, str, list[str], list[int] | None, list[str] | None]] = [
        (KEY_ALL_ID, "Sandbox all access", KEY_ALL, ["*"], None, None),
        (KEY_READ_ID, "Sandbox read only", KEY_READ, ["external_data_source:read"], None, None),
        (KEY_WRITE_ID, "Sandbox write", KEY_WRITE, ["external_data_source:write"], None, None),
        (KEY_PROJECT2_ID, "Sandbox project 2 only", KEY_PROJECT2, ["*"], [ISOLATION_PROJECT_ID], None),
        (KEY_OTHER_ORG_ID, "Sandbox other organization", KEY_OTHER_ORG, ["*"], None, [FOREIGN_ORGANIZATION_ID]),
        (KEY_UNRELATED_SCOPE_ID, "Sandbox insights only", KEY_UNRELATED_SCOPE, ["insight:read"], None, None),
    ]
    return {
        value: PersonalApiKey(key_id, label, value, scopes, teams, orgs, created)
        for key_id, label, value, scopes, teams, orgs in rows
    }


def _schema(row: SchemaRow, source: Source, now: datetime) -> Schema:
    table = None
    if row.table_rows is not None:
        table = build_table(source, row.name, table_id(row.id), row.table_rows)
        if row.table_columns is not None:
            table.columns = parse_columns(row.table_columns) + plumbing_columns(source.source_type)
    should_sync, status, latest_error = row.should_sync, row.status, row.latest_error
    if row.failed_run is not None:
        classified = classify(source.source_type, row.failed_run.raw_error)
        status, latest_error = "Failed", classified.latest_error
        should_sync = should_sync and not classified.disables
    return Schema(
        id=row.id,
        team_id=row.team_id,
        source_id=row.source_id,
        name=row.name,
        label=row.label,
        created_at=row.created.at(now),
        should_sync=should_sync,
        status=status,
        sync_type=row.sync_type,
        sync_type_config={key: _resolve(value, now) for key, value in row.config.items()},
        sync_frequency_interval=frequency_to_seconds(row.frequency),
        sync_time_of_day=row.sync_time_of_day,
        latest_error=latest_error,
        last_synced_at=row.last_synced.at(now) if row.last_synced else None,
        table=table,
        description=row.description,
        enabled_columns=_clone(row.enabled_columns),
        row_filters=_clone(row.row_filters),
        api_version=row.api_version,
        schema_metadata=_clone(row.schema_metadata),
        initial_sync_complete=table is not None,
        source_rows=row.source_rows if row.source_rows is not None else row.table_rows or 0,
        growth_per_sync=row.growth,
        schedule_stalled=row.schedule_stalled,
    )


def _resolve(value: Any, now: datetime) -> Any:
    if isinstance(value, Ago):
        return value.value(now)
    return _clone(value)


def _clone(value: Any) -> Any:
    """A copy of JSON-shaped data (much cheaper than deepcopy for the big generated worlds)."""
    if isinstance(value, dict):
        return {key: _clone(item) for key, item in value.items()}  # pyright: ignore[reportUnknownVariableType]
    if isinstance(value, list):
        return [_clone(item) for item in value]  # pyright: ignore[reportUnknownVariableType]
    return value


class _JobIds:
    """Deterministic job and Temporal run ids, in build order."""

    def __init__(self) -> None:
        self.count = 0

    def next(self) -> tuple[str, str]:
        self.count += 1
        return f"{_JOB_ID_PREFIX}{self.count:012d}", f"{_RUN_ID_PREFIX}{self.count:012d}"


def _seed_runs(
    state: SandboxState, row: SchemaRow, schema: Schema, *, now: datetime, sync_seconds: float, ids: _JobIds
) -> None:
    """Past runs (with their log lines), the failed newest run, a run in progress, and the next schedule slot."""
    source = state.sources[schema.source_id]
    spacing = timedelta(seconds=schema.sync_frequency_interval or 86_400)
    duration = timedelta(seconds=row.run_seconds)
    if schema.last_synced_at is not None:
        for back in range(row.history - 1, -1, -1):
            finished = schema.last_synced_at - spacing * back
            job = _job(schema, ids, finished - duration, finished, "Completed")
            job.rows_synced = row.growth if schema.sync_type not in (None, "full_refresh") else schema.source_rows
            state.add_job(job)
            state.write_logs(schema.id, run_logs.started(job, schema, source))
            state.write_logs(
                schema.id,
                run_logs.completed(
                    job, schema, finished, first_sync=False, parquet_files=max(1, job.rows_synced // 50_000)
                ),
            )
    if row.failed_run is not None:
        finished = row.failed_run.at.at(now)
        job = _job(schema, ids, finished - duration, finished, "Failed")
        classified = classify(source.source_type, row.failed_run.raw_error)
        job.raw_error, job.latest_error = row.failed_run.raw_error, classified.latest_error
        state.add_job(job)
        state.write_logs(schema.id, run_logs.started(job, schema, source))
        state.write_logs(schema.id, run_logs.failed(job, row.failed_run.raw_error, classified, finished))
    if row.running_since is not None:
        started = row.running_since.at(now)
        finishes = None if row.hangs else now + timedelta(seconds=sync_seconds)
        job = _job(schema, ids, started, finishes, "Completed")
        job.status = "Running"
        schema.source_rows += schema.growth_per_sync
        state.add_job(job)
        state.write_logs(schema.id, run_logs.started(job, schema, source))
    if schema.sync_frequency_interval is not None:
        latest = state.latest_job(schema.id)
        schema.next_run_at = next_slot(schema, now, latest.created_at if latest else None)


def _job(schema: Schema, ids: _JobIds, created: datetime, finishes: datetime | None, outcome: str) -> Job:
    job_id, run_id = ids.next()
    return Job(
        id=job_id,
        schema_id=schema.id,
        status="Completed" if outcome == "Completed" else "Failed",
        created_at=created,
        finishes_at=finishes,
        outcome="Completed" if outcome == "Completed" else "Failed",
        latest_error=None,
        rows_synced=0,
        workflow_id=f"{schema.id}-{created.isoformat(timespec='seconds')[:19]}Z",
        workflow_run_id=run_id,
    )
