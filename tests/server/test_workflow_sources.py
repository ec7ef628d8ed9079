"""Workflow: "which tables does our Stripe source have, and how are they doing?" — one call, one request.

Played through the SDK's client, in memory and over stdio via the installed console script, against the
standalone sandbox; the sandbox's request log shows what reached "PostHog".
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from mcp.types import CallToolResult

from posthog_external_data_mcp.sandbox import demo
from tests.conftest import Connect
from tests.server.test_stdio_console_script import sandbox_env, stdio_server
from tests.support.processes import RunningSandbox

pytestmark = pytest.mark.anyio

STRIPE_TABLES = {"Charge", "Customer", "Invoice", "Subscription", "Discount", "Price"}


def text_of(result: CallToolResult) -> str:
    return "".join(block.text for block in result.content if block.type == "text")


def warehouse_requests(sandbox: RunningSandbox) -> list[dict[str, Any]]:
    """The requests a tool sent (the server's own key-scope lookup is not one of them)."""
    return [request for request in sandbox.requests() if "/external_data_" in str(request["path"])]


def assert_stripe_answer(result: CallToolResult) -> None:
    assert not result.is_error, text_of(result)
    content = result.structured_content
    assert content is not None
    stripe = [source for source in content["results"] if source["id"] == demo.STRIPE_SOURCE_ID]
    (source,) = stripe
    assert source["source_type"] == "Stripe"
    tables = {table["name"]: table for table in source["schemas"]}
    assert set(tables) >= STRIPE_TABLES and source["tables"] == len(tables)
    assert tables["Charge"]["status"] == "Completed" and tables["Charge"]["should_sync"] is True
    assert tables["Customer"]["status"] == "Billing limits"
    assert tables["Discount"]["should_sync"] is False and "last_synced_at" not in tables["Discount"]
    assert tables["Charge"]["id"] == demo.STRIPE_CHARGES_ID
    text = text_of(result)
    assert "Stripe source" in text and "⟦Customer⟧ [Billing limits]" in text
    assert "job_inputs" not in json.dumps(content) and "job_inputs" not in text


async def test_one_call_answers_which_tables_the_stripe_source_has_and_how_they_are_doing(
    connect: Connect, sandbox: RunningSandbox
) -> None:
    async with connect() as client:
        result = await client.call_tool("external-data-sources-list", {"search": "Stripe"})
    assert_stripe_answer(result)
    (request,) = warehouse_requests(sandbox)
    assert (request["method"], request["path"], request["query"], request["status"]) == (
        "GET",
        "/api/projects/@current/external_data_sources/",
        "limit=10&offset=0&search=Stripe",
        200,
    )


async def test_the_same_answer_over_stdio_from_the_console_script(sandbox: RunningSandbox) -> None:
    async with stdio_server(sandbox_env(sandbox)) as (client, _):
        result = await client.call_tool("external-data-sources-list", {"search": "stripe"})
    assert_stripe_answer(result)
    assert len(warehouse_requests(sandbox)) == 1


async def test_failing_tables_carry_their_cause_and_fix(connect: Connect) -> None:
    async with connect() as client:
        result = await client.call_tool("external-data-sources-list", {"search": "Hubspot"})
    assert not result.is_error, text_of(result)
    (source,) = result.structured_content["results"]  # type: ignore[index]
    deals = next(table for table in source["schemas"] if table["id"] == demo.HUBSPOT_DEALS_ID)
    assert (deals["status"], deals["should_sync"], deals["cause"]) == ("Failed", False, "permissions")
    assert "grant every scope" in deals["fix"]
    assert source["schemas"][0]["id"] == demo.HUBSPOT_DEALS_ID or source["schemas"][0]["status"] != "Completed"


async def test_pages_of_sources_follow_next_offset(connect: Connect, sandbox: RunningSandbox) -> None:
    async with connect() as client:
        first = await client.call_tool("external-data-sources-list", {"limit": 1})
        assert not first.is_error, text_of(first)
        offset = first.structured_content["next_offset"]  # type: ignore[index]
        second = await client.call_tool("external-data-sources-list", {"limit": 1, "offset": offset})
    assert offset == 1 and not second.is_error
    ids = [page.structured_content["results"][0]["id"] for page in (first, second)]  # type: ignore[index]
    assert len(set(ids)) == 2
    assert [request["query"] for request in warehouse_requests(sandbox)] == ["limit=1&offset=0", "limit=1&offset=1"]


async def test_bad_paging_is_refused_before_any_request(connect: Connect, sandbox: RunningSandbox) -> None:
    async with connect() as client:
        result = await client.call_tool("external-data-sources-list", {"limit": 500})
    assert result.is_error and "limit" in text_of(result)
    assert warehouse_requests(sandbox) == []
