"""Demo data: a PostHog project with Stripe, Postgres and Hubspot sources, and a second project for isolation.

The identifiers live in :mod:`.demo_ids` (re-exported here, so ``from ...sandbox.demo import KEY_ALL`` works),
the sources and schemas as rows in :mod:`.demo_rows`, what discovery reports in :mod:`.discovery`. This module
only builds a fresh state from them, with times relative to the moment it is built.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

from .demo_ids import *  # noqa: F403  (the ids are part of this module's interface)
from .demo_ids import (
    DEMO_ORGANIZATION_ID,
    DEMO_PROJECT_ID,
    DEMO_USER_EMAIL,
    DEMO_USER_UUID,
    FOREIGN_ORGANIZATION_ID,
    FOREIGN_PROJECT_ID,
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
    POSTGRES_EVENTS_ID,
)
from .demo_rows import SCHEMA_ROWS, TABLE_IDS, Ago, SchemaRow, demo_sources
from .models import Job, Organization, PersonalApiKey, Schema, Source, Team, User, frequency_to_seconds
from .store import SandboxState
from .tables import build_table


def build_demo_state(now: datetime, sync_seconds: float = 2.0) -> SandboxState:
    """A fresh copy of the demo data, with times relative to ``now``; the running sync lasts ``sync_seconds``."""
    sources = {source.id: source for source in demo_sources()}
    schemas_list = [_schema(row, sources[row.source_id], now) for row in SCHEMA_ROWS]
    schemas = {schema.id: schema for schema in schemas_list}

    jobs = [_seed_job(schema, index) for index, schema in enumerate(schemas_list) if schema.last_synced_at is not None]
    # The events sync was kicked off just before the app started; it finishes after `sync_seconds`.
    running = next(job for job in jobs if job.schema_id == POSTGRES_EVENTS_ID)
    running.created_at = now
    running.status = "Running"
    running.outcome = "Completed"
    running.latest_error = None
    running.rows_synced = schemas[POSTGRES_EVENTS_ID].rows_per_sync
    running.finishes_at = now + timedelta(seconds=sync_seconds)

    return SandboxState(
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
        schemas=schemas,
        jobs=jobs,
    )


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
        value: PersonalApiKey(id, label, value, scopes, teams, orgs, created)
        for id, label, value, scopes, teams, orgs in rows
    }


def _schema(row: SchemaRow, source: Source, now: datetime) -> Schema:
    table = None
    if row.table_rows is not None:
        table = build_table(source, row.name, TABLE_IDS[row.id], row.table_rows)
    return Schema(
        id=row.id,
        team_id=row.team_id,
        source_id=row.source_id,
        name=row.name,
        created_at=row.created.at(now),
        should_sync=row.should_sync,
        status=row.status,
        sync_type=row.sync_type,
        sync_type_config={key: _resolve(value, now) for key, value in row.config.items()},
        sync_frequency_interval=frequency_to_seconds(row.frequency),
        sync_time_of_day=row.sync_time_of_day,
        latest_error=row.latest_error,
        last_synced_at=row.last_synced.at(now) if row.last_synced else None,
        table=table,
        description=row.description,
        enabled_columns=list(row.enabled_columns) if row.enabled_columns is not None else None,
        row_filters=copy.deepcopy(row.row_filters),
        api_version=row.api_version,
        schema_metadata=row.schema_metadata,
        initial_sync_complete=table is not None,
        fail_with=row.fail_with,
        rows_per_sync=row.rows_per_sync,
    )


def _resolve(value: Any, now: datetime) -> Any:
    if isinstance(value, Ago):
        return value.value(now)
    return copy.deepcopy(value)


def _seed_job(schema: Schema, index: int) -> Job:
    assert schema.last_synced_at is not None
    failed = schema.status == "Failed"
    finished = schema.last_synced_at if not failed else schema.last_synced_at + timedelta(hours=6)
    return Job(
        id=f"0193f0c1-10b0-7000-8000-{index + 1:012d}",
        schema_id=schema.id,
        status="Failed" if failed else "Completed",
        created_at=finished - timedelta(seconds=47),
        finishes_at=finished,
        outcome="Failed" if failed else "Completed",
        latest_error=schema.latest_error if failed else None,
        rows_synced=0 if failed else schema.rows_per_sync,
        workflow_id=f"{schema.id}-{finished.strftime('%Y-%m-%dT%H:%M:%SZ')}",
    )
