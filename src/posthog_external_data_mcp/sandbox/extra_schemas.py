"""Generated schemas for big worlds (``SandboxConfig.extra_schemas``): a bulk Postgres source in project 1.

Deterministic: schema ``i`` always has the same id, name, cadence and health. Most are healthy and fresh;
a few fail (a non-unique primary key: turned off; a dropped connection: still on), a few have a stalled
schedule (stale), a few are turned off or were never synced, so a health audit has something to find.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

from .column_specs import pg_metadata
from .demo_ids import DEMO_PROJECT_ID, DEMO_USER_EMAIL, GENERATED_SOURCE_ID
from .demo_rows import Ago, FailedRun, SchemaRow
from .discovery import sql_table
from .models import DiscoveredTable, Source
from .tables import parse_columns

_SPEC = "id:integer! parent_id:integer! name:string updated_at:datetime! created_at:datetime!"
_METADATA = pg_metadata(
    "id:bigint! parent_id:bigint! name:text updated_at:timestamp_with_time_zone! created_at:timestamp_with_time_zone!"
)
_FREQUENCIES = (("15min", 15), ("1hour", 60), ("6hour", 360), ("24hour", 1440))
TRANSIENT_ERROR = "could not receive data from server: Connection timed out"
_DUPLICATE_KEYS_ERROR = (
    "The primary keys for this table are not unique. We can't sync incrementally until the table "
    "has a unique primary key. Primary keys being used are: ['parent_id']"
)


def schema_id(index: int) -> str:
    return f"0193f0c1-5c4e-7000-8002-{index:012d}"


def table_name(index: int) -> str:
    return f"table_{index:04d}"


def generated_source(now: datetime, count: int) -> Source:
    discovery: dict[str, DiscoveredTable] = {}
    for index in range(count):
        table = sql_table(table_name(index), _METADATA, ["id", "updated_at"], duplicated_columns=["parent_id"])
        table.synced_columns = parse_columns(_SPEC)
        discovery[table.name] = table
    return Source(
        id=GENERATED_SOURCE_ID,
        team_id=DEMO_PROJECT_ID,
        source_type="Postgres",
        prefix="bulk_",
        job_inputs={"host": "bulk-db.hedgebox.internal", "port": 5432, "database": "bulk", "user": "posthog_reader",
                    "password": "bulk-Reader-Pass", "schema": "public"},
        discovery=discovery,
        created_at=now - timedelta(days=60, hours=1),
        created_by=DEMO_USER_EMAIL,
    )  # fmt: skip


def generated_rows(count: int) -> tuple[SchemaRow, ...]:
    return tuple(_row(index) for index in range(count))


def _row(index: int) -> SchemaRow:
    frequency, minutes = _FREQUENCIES[index % len(_FREQUENCIES)]
    sync_type = ("incremental", "full_refresh", "append")[index % 3]
    config: dict[str, Any] = {}
    if sync_type != "full_refresh":
        config = {"incremental_field": "updated_at", "incremental_field_type": "timestamp"}
    if sync_type == "incremental":
        config["primary_key_columns"] = ["id"]
    fresh = Ago(minutes=(index * 7) % minutes + 1)
    row = SchemaRow(
        id=schema_id(index),
        team_id=DEMO_PROJECT_ID,
        source_id=GENERATED_SOURCE_ID,
        name=table_name(index),
        created=Ago(days=60, minutes=index),
        should_sync=True,
        status="Completed",
        sync_type=sync_type,
        config=config,
        frequency=frequency,
        last_synced=fresh,
        table_rows=10_000 + index * 37,
        growth=index % 50,
        schema_metadata=_METADATA,
        history=1,
        run_seconds=30,
    )
    if index % 97 == 3:
        # Incremental on a key that repeats: PostHog turns syncing off.
        config.update(
            {
                "incremental_field": "updated_at",
                "incremental_field_type": "timestamp",
                "primary_key_columns": ["parent_id"],
            }
        )
        return _replace(row, sync_type="incremental", config=config, failed_run=FailedRun(fresh, _DUPLICATE_KEYS_ERROR))
    if index % 89 == 5:
        return _replace(row, failed_run=FailedRun(fresh, TRANSIENT_ERROR))
    if index % 61 == 7:
        return _replace(row, last_synced=Ago(days=9, minutes=index), schedule_stalled=True, history=0)
    if index % 53 == 11:
        return _replace(row, should_sync=False, last_synced=Ago(days=20, minutes=index))
    if index % 71 == 13:
        return _replace(row, should_sync=False, status=None, sync_type=None, config={}, last_synced=None,
                        table_rows=None, history=0)  # fmt: skip
    return row


def _replace(row: SchemaRow, **changes: Any) -> SchemaRow:
    return dataclasses.replace(row, **changes)
