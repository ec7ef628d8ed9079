"""Schemas that need attention, each failing or stale for a reason PostHog users meet (docs/sandbox.md, scenarios).

Failed runs carry raw errors; the builder applies PostHog's classification, so each schema's ``latest_error``
and ``should_sync`` are what PostHog would have left behind.
"""

from __future__ import annotations

from .column_specs import (
    AUDIT_LOG_METADATA,
    INVOICES_COLUMNS_BEFORE_RENAME,
    INVOICES_METADATA_BEFORE_RENAME,
    LINE_ITEMS_METADATA,
)
from .demo_ids import (
    DEMO_PROJECT_ID,
    HUBSPOT_COMPANIES_ID,
    HUBSPOT_SOURCE_ID,
    HUBSPOT_TRANSIENT_ERROR,
    INJECTION_LABEL,
    INJECTION_RAW_ERROR,
    INJECTION_SCHEMA_ID,
    INJECTION_SOURCE_ID,
    INVOICES_DRIFT_ERROR,
    ISOLATION_PROJECT_ID,
    POSTGRES_AUDIT_LOG_ID,
    POSTGRES_INVOICES_ID,
    POSTGRES_LINE_ITEMS_ID,
    POSTGRES_SOURCE_ID,
    STRIPE_EU_BALANCE_TRANSACTIONS_ID,
    STRIPE_EU_CREDIT_NOTES_ID,
    STRIPE_EU_SOURCE_ID,
    STRIPE_EXPIRED_KEY_ERROR,
    STRIPE_PRICES_ID,
    STRIPE_SOURCE_ID,
)
from .demo_rows import Ago, FailedRun, SchemaRow
from .discovery import injection_discovery

_DUPLICATE_KEYS_ERROR = (
    "The primary keys for this table are not unique. We can't sync incrementally until the table "
    "has a unique primary key. Primary keys being used are: ['order_id']"
)


def _injection_metadata() -> dict[str, object]:
    columns = injection_discovery()["vendor_feed"].synced_columns
    return {
        "columns": [
            {"name": column.name, "data_type": "text" if column.hogql_type == "string" else column.hogql_type,
             "is_nullable": column.nullable}
            for column in columns
        ]
    }  # fmt: skip


SCENARIO_ROWS: tuple[SchemaRow, ...] = (
    # (a) Fixed by a config change: the source renamed the incremental field.
    SchemaRow(
        id=POSTGRES_INVOICES_ID,
        team_id=DEMO_PROJECT_ID,
        source_id=POSTGRES_SOURCE_ID,
        name="invoices",
        created=Ago(days=20, hours=5, minutes=57),
        should_sync=True,
        status="Completed",
        sync_type="incremental",
        config={
            "incremental_field": "modified_at",
            "incremental_field_type": "timestamp",
            "incremental_field_last_value": Ago(days=2, render="iso"),
            "primary_key_columns": ["id"],
        },
        frequency="1hour",
        last_synced=Ago(days=2),
        table_rows=412_907,
        growth=388,
        table_columns=INVOICES_COLUMNS_BEFORE_RENAME,
        schema_metadata=INVOICES_METADATA_BEFORE_RENAME,
        failed_run=FailedRun(Ago(days=1, hours=23), INVOICES_DRIFT_ERROR),
    ),
    # (a) Fixed by a config change: the primary key is not unique.
    SchemaRow(
        id=POSTGRES_LINE_ITEMS_ID,
        team_id=DEMO_PROJECT_ID,
        source_id=POSTGRES_SOURCE_ID,
        name="line_items",
        created=Ago(days=20, hours=5, minutes=56),
        should_sync=True,
        status="Completed",
        sync_type="incremental",
        config={
            "incremental_field": "updated_at",
            "incremental_field_type": "timestamp",
            "incremental_field_last_value": Ago(hours=6, render="iso"),
            "primary_key_columns": ["order_id"],
        },
        frequency="30min",
        last_synced=Ago(hours=6),
        table_rows=2_861_540,
        growth=3_412,
        schema_metadata=LINE_ITEMS_METADATA,
        failed_run=FailedRun(Ago(hours=5, minutes=30), _DUPLICATE_KEYS_ERROR),
    ),
    # (c) Credentials: the EU Stripe key expired; fixed by reconnecting the source, then re-enabling.
    SchemaRow(
        id=STRIPE_EU_BALANCE_TRANSACTIONS_ID,
        team_id=DEMO_PROJECT_ID,
        source_id=STRIPE_EU_SOURCE_ID,
        name="BalanceTransaction",
        created=Ago(days=30, hours=1, minutes=59),
        should_sync=True,
        status="Completed",
        sync_type="append",
        config={
            "incremental_field": "created",
            "incremental_field_type": "integer",
            "incremental_field_last_value": Ago(days=3, render="epoch"),
        },
        frequency="1hour",
        last_synced=Ago(days=3),
        table_rows=96_118,
        growth=140,
        failed_run=FailedRun(Ago(days=2, hours=23), STRIPE_EXPIRED_KEY_ERROR),
    ),
    SchemaRow(
        id=STRIPE_EU_CREDIT_NOTES_ID,
        team_id=DEMO_PROJECT_ID,
        source_id=STRIPE_EU_SOURCE_ID,
        name="CreditNote",
        created=Ago(days=30, hours=1, minutes=58),
        should_sync=True,
        status="Completed",
        sync_type="full_refresh",
        frequency="24hour",
        last_synced=Ago(days=3, hours=2),
        table_rows=1_204,
        growth=3,
        failed_run=FailedRun(Ago(days=2, hours=2), STRIPE_EXPIRED_KEY_ERROR),
    ),
    # (d) Transient: HubSpot answered 503 on the last run; syncing stays on and a reload completes.
    SchemaRow(
        id=HUBSPOT_COMPANIES_ID,
        team_id=DEMO_PROJECT_ID,
        source_id=HUBSPOT_SOURCE_ID,
        name="companies",
        created=Ago(days=12, hours=3, minutes=58),
        should_sync=True,
        status="Completed",
        sync_type="full_refresh",
        frequency="6hour",
        last_synced=Ago(hours=6, minutes=20),
        table_rows=8_342,
        growth=6,
        failed_run=FailedRun(Ago(minutes=20), HUBSPOT_TRANSIENT_ERROR),
    ),
    # Staleness: the schedule stopped firing (PostHog #82900): enabled, Completed, no run for 23 days.
    SchemaRow(
        id=STRIPE_PRICES_ID,
        team_id=DEMO_PROJECT_ID,
        source_id=STRIPE_SOURCE_ID,
        name="Price",
        created=Ago(days=41, hours=2, minutes=55),
        should_sync=True,
        status="Completed",
        sync_type="full_refresh",
        frequency="6hour",
        last_synced=Ago(days=23, hours=4),
        table_rows=1_318,
        growth=2,
        history=0,
        schedule_stalled=True,
    ),
    # Stuck: Running for 9 hours on a table whose runs take 3 minutes.
    SchemaRow(
        id=POSTGRES_AUDIT_LOG_ID,
        team_id=DEMO_PROJECT_ID,
        source_id=POSTGRES_SOURCE_ID,
        name="audit_log",
        created=Ago(days=19, hours=2),
        should_sync=True,
        status="Running",
        sync_type="append",
        config={
            "incremental_field": "id",
            "incremental_field_type": "integer",
            "incremental_field_last_value": 6_402_113,
        },
        frequency="1hour",
        last_synced=Ago(hours=10),
        table_rows=6_402_113,
        growth=2_950,
        schema_metadata=AUDIT_LOG_METADATA,
        run_seconds=180,
        running_since=Ago(hours=9),
        hangs=True,
    ),
    # Project 2: a source whose own texts are injection-shaped, for output-safety tests.
    SchemaRow(
        id=INJECTION_SCHEMA_ID,
        team_id=ISOLATION_PROJECT_ID,
        source_id=INJECTION_SOURCE_ID,
        name="vendor_feed",
        label=INJECTION_LABEL,
        created=Ago(days=2, hours=1),
        should_sync=True,
        status="Completed",
        sync_type="full_refresh",
        frequency="24hour",
        last_synced=Ago(days=1, hours=1),
        table_rows=5_730,
        growth=40,
        history=1,
        schema_metadata=_injection_metadata(),
        failed_run=FailedRun(Ago(hours=2), INJECTION_RAW_ERROR),
    ),
)
