"""The demo world's sources and schemas, as data. :mod:`.demo` turns these rows into state.

Times are :class:`Ago` values, resolved against the moment the state is built (app start or reset), so
a schema synced "38 minutes ago" stays that fresh however long ago the code was written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, Literal

from .demo_ids import (
    DEMO_PROJECT_ID,
    HUBSPOT_CONTACTS_ID,
    HUBSPOT_DEALS_ERROR,
    HUBSPOT_DEALS_ID,
    HUBSPOT_SOURCE_ID,
    ISOLATION_POSTGRES_CUSTOMERS_ID,
    ISOLATION_POSTGRES_SOURCE_ID,
    ISOLATION_PROJECT_ID,
    ISOLATION_STRIPE_DISPUTES_ID,
    ISOLATION_STRIPE_PAYOUTS_ID,
    ISOLATION_STRIPE_REFUNDS_ID,
    ISOLATION_STRIPE_SOURCE_ID,
    POSTGRES_DAILY_REVENUE_ID,
    POSTGRES_EVENTS_ID,
    POSTGRES_ORDERS_ID,
    POSTGRES_SOURCE_ID,
    POSTGRES_USERS_ID,
    STRIPE_CHARGES_ID,
    STRIPE_CUSTOMERS_ID,
    STRIPE_DISCOUNTS_ID,
    STRIPE_INVOICES_ID,
    STRIPE_SOURCE_ID,
    STRIPE_SUBSCRIPTIONS_ID,
)
from .discovery import (
    CUSTOMERS_METADATA,
    EVENTS_METADATA,
    ORDERS_METADATA,
    USERS_METADATA,
    hubspot_discovery,
    isolation_postgres_discovery,
    postgres_discovery,
    stripe_discovery,
)
from .models import Source, StoredStatus


@dataclass(frozen=True)
class Ago:
    """A moment before the state is built; ``render`` picks how a sync cursor stores it."""

    days: float = 0
    hours: float = 0
    minutes: float = 0
    render: Literal["datetime", "epoch", "iso"] = "datetime"

    def at(self, now: datetime) -> datetime:
        return now - timedelta(days=self.days, hours=self.hours, minutes=self.minutes)

    def value(self, now: datetime) -> Any:
        moment = self.at(now)
        if self.render == "epoch":
            return int(moment.timestamp())
        if self.render == "iso":
            return moment.isoformat()
        return moment


@dataclass(frozen=True)
class SchemaRow:
    """One schema of the demo world; ``table_rows=None`` means no synced table yet."""

    id: str
    team_id: int
    source_id: str
    name: str
    created: Ago
    should_sync: bool
    status: StoredStatus | None
    sync_type: str | None
    frequency: str
    """An API frequency name (``"never"`` for none; ``"1min"`` for a legacy cadence)."""
    rows_per_sync: int
    config: Mapping[str, Any] = field(default_factory=lambda: {})
    """``sync_type_config``; :class:`Ago` values are resolved when the state is built."""
    last_synced: Ago | None = None
    table_rows: int | None = None
    sync_time_of_day: time | None = None
    latest_error: str | None = None
    api_version: str | None = None
    description: str | None = None
    schema_metadata: dict[str, Any] | None = None
    row_filters: Any = None
    enabled_columns: list[str] | None = None
    fail_with: str | None = None


TABLE_IDS = {
    STRIPE_CHARGES_ID: "0193f0c1-7ab1-7000-8000-000000000101",
    STRIPE_CUSTOMERS_ID: "0193f0c1-7ab1-7000-8000-000000000102",
    STRIPE_INVOICES_ID: "0193f0c1-7ab1-7000-8000-000000000103",
    STRIPE_SUBSCRIPTIONS_ID: "0193f0c1-7ab1-7000-8000-000000000104",
    POSTGRES_ORDERS_ID: "0193f0c1-7ab1-7000-8000-000000000201",
    POSTGRES_USERS_ID: "0193f0c1-7ab1-7000-8000-000000000202",
    POSTGRES_EVENTS_ID: "0193f0c1-7ab1-7000-8000-000000000203",
    POSTGRES_DAILY_REVENUE_ID: "0193f0c1-7ab1-7000-8000-000000000204",
    HUBSPOT_CONTACTS_ID: "0193f0c1-7ab1-7000-8000-000000000301",
    HUBSPOT_DEALS_ID: "0193f0c1-7ab1-7000-8000-000000000302",
    ISOLATION_STRIPE_REFUNDS_ID: "0193f0c1-7ab1-7000-8000-000000000401",
    ISOLATION_STRIPE_PAYOUTS_ID: "0193f0c1-7ab1-7000-8000-000000000402",
    ISOLATION_STRIPE_DISPUTES_ID: "0193f0c1-7ab1-7000-8000-000000000403",
    ISOLATION_POSTGRES_CUSTOMERS_ID: "0193f0c1-7ab1-7000-8000-000000000404",
}


def _postgres_job_inputs(host: str, database: str) -> dict[str, Any]:
    return {
        "host": host,
        "port": 5432,
        "database": database,
        "user": "posthog_reader",
        "password": "••••••••",
        "schema": "public",
        "ssh_tunnel_enabled": False,
        "cdc_enabled": True,
    }


def demo_sources() -> list[Source]:
    """Fresh source records (the state mutates them, so every build makes new ones)."""
    return [
        Source(
            id=STRIPE_SOURCE_ID,
            team_id=DEMO_PROJECT_ID,
            source_type="Stripe",
            prefix=None,
            job_inputs={"auth_method": {"selection": "api_key", "stripe_secret_key": "rk_live_••••••••4242"}},
            api_version="2025-03-31.basil",
            discovery=stripe_discovery(["Charge", "Customer", "Invoice", "Subscription"]),
            webhook_created=True,
        ),
        Source(
            id=POSTGRES_SOURCE_ID,
            team_id=DEMO_PROJECT_ID,
            source_type="Postgres",
            prefix="prod_",
            job_inputs=_postgres_job_inputs("db.hedgebox.internal", "shop"),
            cdc_enabled=True,
            discovery=postgres_discovery(),
        ),
        Source(
            id=HUBSPOT_SOURCE_ID,
            team_id=DEMO_PROJECT_ID,
            source_type="Hubspot",
            prefix=None,
            job_inputs={"hubspot_integration_id": 7},
            discovery=hubspot_discovery(),
        ),
        Source(
            id=ISOLATION_STRIPE_SOURCE_ID,
            team_id=ISOLATION_PROJECT_ID,
            source_type="Stripe",
            prefix="test_",
            job_inputs={"auth_method": {"selection": "api_key", "stripe_secret_key": "rk_test_••••••••0000"}},
            discovery=stripe_discovery(["Refund", "Payout", "Dispute"]),
        ),
        Source(
            id=ISOLATION_POSTGRES_SOURCE_ID,
            team_id=ISOLATION_PROJECT_ID,
            source_type="Postgres",
            prefix="staging_",
            job_inputs=_postgres_job_inputs("staging-db.hedgebox.internal", "shop_staging"),
            cdc_enabled=True,
            discovery=isolation_postgres_discovery(),
        ),
    ]


def _pk(*columns: str) -> dict[str, Any]:
    return {"primary_key_columns": list(columns)}


SCHEMA_ROWS: tuple[SchemaRow, ...] = (
    # --- Stripe (project 1) ---
    SchemaRow(
        id=STRIPE_CHARGES_ID,
        team_id=DEMO_PROJECT_ID,
        source_id=STRIPE_SOURCE_ID,
        name="Charge",
        created=Ago(days=41, hours=3),
        should_sync=True,
        status="Completed",
        sync_type="append",
        config={
            "incremental_field": "created",
            "incremental_field_type": "integer",
            "incremental_field_last_value": Ago(minutes=38, render="epoch"),
        },
        frequency="1hour",
        last_synced=Ago(minutes=38),
        table_rows=184_230,
        rows_per_sync=312,
    ),
    SchemaRow(
        id=STRIPE_CUSTOMERS_ID,
        team_id=DEMO_PROJECT_ID,
        source_id=STRIPE_SOURCE_ID,
        name="Customer",
        created=Ago(days=41, hours=2, minutes=59),
        should_sync=True,
        status="BillingLimitReached",
        sync_type="full_refresh",
        frequency="24hour",
        sync_time_of_day=time(3, 0, 0),
        last_synced=Ago(days=2, hours=9),
        table_rows=23_876,
        rows_per_sync=23_901,
    ),
    SchemaRow(
        id=STRIPE_INVOICES_ID,
        team_id=DEMO_PROJECT_ID,
        source_id=STRIPE_SOURCE_ID,
        name="Invoice",
        created=Ago(days=41, hours=2, minutes=58),
        should_sync=True,
        status="Completed",
        sync_type="full_refresh",
        frequency="6hour",
        last_synced=Ago(hours=4, minutes=12),
        table_rows=61_402,
        api_version="2024-09-30.acacia",
        description="Invoices incl. drafts; pinned to the old API version until the finance dashboards migrate.",
        rows_per_sync=61_455,
    ),
    SchemaRow(
        id=STRIPE_SUBSCRIPTIONS_ID,
        team_id=DEMO_PROJECT_ID,
        source_id=STRIPE_SOURCE_ID,
        name="Subscription",
        created=Ago(days=41, hours=2, minutes=57),
        should_sync=True,
        status="Completed",
        sync_type="webhook",
        config={"incremental_field": "created", "incremental_field_type": "integer"},
        frequency="12hour",
        last_synced=Ago(minutes=3),
        table_rows=9_117,
        rows_per_sync=14,
    ),
    SchemaRow(
        id=STRIPE_DISCOUNTS_ID,
        team_id=DEMO_PROJECT_ID,
        source_id=STRIPE_SOURCE_ID,
        name="Discount",
        created=Ago(days=41, hours=2, minutes=56),
        should_sync=False,
        status=None,
        sync_type=None,
        frequency="6hour",
        rows_per_sync=840,
    ),
    # --- Postgres (project 1) ---
    SchemaRow(
        id=POSTGRES_ORDERS_ID,
        team_id=DEMO_PROJECT_ID,
        source_id=POSTGRES_SOURCE_ID,
        name="orders",
        created=Ago(days=20, hours=6),
        should_sync=True,
        status="Completed",
        sync_type="incremental",
        config={
            "incremental_field": "updated_at",
            "incremental_field_type": "timestamp",
            "incremental_field_last_value": Ago(minutes=9, render="iso"),
            "incremental_field_lookback_seconds": 3600,
            **_pk("id"),
        },
        frequency="15min",
        last_synced=Ago(minutes=9),
        table_rows=1_284_113,
        schema_metadata=ORDERS_METADATA,
        row_filters=[{"column": "status", "operator": "!=", "value": "test"}],
        rows_per_sync=1_870,
    ),
    SchemaRow(
        id=POSTGRES_USERS_ID,
        team_id=DEMO_PROJECT_ID,
        source_id=POSTGRES_SOURCE_ID,
        name="users",
        created=Ago(days=20, hours=5, minutes=59),
        should_sync=True,
        status="Completed",
        sync_type="cdc",
        config={"cdc_mode": "streaming", "cdc_table_mode": "both", **_pk("id")},
        # A cadence from before the 5-minute floor; PostHog keeps serving it for CDC schemas.
        frequency="1min",
        last_synced=Ago(minutes=1),
        table_rows=48_390,
        schema_metadata=USERS_METADATA,
        enabled_columns=["id", "email", "plan", "is_active", "created_at", "updated_at"],
        rows_per_sync=57,
    ),
    SchemaRow(
        id=POSTGRES_EVENTS_ID,
        team_id=DEMO_PROJECT_ID,
        source_id=POSTGRES_SOURCE_ID,
        name="events",
        created=Ago(days=20, hours=5, minutes=58),
        should_sync=True,
        status="Running",
        sync_type="append",
        config={
            "incremental_field": "id",
            "incremental_field_type": "integer",
            "incremental_field_last_value": 91_402_337,
        },
        frequency="30min",
        last_synced=Ago(minutes=31),
        table_rows=91_402_337,
        schema_metadata=EVENTS_METADATA,
        rows_per_sync=52_118,
    ),
    SchemaRow(
        id=POSTGRES_DAILY_REVENUE_ID,
        team_id=DEMO_PROJECT_ID,
        source_id=POSTGRES_SOURCE_ID,
        name="daily_revenue",
        created=Ago(days=9, hours=1),
        should_sync=False,
        status="Completed",
        sync_type="full_refresh",
        frequency="never",
        last_synced=Ago(days=6, hours=2),
        table_rows=1_460,
        # Discovered after the source was created and never refreshed: no column metadata.
        schema_metadata=None,
        description="Materialised by the analytics team; synced by hand before board meetings.",
        rows_per_sync=1_461,
    ),
    # --- Hubspot (project 1) ---
    SchemaRow(
        id=HUBSPOT_CONTACTS_ID,
        team_id=DEMO_PROJECT_ID,
        source_id=HUBSPOT_SOURCE_ID,
        name="contacts",
        created=Ago(days=12, hours=4),
        should_sync=True,
        status="Completed",
        sync_type="incremental",
        config={
            "incremental_field": "lastmodifieddate",
            "incremental_field_type": "datetime",
            "incremental_field_last_value": Ago(minutes=4, render="iso"),
            **_pk("id"),
        },
        frequency="5min",
        last_synced=Ago(minutes=4),
        table_rows=37_551,
        rows_per_sync=23,
    ),
    SchemaRow(
        id=HUBSPOT_DEALS_ID,
        team_id=DEMO_PROJECT_ID,
        source_id=HUBSPOT_SOURCE_ID,
        name="deals",
        created=Ago(days=12, hours=3, minutes=59),
        should_sync=True,
        status="Failed",
        sync_type="full_refresh",
        frequency="6hour",
        latest_error=HUBSPOT_DEALS_ERROR,
        last_synced=Ago(days=3, hours=7),
        table_rows=4_208,
        fail_with=HUBSPOT_DEALS_ERROR,
        rows_per_sync=4_230,
    ),
    # --- Isolation project (2) ---
    SchemaRow(
        id=ISOLATION_STRIPE_REFUNDS_ID,
        team_id=ISOLATION_PROJECT_ID,
        source_id=ISOLATION_STRIPE_SOURCE_ID,
        name="Refund",
        created=Ago(days=5, hours=2),
        should_sync=True,
        status="Completed",
        sync_type="full_refresh",
        frequency="24hour",
        last_synced=Ago(hours=20),
        table_rows=212,
        rows_per_sync=213,
    ),
    SchemaRow(
        id=ISOLATION_STRIPE_PAYOUTS_ID,
        team_id=ISOLATION_PROJECT_ID,
        source_id=ISOLATION_STRIPE_SOURCE_ID,
        name="Payout",
        created=Ago(days=5, hours=1, minutes=59),
        should_sync=True,
        status="Paused",
        sync_type="full_refresh",
        frequency="24hour",
        last_synced=Ago(days=4),
        table_rows=58,
        rows_per_sync=58,
    ),
    SchemaRow(
        id=ISOLATION_STRIPE_DISPUTES_ID,
        team_id=ISOLATION_PROJECT_ID,
        source_id=ISOLATION_STRIPE_SOURCE_ID,
        name="Dispute",
        created=Ago(days=5, hours=1, minutes=58),
        should_sync=True,
        status="BillingLimitTooLow",
        sync_type="append",
        config={"incremental_field": "created", "incremental_field_type": "integer"},
        frequency="7day",
        rows_per_sync=4,
    ),
    SchemaRow(
        id=ISOLATION_POSTGRES_CUSTOMERS_ID,
        team_id=ISOLATION_PROJECT_ID,
        source_id=ISOLATION_POSTGRES_SOURCE_ID,
        name="customers",
        created=Ago(days=3, hours=8),
        should_sync=True,
        status="Completed",
        sync_type="full_refresh",
        config=_pk("id"),
        frequency="12hour",
        last_synced=Ago(hours=7),
        table_rows=3_114,
        schema_metadata=CUSTOMERS_METADATA,
        rows_per_sync=3_120,
    ),
)
