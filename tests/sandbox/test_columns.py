"""PostHog's user-facing column rules for ``available_columns`` without source metadata, and ``clean_type``."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from posthog_external_data_mcp.sandbox.columns import clean_type
from posthog_external_data_mcp.sandbox.demo import (
    HUBSPOT_CONTACTS_ID,
    POSTGRES_DAILY_REVENUE_ID,
    POSTGRES_ORDERS_ID,
    STRIPE_CHARGES_ID,
    STRIPE_INVOICES_ID,
)

from .conftest import schema_url

pytestmark = pytest.mark.anyio

PLUMBING = {"_dlt_id", "_dlt_load_id", "_ph_debug", "_ph_partition_key"}


async def columns(client: httpx2.AsyncClient, schema_id: str) -> dict[str, dict[str, Any]]:
    body = (await client.get(schema_url(schema_id))).json()
    return {column["name"]: column for column in body["available_columns"]}


@pytest.mark.parametrize(
    ("clickhouse", "clean"),
    [
        ("String", "String"),
        ("Nullable(Int64)", "Int64"),
        ("LowCardinality(Nullable(String))", "String"),
        ("LowCardinality(String)", "String"),
        ("Nullable(DateTime64(6, 'UTC'))", "DateTime64"),
        ("Decimal(38, 9)", "Decimal"),
        ("Array(Nullable(String))", "Array"),
    ],
)
def test_clean_type_drops_wrappers_and_parameters(clickhouse: str, clean: str) -> None:
    assert clean_type(clickhouse) == clean


async def test_curated_stripe_columns_carry_their_hogql_names(client: httpx2.AsyncClient) -> None:
    charge = await columns(client, STRIPE_CHARGES_ID)
    assert {"created_at", "customer_id", "invoice_id"} <= set(charge)
    assert not {"created", "customer", "invoice"} & set(charge)
    assert charge["created_at"] == {"name": "created_at", "data_type": "Int64", "is_nullable": True}
    assert charge["id"] == {"name": "id", "data_type": "String", "is_nullable": False}
    invoice = await columns(client, STRIPE_INVOICES_ID)
    assert {"period_start_at", "period_end_at", "subscription_id", "customer_id"} <= set(invoice)


async def test_types_are_cleaned_and_nullability_comes_from_the_type(client: httpx2.AsyncClient) -> None:
    contacts = await columns(client, HUBSPOT_CONTACTS_ID)
    # LowCardinality(Nullable(String)): nullable, plain String.
    assert contacts["lifecyclestage"] == {"name": "lifecyclestage", "data_type": "String", "is_nullable": True}
    assert contacts["createdate"]["data_type"] == "DateTime64"
    revenue = await columns(client, POSTGRES_DAILY_REVENUE_ID)
    assert revenue["revenue"] == {"name": "revenue", "data_type": "Decimal", "is_nullable": True}
    assert all("(" not in column["data_type"] for column in revenue.values())


async def test_plumbing_columns_are_hidden(client: httpx2.AsyncClient) -> None:
    for schema_id in (STRIPE_CHARGES_ID, HUBSPOT_CONTACTS_ID, POSTGRES_DAILY_REVENUE_ID, POSTGRES_ORDERS_ID):
        body = (await client.get(schema_url(schema_id))).json()
        assert not PLUMBING & {column["name"] for column in body["available_columns"]}
        assert not PLUMBING & {column["name"] for column in body["table"]["columns"]}


async def test_source_metadata_wins_when_present(client: httpx2.AsyncClient) -> None:
    orders = await columns(client, POSTGRES_ORDERS_ID)
    assert orders["total_amount"] == {"name": "total_amount", "data_type": "numeric(12,2)", "is_nullable": False}
