"""The list endpoint (pagination, links, search, ordering, soft deletes, source null)."""

from __future__ import annotations

from dataclasses import replace

import httpx2
import pytest

from posthog_external_data_mcp.sandbox.demo import (
    DEMO_SCHEMA_IDS,
    HUBSPOT_CONTACTS_ID,
    ISOLATION_PROJECT_ID,
    ISOLATION_SCHEMA_IDS,
    POSTGRES_ORDERS_ID,
    STRIPE_CHARGES_ID,
)
from posthog_external_data_mcp.sandbox.store import SandboxState

from .conftest import BASE_URL, schema_url, schemas_url

pytestmark = pytest.mark.anyio


async def test_default_page_size_is_100(client: httpx2.AsyncClient, state: SandboxState) -> None:
    template = state.schemas[STRIPE_CHARGES_ID]
    # Grow project 1 past one page with copies of a demo schema.
    for index in range(95):
        copy = replace(template, id=f"0193f0c1-5c4e-7000-8000-{900000 + index:012d}")
        copy.sync_type_config = dict(template.sync_type_config)
        state.schemas[copy.id] = copy
    body = (await client.get(schemas_url())).json()
    assert body["count"] == len(DEMO_SCHEMA_IDS) + 95
    assert len(body["results"]) == 100
    assert body["next"] == f"{BASE_URL}{schemas_url()}?limit=100&offset=100"
    assert body["previous"] is None


async def test_limit_offset_with_absolute_next_and_previous(client: httpx2.AsyncClient) -> None:
    first = (await client.get(schemas_url(), params={"limit": 4})).json()
    assert first["count"] == len(DEMO_SCHEMA_IDS)
    assert len(first["results"]) == 4
    assert first["next"] == f"{BASE_URL}{schemas_url()}?limit=4&offset=4"
    assert first["previous"] is None

    second = (await client.get(first["next"])).json()
    assert second["previous"] == f"{BASE_URL}{schemas_url()}?limit=4"
    assert second["next"] == f"{BASE_URL}{schemas_url()}?limit=4&offset=8"

    last = (await client.get(schemas_url(), params={"limit": 4, "offset": len(DEMO_SCHEMA_IDS) - 2})).json()
    assert len(last["results"]) == 2
    assert last["next"] is None
    assert last["previous"] == f"{BASE_URL}{schemas_url()}?limit=4&offset={len(DEMO_SCHEMA_IDS) - 6}"

    seen: list[str] = []
    page = first
    while True:
        seen += [row["id"] for row in page["results"]]
        if page["next"] is None:
            break
        page = (await client.get(page["next"])).json()
    assert sorted(seen) == sorted(DEMO_SCHEMA_IDS)


async def test_links_keep_other_query_params(client: httpx2.AsyncClient) -> None:
    body = (await client.get(schemas_url(), params={"search": "o", "limit": 1})).json()
    assert body["next"] == f"{BASE_URL}{schemas_url()}?limit=1&offset=1&search=o"


async def test_invalid_limit_and_offset_fall_back(client: httpx2.AsyncClient) -> None:
    for limit in ("0", "-3", "abc"):
        body = (await client.get(schemas_url(), params={"limit": limit})).json()
        assert len(body["results"]) == len(DEMO_SCHEMA_IDS), limit
    body = (await client.get(schemas_url(), params={"offset": "-5", "limit": 2})).json()
    assert body["previous"] is None
    assert body["next"] == f"{BASE_URL}{schemas_url()}?limit=2&offset=2"


async def test_search_is_case_insensitive_substring_on_name(client: httpx2.AsyncClient) -> None:
    body = (await client.get(schemas_url(), params={"search": "ORD"})).json()
    assert [row["name"] for row in body["results"]] == ["orders"]
    assert body["count"] == 1
    # Every whitespace/comma separated term must match.
    both = (await client.get(schemas_url(), params={"search": "user s"})).json()
    assert [row["name"] for row in both["results"]] == ["users"]
    none = (await client.get(schemas_url(), params={"search": "charge,users"})).json()
    assert none["count"] == 0
    # Labels and descriptions are not searched.
    described = (await client.get(schemas_url(), params={"search": "board meetings"})).json()
    assert described["count"] == 0


async def test_ordering_is_newest_first(client: httpx2.AsyncClient, state: SandboxState) -> None:
    body = (await client.get(schemas_url())).json()
    created = [state.schemas[row["id"]].created_at for row in body["results"]]
    assert created == sorted(created, reverse=True)
    assert len(set(created)) == len(created)


async def test_soft_deleted_rows_are_hidden(client: httpx2.AsyncClient) -> None:
    assert (await client.delete(schema_url(HUBSPOT_CONTACTS_ID))).status_code == 204
    body = (await client.get(schemas_url())).json()
    assert HUBSPOT_CONTACTS_ID not in [row["id"] for row in body["results"]]
    assert body["count"] == len(DEMO_SCHEMA_IDS) - 1
    assert (await client.get(schema_url(HUBSPOT_CONTACTS_ID))).status_code == 404


async def test_list_items_have_source_null_and_full_table(client: httpx2.AsyncClient) -> None:
    body = (await client.get(schemas_url())).json()
    orders = next(row for row in body["results"] if row["id"] == POSTGRES_ORDERS_ID)
    assert orders["source"] is None
    assert orders["table"]["columns"]
    assert orders["available_columns"]
    assert all(row["source"] is None for row in body["results"])


async def test_list_is_scoped_to_the_project(client: httpx2.AsyncClient) -> None:
    body = (await client.get(schemas_url(project=ISOLATION_PROJECT_ID))).json()
    assert sorted(row["id"] for row in body["results"]) == sorted(ISOLATION_SCHEMA_IDS)
    assert not set(ISOLATION_SCHEMA_IDS) & set(DEMO_SCHEMA_IDS)


async def test_rows_without_viewer_access_are_omitted(client: httpx2.AsyncClient, state: SandboxState) -> None:
    state.sources[state.schemas[HUBSPOT_CONTACTS_ID].source_id].user_access_level = "none"
    body = (await client.get(schemas_url())).json()
    names = {row["name"] for row in body["results"]}
    assert not names & {"contacts", "deals", "companies"}
    assert body["count"] == len(DEMO_SCHEMA_IDS) - 3
