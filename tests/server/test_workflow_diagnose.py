"""Workflow: "why did deals fail, and what must the user do?" — answered by one health call, and the failing
run's own words by one logs call."""

from __future__ import annotations

import pytest

from posthog_external_data_mcp.sandbox import demo
from tests.conftest import Connect
from tests.server.test_workflow_sources import text_of, warehouse_requests
from tests.support.processes import RunningSandbox

pytestmark = pytest.mark.anyio


async def test_one_health_call_says_why_deals_failed_and_what_the_user_must_do(
    connect: Connect, sandbox: RunningSandbox
) -> None:
    async with connect() as client:
        result = await client.call_tool("external-data-schemas-health", {})
    assert not result.is_error, text_of(result)
    report = result.structured_content
    assert report is not None
    (group,) = [g for g in report["groups"] if any(item["id"] == demo.HUBSPOT_DEALS_ID for item in g["items"])]
    assert (group["problem"], group["cause"]) == ("failed", "permissions")
    assert group["syncing_off"] >= 1  # PostHog switched it off
    assert "Reconnect HubSpot" in group["next_step"] and "grant every scope" in group["next_step"]
    assert "should_sync=true" in group["next_step"]  # and it stays off until turned back on
    deals = next(item for item in group["items"] if item["id"] == demo.HUBSPOT_DEALS_ID)
    assert deals["source"] == "Hubspot" and deals["syncing_off"] is True
    text = text_of(result)
    assert "Failed — HubSpot scopes missing" in text and "⟦deals⟧" in text
    paths = sorted(str(request["path"]) for request in warehouse_requests(sandbox))
    assert paths == ["/api/projects/@current/external_data_schemas/", "/api/projects/@current/external_data_sources/"]


async def test_the_failing_runs_error_lines_in_one_logs_call(connect: Connect, sandbox: RunningSandbox) -> None:
    async with connect() as client:
        result = await client.call_tool("external-data-schemas-logs", {"id": demo.HUBSPOT_DEALS_ID, "level": "ERROR"})
    assert not result.is_error, text_of(result)
    messages = [line["message"] for line in result.structured_content["results"]]  # type: ignore[index]
    assert any("hasn't been granted all required scopes" in message for message in messages)
    assert len(warehouse_requests(sandbox)) == 1


async def test_the_audit_names_every_kind_of_trouble_in_the_demo_project(connect: Connect) -> None:
    async with connect() as client:
        result = await client.call_tool("external-data-schemas-health", {})
    report = result.structured_content
    assert report is not None
    where = {item["id"]: group for group in report["groups"] for item in group["items"]}
    assert where[demo.STRIPE_CUSTOMERS_ID]["problem"] == "billing_limited"
    assert where[demo.STRIPE_PRICES_ID]["problem"] == "stalled"  # PostHog #82900: no run for weeks
    assert where[demo.POSTGRES_AUDIT_LOG_ID]["problem"] == "running_long"
    assert (where[demo.STRIPE_EU_CREDIT_NOTES_ID]["problem"], where[demo.STRIPE_EU_CREDIT_NOTES_ID]["cause"]) == (
        "failed",
        "credentials",
    )
    assert where[demo.POSTGRES_INVOICES_ID]["cause"] == "incremental_field"
    assert where[demo.POSTGRES_LINE_ITEMS_ID]["cause"] == "duplicate_primary_key"
    assert where[demo.HUBSPOT_COMPANIES_ID]["cause"] == "source_outage"
    assert demo.POSTGRES_ORDERS_ID not in where and demo.POSTGRES_DAILY_REVENUE_ID not in where
    assert report["schemas"] == len(demo.DEMO_SCHEMA_IDS)
    assert report["healthy"] + report["paused"] + report["needs_attention"] == report["schemas"]


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("external-data-sources-list", {"project_id": 2}),
        ("external-data-schemas-health", {"project_id": 2}),
        ("external-data-schemas-logs", {"project_id": 2, "id": demo.INJECTION_SCHEMA_ID, "level": "ERROR"}),
    ],
)
async def test_third_party_text_reaches_the_agent_cleaned_and_fenced(
    connect: Connect, tool: str, arguments: dict[str, object]
) -> None:
    async with connect() as client:
        result = await client.call_tool(tool, arguments)
    assert not result.is_error, text_of(result)
    text = text_of(result)
    everything = text + str(result.structured_content)
    for invisible in (demo.ANSI_RED, demo.BIDI_OVERRIDE, demo.ZERO_WIDTH_SPACE, demo.NUL, "\x07"):
        assert invisible not in everything
    lines = [line for line in text.splitlines() if demo.INJECTION_INSTRUCTION in line]
    assert lines, text
    for line in lines:
        before, _, _ = line.partition(demo.INJECTION_INSTRUCTION)
        assert before.count("⟦") > before.count("⟧"), line  # the instruction sits inside a fence
    assert "quoted as data" in text
