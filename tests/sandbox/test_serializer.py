"""The schema representation (key order, relabelled statuses, table, source summary)."""

from __future__ import annotations

import httpx2
import pytest

from posthog_external_data_mcp.sandbox.demo import (
    DEMO_SCHEMA_IDS,
    ISOLATION_PROJECT_ID,
    ISOLATION_STRIPE_DISPUTES_ID,
    ISOLATION_STRIPE_PAYOUTS_ID,
    POSTGRES_DAILY_REVENUE_ID,
    POSTGRES_ORDERS_ID,
    POSTGRES_USERS_ID,
    STRIPE_CHARGES_ID,
    STRIPE_CUSTOMERS_ID,
    STRIPE_DISCOUNTS_ID,
)

from .conftest import schema_url

pytestmark = pytest.mark.anyio

FIELDS = [
    "id",
    "name",
    "label",
    "table",
    "should_sync",
    "last_synced_at",
    "latest_error",
    "incremental",
    "status",
    "sync_type",
    "incremental_field",
    "incremental_field_type",
    "incremental_field_lookback_seconds",
    "sync_frequency",
    "sync_time_of_day",
    "description",
    "primary_key_columns",
    "cdc_table_mode",
    "enabled_columns",
    "row_filters",
    "available_columns",
    "source_column_metadata_available",
    "source",
    "api_version",
    "api_version_deprecation",
    "user_access_level",
]


async def test_retrieve_has_every_field_in_serializer_order(client: httpx2.AsyncClient) -> None:
    for schema_id in DEMO_SCHEMA_IDS:
        body = (await client.get(schema_url(schema_id))).json()
        assert list(body) == FIELDS


async def test_retrieve_embeds_the_source_summary(client: httpx2.AsyncClient) -> None:
    orders = (await client.get(schema_url(POSTGRES_ORDERS_ID))).json()
    assert orders["source"] == {
        "id": "0193f0c1-0d00-7000-8000-000000000002",
        "source_type": "Postgres",
        "access_method": "warehouse",
        "supports_column_selection": True,
        "supports_row_filters": True,
        "requires_exact_column_metadata": True,
        "user_access_level": "editor",
        "api_version": None,
        "supported_api_versions": [],
    }
    charges = (await client.get(schema_url(STRIPE_CHARGES_ID))).json()
    assert charges["source"]["supports_column_selection"] is False
    assert charges["source"]["supports_row_filters"] is False
    assert charges["source"]["api_version"] == "2025-03-31.basil"


async def test_billing_statuses_are_relabelled(client: httpx2.AsyncClient) -> None:
    assert (await client.get(schema_url(STRIPE_CUSTOMERS_ID))).json()["status"] == "Billing limits"
    disputes = await client.get(schema_url(ISOLATION_STRIPE_DISPUTES_ID, project=ISOLATION_PROJECT_ID))
    assert disputes.json()["status"] == "Billing limits too low"
    payouts = await client.get(schema_url(ISOLATION_STRIPE_PAYOUTS_ID, project=ISOLATION_PROJECT_ID))
    assert payouts.json()["status"] == "Paused"


async def test_incremental_flag_and_cdc_table_mode_default(client: httpx2.AsyncClient) -> None:
    orders = (await client.get(schema_url(POSTGRES_ORDERS_ID))).json()
    assert (orders["incremental"], orders["cdc_table_mode"]) == (True, "consolidated")
    assert orders["incremental_field_lookback_seconds"] == 3600
    charges = (await client.get(schema_url(STRIPE_CHARGES_ID))).json()
    assert (charges["sync_type"], charges["incremental"]) == ("append", False)
    users = (await client.get(schema_url(POSTGRES_USERS_ID))).json()
    assert (users["sync_type"], users["cdc_table_mode"], users["primary_key_columns"]) == ("cdc", "both", ["id"])


async def test_never_synced_schema(client: httpx2.AsyncClient) -> None:
    discount = (await client.get(schema_url(STRIPE_DISCOUNTS_ID))).json()
    assert (discount["status"], discount["sync_type"], discount["table"], discount["last_synced_at"]) == (
        None,
        None,
        None,
        None,
    )
    assert discount["available_columns"] == []
    assert discount["sync_frequency"] == "6hour"


async def test_table_shape(client: httpx2.AsyncClient) -> None:
    table = (await client.get(schema_url(POSTGRES_ORDERS_ID))).json()["table"]
    assert list(table) == ["id", "name", "hogql_name", "columns", "row_count", "user_access_level"]
    assert (table["name"], table["hogql_name"], table["row_count"]) == (
        "prod_postgres_orders",
        "postgres.prod.orders",
        1_284_113,
    )
    assert table["columns"][0] == {
        "key": "id",
        "name": "id",
        "type": "integer",
        "schema_valid": True,
        "fields": None,
        "table": None,
        "chain": None,
    }


async def test_available_columns_from_metadata_or_table(client: httpx2.AsyncClient) -> None:
    orders = (await client.get(schema_url(POSTGRES_ORDERS_ID))).json()
    assert orders["source_column_metadata_available"] is True
    assert orders["available_columns"][3] == {
        "name": "total_amount",
        "data_type": "numeric(12,2)",
        "is_nullable": False,
    }
    view = (await client.get(schema_url(POSTGRES_DAILY_REVENUE_ID))).json()
    assert view["source_column_metadata_available"] is False
    assert view["available_columns"][0] == {"name": "day", "data_type": "Date", "is_nullable": True}


async def test_datetimes_are_utc_z(client: httpx2.AsyncClient) -> None:
    body = (await client.get(schema_url(STRIPE_CUSTOMERS_ID))).json()
    assert body["last_synced_at"].endswith("Z")
    assert body["sync_time_of_day"] == "03:00:00"
