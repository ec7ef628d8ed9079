"""Demo data: a PostHog project with Stripe, Postgres and Hubspot sources, and a second project for isolation.

Every identifier here is a fixed literal so tests and docs can refer to it. Timestamps are relative to
the moment the state is built (app start or ``POST /_sandbox/reset``).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from .models import (
    Column,
    DiscoveredTable,
    Job,
    Organization,
    PersonalApiKey,
    Schema,
    Source,
    Table,
    Team,
    User,
)
from .store import SandboxState

# --- Projects, organizations, user -------------------------------------------------------------

DEMO_PROJECT_ID = 1
"""The demo project; ``@current`` for every demo key."""
ISOLATION_PROJECT_ID = 2
"""A second project of the same organization, with other schemas; proves isolation."""
FOREIGN_PROJECT_ID = 3
"""A project of another organization the demo user is not a member of (403 "You don't have access...")."""
MISSING_PROJECT_ID = 999
"""No such project (404 "Project not found.")."""

DEMO_ORGANIZATION_ID = "0193f0c1-0a00-7000-8000-000000000001"
FOREIGN_ORGANIZATION_ID = "0193f0c1-0a00-7000-8000-000000000002"
DEMO_USER_UUID = "0193f0c1-0b00-7000-8000-000000000001"
DEMO_USER_EMAIL = "max@hedgebox.example"

# --- Personal API keys -------------------------------------------------------------------------

KEY_ALL = "phx_sandbox_all"
"""Scope ``*``, all projects."""
KEY_READ = "phx_sandbox_read"
"""Scope ``external_data_source:read``."""
KEY_WRITE = "phx_sandbox_write"
"""Scope ``external_data_source:write`` (which also satisfies ``:read``)."""
KEY_PROJECT2 = "phx_sandbox_project2"
"""Scope ``*`` but scoped to project 2 only."""
KEY_OTHER_ORG = "phx_sandbox_other_org"
"""Scope ``*`` but scoped to another organization (403 on every demo project)."""
KEY_UNRELATED_SCOPE = "phx_sandbox_insights"
"""Scope ``insight:read`` only (403 "API key missing required scope ...")."""
INVALID_KEY = "phx_sandbox_revoked"
"""Not a key the sandbox knows (401)."""

KEY_ALL_ID = "0193f0c1-0c00-7000-8000-000000000001"
KEY_READ_ID = "0193f0c1-0c00-7000-8000-000000000002"
KEY_WRITE_ID = "0193f0c1-0c00-7000-8000-000000000003"
KEY_PROJECT2_ID = "0193f0c1-0c00-7000-8000-000000000004"
KEY_OTHER_ORG_ID = "0193f0c1-0c00-7000-8000-000000000005"
KEY_UNRELATED_SCOPE_ID = "0193f0c1-0c00-7000-8000-000000000006"

# --- Sources -----------------------------------------------------------------------------------

STRIPE_SOURCE_ID = "0193f0c1-0d00-7000-8000-000000000001"
POSTGRES_SOURCE_ID = "0193f0c1-0d00-7000-8000-000000000002"
HUBSPOT_SOURCE_ID = "0193f0c1-0d00-7000-8000-000000000003"
ISOLATION_STRIPE_SOURCE_ID = "0193f0c1-0d00-7000-8000-000000000004"
ISOLATION_POSTGRES_SOURCE_ID = "0193f0c1-0d00-7000-8000-000000000005"

# --- Schemas of the demo project (1) -----------------------------------------------------------

STRIPE_CHARGES_ID = "0193f0c1-5c4e-7000-8000-000000000101"
"""Stripe ``Charge``: append on ``created``, hourly, Completed."""
STRIPE_CUSTOMERS_ID = "0193f0c1-5c4e-7000-8000-000000000102"
"""Stripe ``Customer``: full refresh, daily, ``BillingLimitReached`` (shown as "Billing limits")."""
STRIPE_INVOICES_ID = "0193f0c1-5c4e-7000-8000-000000000103"
"""Stripe ``Invoice``: full refresh, 6-hourly, Completed, deprecated API-version override."""
STRIPE_SUBSCRIPTIONS_ID = "0193f0c1-5c4e-7000-8000-000000000104"
"""Stripe ``Subscription``: webhook sync, Completed."""
STRIPE_DISCOUNTS_ID = "0193f0c1-5c4e-7000-8000-000000000105"
"""Stripe ``Discount``: webhook-only table, never synced (status null, no sync type)."""
POSTGRES_ORDERS_ID = "0193f0c1-5c4e-7000-8000-000000000201"
"""Postgres ``orders``: incremental on ``updated_at`` (timestamp), PK ``id``, every 15 min, Completed."""
POSTGRES_USERS_ID = "0193f0c1-5c4e-7000-8000-000000000202"
"""Postgres ``users``: CDC (table mode ``both``), PK ``id``, legacy 1-minute cadence, Completed."""
POSTGRES_EVENTS_ID = "0193f0c1-5c4e-7000-8000-000000000203"
"""Postgres ``events``: append on ``id`` (integer), no primary key, a sync Running at start."""
POSTGRES_DAILY_REVENUE_ID = "0193f0c1-5c4e-7000-8000-000000000204"
"""Postgres ``daily_revenue`` (a view): full refresh, frequency ``never``, disabled, no column metadata."""
HUBSPOT_CONTACTS_ID = "0193f0c1-5c4e-7000-8000-000000000301"
"""Hubspot ``contacts``: incremental on ``lastmodifieddate``, every 5 min, Completed."""
HUBSPOT_DEALS_ID = "0193f0c1-5c4e-7000-8000-000000000302"
"""Hubspot ``deals``: full refresh, 6-hourly, Failed (missing OAuth scope); every sync fails."""

# --- Schemas of the isolation project (2) ------------------------------------------------------

ISOLATION_STRIPE_REFUNDS_ID = "0193f0c1-5c4e-7000-8000-000000000401"
"""Stripe ``Refund``: full refresh, Completed."""
ISOLATION_STRIPE_PAYOUTS_ID = "0193f0c1-5c4e-7000-8000-000000000402"
"""Stripe ``Payout``: status ``Paused`` — puts project 2 over its billing limit (reload/resync gate)."""
ISOLATION_STRIPE_DISPUTES_ID = "0193f0c1-5c4e-7000-8000-000000000403"
"""Stripe ``Dispute``: ``BillingLimitTooLow`` (shown as "Billing limits too low")."""
ISOLATION_POSTGRES_CUSTOMERS_ID = "0193f0c1-5c4e-7000-8000-000000000404"
"""Postgres ``customers``: full refresh, PK ``id``; project 2 has no CDC feature flag."""

DEMO_SCHEMA_IDS = (
    STRIPE_CHARGES_ID,
    STRIPE_CUSTOMERS_ID,
    STRIPE_INVOICES_ID,
    STRIPE_SUBSCRIPTIONS_ID,
    STRIPE_DISCOUNTS_ID,
    POSTGRES_ORDERS_ID,
    POSTGRES_USERS_ID,
    POSTGRES_EVENTS_ID,
    POSTGRES_DAILY_REVENUE_ID,
    HUBSPOT_CONTACTS_ID,
    HUBSPOT_DEALS_ID,
)
ISOLATION_SCHEMA_IDS = (
    ISOLATION_STRIPE_REFUNDS_ID,
    ISOLATION_STRIPE_PAYOUTS_ID,
    ISOLATION_STRIPE_DISPUTES_ID,
    ISOLATION_POSTGRES_CUSTOMERS_ID,
)

HUBSPOT_DEALS_ERROR = (
    "403 Client Error: Forbidden for url: https://api.hubapi.com/crm/v3/objects/deals?limit=100&archived=false"
    " - This app hasn't been granted all required scopes to make this call."
    " Read more about required scopes here: https://developers.hubspot.com/scopes."
)
"""``latest_error`` of the failing Hubspot ``deals`` schema (and of every sync it runs)."""

_CLICKHOUSE_TYPES = {
    "integer": "Int64",
    "float": "Float64",
    "decimal": "Decimal(38, 9)",
    "string": "String",
    "datetime": "DateTime64(6, 'UTC')",
    "date": "Date",
    "boolean": "Bool",
    "json": "String",
}


def _columns(spec: str) -> list[Column]:
    """``"id:integer! email:string ..."`` -> columns (``!`` = not nullable)."""
    columns: list[Column] = []
    for item in spec.split():
        name, hogql_type = item.split(":")
        nullable = not hogql_type.endswith("!")
        hogql_type = hogql_type.rstrip("!")
        base = _CLICKHOUSE_TYPES[hogql_type]
        columns.append(Column(name, hogql_type, f"Nullable({base})" if nullable else base, nullable))
    return columns


def _pg_metadata(spec: str) -> dict[str, Any]:
    """``"id:bigint! email:text"`` -> Postgres ``schema_metadata`` (data types may contain ``_`` for spaces)."""
    columns: list[dict[str, Any]] = []
    for item in spec.split():
        name, data_type = item.split(":")
        columns.append(
            {
                "name": name,
                "data_type": data_type.rstrip("!").replace("_", " "),
                "is_nullable": not data_type.endswith("!"),
            }
        )
    return {"columns": columns}


def _pg_discovered_columns(metadata: dict[str, Any]) -> list[tuple[str, str, bool]]:
    simple = {
        "bigint": "integer",
        "integer": "integer",
        "numeric": "numeric",
        "date": "date",
        "boolean": "boolean",
        "jsonb": "json",
        "timestamp with time zone": "timestamp",
    }
    return [
        (column["name"], simple.get(column["data_type"].split("(")[0], "string"), column["is_nullable"])
        for column in metadata["columns"]
    ]


def _field(name: str, field_type: str, *, nullable: bool | None = None, indexed: bool | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"label": name, "type": field_type, "field": name, "field_type": field_type}
    if nullable is not None:
        entry["nullable"] = nullable
    if indexed is not None:
        entry["is_indexed"] = indexed
    return entry


# Postgres advertises a synthetic xmin field on every ordinary PG13+ table (unindexed by definition).
_XMIN_FIELD = {"label": "xmin", "type": "xid", "field": "xmin", "field_type": "xid", "is_indexed": False}
_STRIPE_CREATED_FIELD = {"label": "created_at", "type": "datetime", "field": "created", "field_type": "integer"}

_ORDERS_METADATA = _pg_metadata(
    "id:bigint! customer_id:bigint! status:character_varying(32)! total_amount:numeric(12,2)! currency:character(3)!"
    " created_at:timestamp_with_time_zone! updated_at:timestamp_with_time_zone! shipped_at:timestamp_with_time_zone"
)
_USERS_METADATA = _pg_metadata(
    "id:bigint! email:text! name:text plan:character_varying(16)! is_active:boolean!"
    " created_at:timestamp_with_time_zone! updated_at:timestamp_with_time_zone! last_login_at:timestamp_with_time_zone"
)
_EVENTS_METADATA = _pg_metadata(
    "id:bigint! user_id:bigint event_name:text! properties:jsonb occurred_at:timestamp_with_time_zone!"
)
_DAILY_REVENUE_METADATA = _pg_metadata("day:date orders_count:bigint revenue:numeric")
_CUSTOMERS_METADATA = _pg_metadata(
    "id:bigint! email:text! company:text country:character(2) created_at:timestamp_with_time_zone!"
)


def _stripe_discovery(names: list[str]) -> dict[str, DiscoveredTable]:
    discovery = {
        name: DiscoveredTable(
            name=name,
            columns=[],
            incremental_fields=[dict(_STRIPE_CREATED_FIELD)],
            supports_append=True,
            supports_webhooks=True,
        )
        for name in names
    }
    # Discount has no list endpoint at Stripe: webhooks are its only way in.
    discovery["Discount"] = DiscoveredTable(name="Discount", columns=[], supports_webhooks=True, webhook_only=True)
    return discovery


def _postgres_discovery() -> dict[str, DiscoveredTable]:
    return {
        "orders": DiscoveredTable(
            name="orders",
            columns=_pg_discovered_columns(_ORDERS_METADATA),
            incremental_fields=[
                _field("id", "integer", nullable=False, indexed=True),
                _field("created_at", "timestamp", nullable=False, indexed=True),
                _field("updated_at", "timestamp", nullable=False, indexed=True),
                dict(_XMIN_FIELD),
            ],
            supports_incremental=True,
            supports_append=True,
            supports_cdc=True,
            supports_xmin=True,
            detected_primary_keys=["id"],
        ),
        "users": DiscoveredTable(
            name="users",
            columns=_pg_discovered_columns(_USERS_METADATA),
            incremental_fields=[
                _field("id", "integer", nullable=False, indexed=True),
                _field("updated_at", "timestamp", nullable=False, indexed=False),
                dict(_XMIN_FIELD),
            ],
            supports_incremental=True,
            supports_append=True,
            supports_cdc=True,
            supports_xmin=True,
            detected_primary_keys=["id"],
        ),
        "events": DiscoveredTable(
            name="events",
            columns=_pg_discovered_columns(_EVENTS_METADATA),
            incremental_fields=[
                _field("id", "integer", nullable=False, indexed=False),
                _field("occurred_at", "timestamp", nullable=False, indexed=False),
                dict(_XMIN_FIELD),
            ],
            supports_incremental=True,
            supports_append=True,
            # No primary key, so logical replication cannot identify rows.
            supports_cdc=False,
            supports_xmin=True,
            detected_primary_keys=None,
        ),
        "daily_revenue": DiscoveredTable(
            name="daily_revenue",
            columns=_pg_discovered_columns(_DAILY_REVENUE_METADATA),
            incremental_fields=[_field("day", "date", nullable=True, indexed=False)],
            supports_incremental=True,
            supports_append=True,
            # A plain view: no physical xmin and nothing to replicate.
            supports_cdc=False,
            supports_xmin=False,
            detected_primary_keys=None,
        ),
    }


def _isolation_postgres_discovery() -> dict[str, DiscoveredTable]:
    return {
        "customers": DiscoveredTable(
            name="customers",
            columns=_pg_discovered_columns(_CUSTOMERS_METADATA),
            incremental_fields=[
                _field("id", "integer", nullable=False, indexed=True),
                _field("created_at", "timestamp", nullable=False, indexed=False),
                dict(_XMIN_FIELD),
            ],
            supports_incremental=True,
            supports_append=True,
            supports_cdc=True,
            supports_xmin=True,
            detected_primary_keys=["id"],
        )
    }


def _hubspot_discovery() -> dict[str, DiscoveredTable]:
    return {
        "contacts": DiscoveredTable(
            name="contacts",
            columns=[],
            incremental_fields=[_field("lastmodifieddate", "datetime")],
            supports_incremental=True,
            supports_append=True,
            detected_primary_keys=["id"],
        ),
        "deals": DiscoveredTable(name="deals", columns=[], discovery_error=HUBSPOT_DEALS_ERROR),
    }


_TABLE_IDS = {
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

TABLE_COLUMN_SPECS: dict[tuple[str, str], str] = {
    ("Stripe", "Charge"): "id:string! object:string amount:integer amount_captured:integer amount_refunded:integer"
    " currency:string customer:string description:string paid:boolean refunded:boolean status:string"
    " created:datetime metadata:json",
    ("Stripe", "Customer"): "id:string! object:string email:string name:string currency:string delinquent:boolean"
    " balance:integer created:datetime metadata:json",
    ("Stripe", "Invoice"): "id:string! object:string customer:string subscription:string status:string"
    " amount_due:integer amount_paid:integer currency:string period_start:datetime period_end:datetime"
    " created:datetime",
    ("Stripe", "Subscription"): "id:string! object:string customer:string status:string cancel_at_period_end:boolean"
    " current_period_start:datetime current_period_end:datetime items:json created:datetime",
    ("Stripe", "Discount"): "id:string! object:string coupon:json customer:string subscription:string start:datetime"
    " end:datetime",
    ("Stripe", "Refund"): "id:string! object:string amount:integer charge:string currency:string reason:string"
    " status:string created:datetime",
    ("Stripe", "Payout"): "id:string! object:string amount:integer arrival_date:datetime currency:string method:string"
    " status:string created:datetime",
    ("Stripe", "Dispute"): "id:string! object:string amount:integer charge:string currency:string reason:string"
    " status:string created:datetime",
    ("Postgres", "orders"): "id:integer! customer_id:integer! status:string! total_amount:decimal! currency:string!"
    " created_at:datetime! updated_at:datetime! shipped_at:datetime",
    ("Postgres", "users"): "id:integer! email:string! name:string plan:string! is_active:boolean! created_at:datetime!"
    " updated_at:datetime! last_login_at:datetime",
    ("Postgres", "events"): "id:integer! user_id:integer event_name:string! properties:json occurred_at:datetime!",
    ("Postgres", "daily_revenue"): "day:date orders_count:integer revenue:decimal",
    ("Postgres", "customers"): "id:integer! email:string! company:string country:string created_at:datetime!",
    ("Hubspot", "contacts"): "id:string! email:string firstname:string lastname:string lifecyclestage:string"
    " createdate:datetime lastmodifieddate:datetime",
    (
        "Hubspot",
        "deals",
    ): "id:string! dealname:string dealstage:string amount:decimal pipeline:string closedate:datetime"
    " createdate:datetime hs_lastmodifieddate:datetime",
}


def table_names(source_type: str, prefix: str | None, schema_name: str) -> tuple[str, str]:
    """(warehouse table name, dotted HogQL name) the way PostHog names a synced table."""
    lowered = schema_name.lower()
    flat = f"{prefix or ''}{source_type.lower()}_{lowered}"
    dotted = f"{source_type.lower()}.{prefix.rstrip('_') + '.' if prefix else ''}{lowered}"
    return flat, dotted


def build_table(source: Source, schema_name: str, table_id: str, row_count: int) -> Table:
    name, hogql_name = table_names(source.source_type, source.prefix, schema_name)
    spec = TABLE_COLUMN_SPECS.get((source.source_type, schema_name), "id:string!")
    return Table(id=table_id, name=name, hogql_name=hogql_name, columns=_columns(spec), row_count=row_count)


def build_demo_state(now: datetime, sync_seconds: float = 2.0) -> SandboxState:
    """A fresh copy of the demo data, with times relative to ``now``; the running sync lasts ``sync_seconds``."""

    def ago(**delta: float) -> datetime:
        return now - timedelta(**delta)

    organizations = {
        DEMO_ORGANIZATION_ID: Organization(DEMO_ORGANIZATION_ID, "Hedgebox Inc."),
        FOREIGN_ORGANIZATION_ID: Organization(FOREIGN_ORGANIZATION_ID, "Someone Else Ltd."),
    }
    teams = {
        DEMO_PROJECT_ID: Team(DEMO_PROJECT_ID, "Hedgebox (demo)", DEMO_ORGANIZATION_ID, cdc_enabled=True),
        ISOLATION_PROJECT_ID: Team(ISOLATION_PROJECT_ID, "Hedgebox staging", DEMO_ORGANIZATION_ID, cdc_enabled=False),
        FOREIGN_PROJECT_ID: Team(
            FOREIGN_PROJECT_ID, "Someone Else's project", FOREIGN_ORGANIZATION_ID, cdc_enabled=True
        ),
    }
    user = User(
        uuid=DEMO_USER_UUID,
        email=DEMO_USER_EMAIL,
        first_name="Max",
        current_team_id=DEMO_PROJECT_ID,
        team_ids=[DEMO_PROJECT_ID, ISOLATION_PROJECT_ID],
    )
    key_created = ago(days=30)
    keys = {
        key.value: key
        for key in (
            PersonalApiKey(KEY_ALL_ID, "Sandbox all access", KEY_ALL, ["*"], None, None, key_created),
            PersonalApiKey(
                KEY_READ_ID, "Sandbox read only", KEY_READ, ["external_data_source:read"], None, None, key_created
            ),
            PersonalApiKey(
                KEY_WRITE_ID, "Sandbox write", KEY_WRITE, ["external_data_source:write"], None, None, key_created
            ),
            PersonalApiKey(
                KEY_PROJECT2_ID,
                "Sandbox project 2 only",
                KEY_PROJECT2,
                ["*"],
                [ISOLATION_PROJECT_ID],
                None,
                key_created,
            ),
            PersonalApiKey(
                KEY_OTHER_ORG_ID,
                "Sandbox other organization",
                KEY_OTHER_ORG,
                ["*"],
                None,
                [FOREIGN_ORGANIZATION_ID],
                key_created,
            ),
            PersonalApiKey(
                KEY_UNRELATED_SCOPE_ID,
                "Sandbox insights only",
                KEY_UNRELATED_SCOPE,
                ["insight:read"],
                None,
                None,
                key_created,
            ),
        )
    }

    stripe = Source(
        id=STRIPE_SOURCE_ID,
        team_id=DEMO_PROJECT_ID,
        source_type="Stripe",
        prefix=None,
        job_inputs={"auth_method": {"selection": "api_key", "stripe_secret_key": "rk_live_••••••••4242"}},
        api_version="2025-03-31.basil",
        discovery=_stripe_discovery(["Charge", "Customer", "Invoice", "Subscription"]),
        webhook_created=True,
    )
    postgres = Source(
        id=POSTGRES_SOURCE_ID,
        team_id=DEMO_PROJECT_ID,
        source_type="Postgres",
        prefix="prod_",
        job_inputs={
            "host": "db.hedgebox.internal",
            "port": 5432,
            "database": "shop",
            "user": "posthog_reader",
            "password": "••••••••",
            "schema": "public",
            "ssh_tunnel_enabled": False,
            "cdc_enabled": True,
        },
        cdc_enabled=True,
        discovery=_postgres_discovery(),
    )
    hubspot = Source(
        id=HUBSPOT_SOURCE_ID,
        team_id=DEMO_PROJECT_ID,
        source_type="Hubspot",
        prefix=None,
        job_inputs={"hubspot_integration_id": 7},
        discovery=_hubspot_discovery(),
    )
    isolation_stripe = Source(
        id=ISOLATION_STRIPE_SOURCE_ID,
        team_id=ISOLATION_PROJECT_ID,
        source_type="Stripe",
        prefix="test_",
        job_inputs={"auth_method": {"selection": "api_key", "stripe_secret_key": "rk_test_••••••••0000"}},
        discovery=_stripe_discovery(["Refund", "Payout", "Dispute"]),
    )
    isolation_postgres = Source(
        id=ISOLATION_POSTGRES_SOURCE_ID,
        team_id=ISOLATION_PROJECT_ID,
        source_type="Postgres",
        prefix="staging_",
        job_inputs={
            "host": "staging-db.hedgebox.internal",
            "port": 5432,
            "database": "shop_staging",
            "user": "posthog_reader",
            "password": "••••••••",
            "schema": "public",
            "ssh_tunnel_enabled": False,
            "cdc_enabled": True,
        },
        cdc_enabled=True,
        discovery=_isolation_postgres_discovery(),
    )
    sources = {s.id: s for s in (stripe, postgres, hubspot, isolation_stripe, isolation_postgres)}

    def table(schema_id: str, source: Source, name: str, rows: int) -> Table:
        return build_table(source, name, _TABLE_IDS[schema_id], rows)

    def pk(*columns: str) -> dict[str, Any]:
        return {"primary_key_columns": list(columns)}

    schemas_list = [
        # --- Stripe (project 1) ---
        Schema(
            id=STRIPE_CHARGES_ID,
            team_id=DEMO_PROJECT_ID,
            source_id=STRIPE_SOURCE_ID,
            name="Charge",
            created_at=ago(days=41, hours=3),
            should_sync=True,
            status="Completed",
            sync_type="append",
            sync_type_config={
                "incremental_field": "created",
                "incremental_field_type": "integer",
                "incremental_field_last_value": int(ago(minutes=38).timestamp()),
            },
            sync_frequency_interval=3600,
            last_synced_at=ago(minutes=38),
            table=table(STRIPE_CHARGES_ID, stripe, "Charge", 184_230),
            initial_sync_complete=True,
            rows_per_sync=312,
        ),
        Schema(
            id=STRIPE_CUSTOMERS_ID,
            team_id=DEMO_PROJECT_ID,
            source_id=STRIPE_SOURCE_ID,
            name="Customer",
            created_at=ago(days=41, hours=2, minutes=59),
            should_sync=True,
            status="BillingLimitReached",
            sync_type="full_refresh",
            sync_type_config={},
            sync_frequency_interval=86400,
            sync_time_of_day=time(3, 0, 0),
            last_synced_at=ago(days=2, hours=9),
            table=table(STRIPE_CUSTOMERS_ID, stripe, "Customer", 23_876),
            initial_sync_complete=True,
            rows_per_sync=23_901,
        ),
        Schema(
            id=STRIPE_INVOICES_ID,
            team_id=DEMO_PROJECT_ID,
            source_id=STRIPE_SOURCE_ID,
            name="Invoice",
            created_at=ago(days=41, hours=2, minutes=58),
            should_sync=True,
            status="Completed",
            sync_type="full_refresh",
            sync_type_config={},
            sync_frequency_interval=6 * 3600,
            last_synced_at=ago(hours=4, minutes=12),
            table=table(STRIPE_INVOICES_ID, stripe, "Invoice", 61_402),
            api_version="2024-09-30.acacia",
            description="Invoices incl. drafts; pinned to the old API version until the finance dashboards migrate.",
            initial_sync_complete=True,
            rows_per_sync=61_455,
        ),
        Schema(
            id=STRIPE_SUBSCRIPTIONS_ID,
            team_id=DEMO_PROJECT_ID,
            source_id=STRIPE_SOURCE_ID,
            name="Subscription",
            created_at=ago(days=41, hours=2, minutes=57),
            should_sync=True,
            status="Completed",
            sync_type="webhook",
            sync_type_config={"incremental_field": "created", "incremental_field_type": "integer"},
            sync_frequency_interval=12 * 3600,
            last_synced_at=ago(minutes=3),
            table=table(STRIPE_SUBSCRIPTIONS_ID, stripe, "Subscription", 9_117),
            initial_sync_complete=True,
            rows_per_sync=14,
        ),
        Schema(
            id=STRIPE_DISCOUNTS_ID,
            team_id=DEMO_PROJECT_ID,
            source_id=STRIPE_SOURCE_ID,
            name="Discount",
            created_at=ago(days=41, hours=2, minutes=56),
            should_sync=False,
            status=None,
            sync_type=None,
            sync_type_config={},
            sync_frequency_interval=6 * 3600,
            rows_per_sync=840,
        ),
        # --- Postgres (project 1) ---
        Schema(
            id=POSTGRES_ORDERS_ID,
            team_id=DEMO_PROJECT_ID,
            source_id=POSTGRES_SOURCE_ID,
            name="orders",
            created_at=ago(days=20, hours=6),
            should_sync=True,
            status="Completed",
            sync_type="incremental",
            sync_type_config={
                "incremental_field": "updated_at",
                "incremental_field_type": "timestamp",
                "incremental_field_last_value": (ago(minutes=9)).isoformat(),
                "incremental_field_lookback_seconds": 3600,
                **pk("id"),
            },
            sync_frequency_interval=15 * 60,
            last_synced_at=ago(minutes=9),
            table=table(POSTGRES_ORDERS_ID, postgres, "orders", 1_284_113),
            schema_metadata=_ORDERS_METADATA,
            row_filters=[{"column": "status", "operator": "!=", "value": "test"}],
            initial_sync_complete=True,
            rows_per_sync=1_870,
        ),
        Schema(
            id=POSTGRES_USERS_ID,
            team_id=DEMO_PROJECT_ID,
            source_id=POSTGRES_SOURCE_ID,
            name="users",
            created_at=ago(days=20, hours=5, minutes=59),
            should_sync=True,
            status="Completed",
            sync_type="cdc",
            sync_type_config={"cdc_mode": "streaming", "cdc_table_mode": "both", **pk("id")},
            # A cadence from before the 5-minute floor; PostHog keeps serving it for CDC schemas.
            sync_frequency_interval=60,
            last_synced_at=ago(minutes=1),
            table=table(POSTGRES_USERS_ID, postgres, "users", 48_390),
            schema_metadata=_USERS_METADATA,
            enabled_columns=["id", "email", "plan", "is_active", "created_at", "updated_at"],
            initial_sync_complete=True,
            rows_per_sync=57,
        ),
        Schema(
            id=POSTGRES_EVENTS_ID,
            team_id=DEMO_PROJECT_ID,
            source_id=POSTGRES_SOURCE_ID,
            name="events",
            created_at=ago(days=20, hours=5, minutes=58),
            should_sync=True,
            status="Running",
            sync_type="append",
            sync_type_config={
                "incremental_field": "id",
                "incremental_field_type": "integer",
                "incremental_field_last_value": 91_402_337,
            },
            sync_frequency_interval=30 * 60,
            last_synced_at=ago(minutes=31),
            table=table(POSTGRES_EVENTS_ID, postgres, "events", 91_402_337),
            schema_metadata=_EVENTS_METADATA,
            initial_sync_complete=True,
            rows_per_sync=52_118,
        ),
        Schema(
            id=POSTGRES_DAILY_REVENUE_ID,
            team_id=DEMO_PROJECT_ID,
            source_id=POSTGRES_SOURCE_ID,
            name="daily_revenue",
            created_at=ago(days=9, hours=1),
            should_sync=False,
            status="Completed",
            sync_type="full_refresh",
            sync_type_config={},
            sync_frequency_interval=None,
            last_synced_at=ago(days=6, hours=2),
            table=table(POSTGRES_DAILY_REVENUE_ID, postgres, "daily_revenue", 1_460),
            # Discovered after the source was created and never refreshed: no column metadata.
            schema_metadata=None,
            description="Materialised by the analytics team; synced by hand before board meetings.",
            initial_sync_complete=True,
            rows_per_sync=1_461,
        ),
        # --- Hubspot (project 1) ---
        Schema(
            id=HUBSPOT_CONTACTS_ID,
            team_id=DEMO_PROJECT_ID,
            source_id=HUBSPOT_SOURCE_ID,
            name="contacts",
            created_at=ago(days=12, hours=4),
            should_sync=True,
            status="Completed",
            sync_type="incremental",
            sync_type_config={
                "incremental_field": "lastmodifieddate",
                "incremental_field_type": "datetime",
                "incremental_field_last_value": ago(minutes=4).isoformat(),
                **pk("id"),
            },
            sync_frequency_interval=5 * 60,
            last_synced_at=ago(minutes=4),
            table=table(HUBSPOT_CONTACTS_ID, hubspot, "contacts", 37_551),
            initial_sync_complete=True,
            rows_per_sync=23,
        ),
        Schema(
            id=HUBSPOT_DEALS_ID,
            team_id=DEMO_PROJECT_ID,
            source_id=HUBSPOT_SOURCE_ID,
            name="deals",
            created_at=ago(days=12, hours=3, minutes=59),
            should_sync=True,
            status="Failed",
            sync_type="full_refresh",
            sync_type_config={},
            sync_frequency_interval=6 * 3600,
            latest_error=HUBSPOT_DEALS_ERROR,
            last_synced_at=ago(days=3, hours=7),
            table=table(HUBSPOT_DEALS_ID, hubspot, "deals", 4_208),
            initial_sync_complete=True,
            fail_with=HUBSPOT_DEALS_ERROR,
            rows_per_sync=4_230,
        ),
        # --- Isolation project (2) ---
        Schema(
            id=ISOLATION_STRIPE_REFUNDS_ID,
            team_id=ISOLATION_PROJECT_ID,
            source_id=ISOLATION_STRIPE_SOURCE_ID,
            name="Refund",
            created_at=ago(days=5, hours=2),
            should_sync=True,
            status="Completed",
            sync_type="full_refresh",
            sync_type_config={},
            sync_frequency_interval=24 * 3600,
            last_synced_at=ago(hours=20),
            table=table(ISOLATION_STRIPE_REFUNDS_ID, isolation_stripe, "Refund", 212),
            initial_sync_complete=True,
            rows_per_sync=213,
        ),
        Schema(
            id=ISOLATION_STRIPE_PAYOUTS_ID,
            team_id=ISOLATION_PROJECT_ID,
            source_id=ISOLATION_STRIPE_SOURCE_ID,
            name="Payout",
            created_at=ago(days=5, hours=1, minutes=59),
            should_sync=True,
            status="Paused",
            sync_type="full_refresh",
            sync_type_config={},
            sync_frequency_interval=24 * 3600,
            last_synced_at=ago(days=4),
            table=table(ISOLATION_STRIPE_PAYOUTS_ID, isolation_stripe, "Payout", 58),
            initial_sync_complete=True,
            rows_per_sync=58,
        ),
        Schema(
            id=ISOLATION_STRIPE_DISPUTES_ID,
            team_id=ISOLATION_PROJECT_ID,
            source_id=ISOLATION_STRIPE_SOURCE_ID,
            name="Dispute",
            created_at=ago(days=5, hours=1, minutes=58),
            should_sync=True,
            status="BillingLimitTooLow",
            sync_type="append",
            sync_type_config={"incremental_field": "created", "incremental_field_type": "integer"},
            sync_frequency_interval=7 * 86400,
            rows_per_sync=4,
        ),
        Schema(
            id=ISOLATION_POSTGRES_CUSTOMERS_ID,
            team_id=ISOLATION_PROJECT_ID,
            source_id=ISOLATION_POSTGRES_SOURCE_ID,
            name="customers",
            created_at=ago(days=3, hours=8),
            should_sync=True,
            status="Completed",
            sync_type="full_refresh",
            sync_type_config=pk("id"),
            sync_frequency_interval=12 * 3600,
            last_synced_at=ago(hours=7),
            table=table(ISOLATION_POSTGRES_CUSTOMERS_ID, isolation_postgres, "customers", 3_114),
            schema_metadata=_CUSTOMERS_METADATA,
            initial_sync_complete=True,
            rows_per_sync=3_120,
        ),
    ]
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
        organizations=organizations,
        teams=teams,
        user=user,
        keys=keys,
        sources=sources,
        schemas=schemas,
        jobs=jobs,
    )


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
