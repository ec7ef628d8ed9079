"""``external_data_sources/`` list and retrieve, as PostHog serves them (source_setup.py's serializer)."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from posthog_external_data_mcp.sandbox import ManualClock
from posthog_external_data_mcp.sandbox.demo import (
    HUBSPOT_COMPANIES_ID,
    HUBSPOT_SOURCE_ID,
    HUBSPOT_TRANSIENT_ERROR,
    INJECTION_SOURCE_ID,
    ISOLATION_POSTGRES_SOURCE_ID,
    ISOLATION_STRIPE_SOURCE_ID,
    KEY_READ,
    KEY_UNRELATED_SCOPE,
    POSTGRES_ORDERS_ID,
    POSTGRES_SOURCE_ID,
    STRIPE_EU_SOURCE_ID,
    STRIPE_EXPIRED_KEY_LATEST_ERROR,
    STRIPE_SOURCE_ID,
)
from posthog_external_data_mcp.sandbox.store import SandboxState

from .conftest import BASE_URL, bearer, envelope

pytestmark = pytest.mark.anyio

SOURCE_FIELDS = [
    "id",
    "created_at",
    "created_by",
    "created_via",
    "status",
    "source_type",
    "latest_error",
    "prefix",
    "description",
    "access_method",
    "direct_query_enabled",
    "auto_sync_new_schemas",
    "auto_sync_schema_patterns",
    "engine",
    "last_run_at",
    "schemas",
    "job_inputs",
    "revenue_analytics_config",
    "user_access_level",
    "supports_webhooks",
    "supports_column_selection",
    "api_version",
    "api_version_deprecation",
]
LIST_SCHEMA_FIELDS = [
    "id",
    "name",
    "label",
    "should_sync",
    "status",
    "sync_type",
    "last_synced_at",
    "latest_error",
    "table",
]
NOT_FOUND = envelope("invalid_request", "not_found", "Not found.")


def sources_url(project: int | str = 1, family: str = "projects") -> str:
    return f"/api/{family}/{project}/external_data_sources/"


async def listing(client: httpx2.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get(sources_url(), params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def source(client: httpx2.AsyncClient, source_id: str) -> dict[str, Any]:
    response = await client.get(f"{sources_url()}{source_id}/")
    assert response.status_code == 200, response.text
    return response.json()


async def test_list_is_paginated_newest_first_with_the_fields_in_order(client: httpx2.AsyncClient) -> None:
    body = await listing(client)
    assert (body["count"], body["next"], body["previous"]) == (4, None, None)
    # Newest first (-created_at): HubSpot (12 days), Postgres (20), EU Stripe (30), Stripe (41).
    assert [item["id"] for item in body["results"]] == [
        HUBSPOT_SOURCE_ID,
        POSTGRES_SOURCE_ID,
        STRIPE_EU_SOURCE_ID,
        STRIPE_SOURCE_ID,
    ]
    assert all(list(item) == SOURCE_FIELDS for item in body["results"])
    page = await listing(client, limit=1)
    assert (len(page["results"]), page["next"]) == (1, f"{BASE_URL}{sources_url()}?limit=1&offset=1")


async def test_both_route_families_and_slash_optional(client: httpx2.AsyncClient) -> None:
    projects = await listing(client)
    environments = (await client.get(sources_url(family="environments"))).json()
    assert [item["id"] for item in environments["results"]] == [item["id"] for item in projects["results"]]
    assert (await client.get(sources_url().rstrip("/"))).status_code == 200
    assert (await client.get(f"/api/environments/1/external_data_sources/{STRIPE_SOURCE_ID}")).status_code == 200


async def test_read_scope_and_project_isolation(client: httpx2.AsyncClient) -> None:
    assert (await client.get(sources_url(), headers=bearer(KEY_READ))).status_code == 200
    refused = await client.get(sources_url(), headers=bearer(KEY_UNRELATED_SCOPE))
    assert (refused.status_code, refused.json()) == (
        403,
        envelope(
            "authentication_error", "permission_denied", "API key missing required scope 'external_data_source:read'"
        ),
    )
    project2 = (await client.get(sources_url(project=2))).json()
    assert {item["id"] for item in project2["results"]} == {
        ISOLATION_STRIPE_SOURCE_ID,
        ISOLATION_POSTGRES_SOURCE_ID,
        INJECTION_SOURCE_ID,
    }
    foreign = await client.get(f"{sources_url()}{ISOLATION_STRIPE_SOURCE_ID}/")
    assert (foreign.status_code, foreign.json()) == (404, NOT_FOUND)


async def test_unknown_and_malformed_ids_are_404(client: httpx2.AsyncClient) -> None:
    for source_id in ("0193f0c1-0d00-7000-8000-999999999999", "not-a-uuid"):
        response = await client.get(f"{sources_url()}{source_id}/")
        assert (response.status_code, response.json()) == (404, NOT_FOUND)


async def test_search_covers_source_type_and_prefix_only(client: httpx2.AsyncClient) -> None:
    stripe = await listing(client, search="STRIPE")
    assert {item["id"] for item in stripe["results"]} == {STRIPE_SOURCE_ID, STRIPE_EU_SOURCE_ID}
    prod = await listing(client, search="prod")
    assert [item["id"] for item in prod["results"]] == [POSTGRES_SOURCE_ID]
    assert (await listing(client, search="stripe eu_"))["count"] == 1
    assert (await listing(client, search=POSTGRES_SOURCE_ID[:13]))["count"] == 0


async def test_list_embeds_trimmed_schemas_by_name(client: httpx2.AsyncClient) -> None:
    postgres = next(item for item in (await listing(client))["results"] if item["id"] == POSTGRES_SOURCE_ID)
    names = [schema["name"] for schema in postgres["schemas"]]
    assert names == sorted(names) and "orders" in names and "invoices" in names
    orders = next(schema for schema in postgres["schemas"] if schema["id"] == POSTGRES_ORDERS_ID)
    assert list(orders) == LIST_SCHEMA_FIELDS
    assert orders["table"] == {
        "id": "0193f0c1-7ab1-7000-8000-000000000201",
        "name": "prod_postgres_orders",
        "row_count": 1_284_113,
    }
    discount = next(
        schema for schema in (await source(client, STRIPE_SOURCE_ID))["schemas"] if schema["name"] == "Discount"
    )
    assert discount["table"] is None and discount["sync_type"] is None


async def test_retrieve_embeds_full_schemas_with_columns_and_no_source(client: httpx2.AsyncClient) -> None:
    body = await source(client, POSTGRES_SOURCE_ID)
    assert list(body) == SOURCE_FIELDS
    orders = next(schema for schema in body["schemas"] if schema["id"] == POSTGRES_ORDERS_ID)
    assert orders["source"] is None
    assert orders["table"]["columns"] and orders["available_columns"]
    assert orders["user_access_level"] == "editor"
    alone = (await client.get(f"/api/projects/1/external_data_schemas/{POSTGRES_ORDERS_ID}/")).json()
    assert {key: value for key, value in orders.items() if key != "source"} == {
        key: value for key, value in alone.items() if key != "source"
    }


async def test_job_inputs_drop_secrets_and_undeclared_keys(client: httpx2.AsyncClient) -> None:
    stripe = await source(client, STRIPE_SOURCE_ID)
    assert stripe["job_inputs"] == {"auth_method": {"selection": "api_key"}}
    eu = await source(client, STRIPE_EU_SOURCE_ID)
    assert eu["job_inputs"] == {"auth_method": {"selection": "api_key"}, "stripe_account_id": "acct_1HbxEU"}
    postgres = await source(client, POSTGRES_SOURCE_ID)
    assert postgres["job_inputs"] == {
        "host": "db.hedgebox.internal",
        "port": 5432,
        "database": "shop",
        "user": "posthog_reader",
        "schema": "public",
        "ssh_tunnel": {
            "enabled": False,
            "host": None,
            "port": None,
            "auth": {"selection": "password"},
            "require_tls": {"enabled": True},
        },
        "cdc_enabled": True,
        "cdc_management_mode": "posthog",
        "cdc_slot_name": "posthog_slot",
        "cdc_publication_name": "posthog_publication",
    }
    assert (await source(client, HUBSPOT_SOURCE_ID))["job_inputs"] == {"hubspot_integration_id": 7}
    everything = (await client.get(sources_url())).text + (await client.get(sources_url(project=2))).text
    for secret in ("hb-reader-Pa55w0rd", "rk_live_51", "rk_test_51", "vendor-Feed-Pass", "legacy_sync_flag"):
        assert secret not in everything


async def test_status_is_derived_from_the_schemas(client: httpx2.AsyncClient, clock: ManualClock) -> None:
    statuses = {item["id"]: item["status"] for item in (await listing(client))["results"]}
    assert statuses == {
        HUBSPOT_SOURCE_ID: "Failed",  # companies: enabled and Failed
        STRIPE_SOURCE_ID: "Billing limits",  # Customer
        POSTGRES_SOURCE_ID: "Running",  # its failures are disabled schemas; events and audit_log run
        STRIPE_EU_SOURCE_ID: "Error",  # every schema disabled: the model's own column shows
    }
    assert (
        await client.post(f"/api/projects/1/external_data_schemas/{HUBSPOT_COMPANIES_ID}/reload/")
    ).status_code == 200
    assert (await source(client, HUBSPOT_SOURCE_ID))["status"] == "Running"
    clock.advance(2)
    # deals is Failed but turned off, so it no longer drags the source down.
    assert (await source(client, HUBSPOT_SOURCE_ID))["status"] == "Completed"


async def test_latest_error_is_the_first_by_name_and_redacted(client: httpx2.AsyncClient, state: SandboxState) -> None:
    assert (await source(client, HUBSPOT_SOURCE_ID))["latest_error"] == HUBSPOT_TRANSIENT_ERROR
    assert (await source(client, STRIPE_EU_SOURCE_ID))["latest_error"] == STRIPE_EXPIRED_KEY_LATEST_ERROR
    assert (await source(client, STRIPE_SOURCE_ID))["latest_error"] is None
    state.schemas["0193f0c1-5c4e-7000-8000-000000000207"].latest_error = (
        'connection to "postgres://posthog_reader:hb-reader-Pa55w0rd@db.hedgebox.internal/shop" failed;'
        " password=hunter2hunter2 Bearer abcdefghijk token"
    )
    error = (await source(client, POSTGRES_SOURCE_ID))["latest_error"]
    assert (
        error
        == 'connection to "postgres://posthog_reader:***@db.hedgebox.internal/shop" failed; password=*** Bearer *** token'
    )


async def test_other_fields(client: httpx2.AsyncClient) -> None:
    stripe = await source(client, STRIPE_SOURCE_ID)
    assert (stripe["source_type"], stripe["prefix"], stripe["access_method"], stripe["engine"]) == (
        "Stripe",
        None,
        "warehouse",
        None,
    )
    assert stripe["revenue_analytics_config"] == {"enabled": True, "include_invoiceless_charges": True}
    assert (stripe["supports_webhooks"], stripe["supports_column_selection"]) == (True, False)
    assert (stripe["api_version"], stripe["api_version_deprecation"]) == ("2025-03-31.basil", None)
    assert (stripe["created_by"], stripe["created_via"], stripe["user_access_level"]) == (
        "max@hedgebox.example",
        "web",
        "editor",
    )
    assert stripe["created_at"].endswith("Z")
    # Python's isoformat of the newest Completed job's created_at (no `Z`).
    assert stripe["last_run_at"].endswith("+00:00")
    postgres = await source(client, POSTGRES_SOURCE_ID)
    assert postgres["revenue_analytics_config"]["enabled"] is False
    assert (postgres["supports_webhooks"], postgres["supports_column_selection"]) == (False, True)
    assert postgres["description"] == "Production shop database (read replica)."


async def test_access_levels(client: httpx2.AsyncClient, state: SandboxState) -> None:
    state.sources[HUBSPOT_SOURCE_ID].user_access_level = "none"
    assert HUBSPOT_SOURCE_ID not in {item["id"] for item in (await listing(client))["results"]}
    refused = await client.get(f"{sources_url()}{HUBSPOT_SOURCE_ID}/")
    assert refused.status_code == 403


async def test_writes_are_not_emulated(client: httpx2.AsyncClient) -> None:
    url = f"{sources_url()}{STRIPE_SOURCE_ID}/"
    read_only = await client.patch(url, json={"description": "x"}, headers=bearer(KEY_READ))
    assert (read_only.status_code, read_only.json()["detail"]) == (
        403,
        "API key missing required scope 'external_data_source:write'",
    )
    patched = await client.patch(url, json={"description": "x"})
    assert (patched.status_code, patched.json()) == (
        405,
        envelope("invalid_request", "method_not_allowed", 'Method "PATCH" not allowed.'),
    )
    assert (await client.post(sources_url(), json={"source_type": "Stripe"})).status_code == 405
    assert (await client.delete(f"{sources_url()}0193f0c1-0d00-7000-8000-999999999999/")).status_code == 404
    assert (await source(client, STRIPE_SOURCE_ID))["description"] is None
