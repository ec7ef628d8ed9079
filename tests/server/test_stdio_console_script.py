"""The installed console script over stdio, driven by the SDK's Client, against the standalone sandbox."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.shared.exceptions import MCPError

from posthog_external_data_mcp.sandbox import demo
from tests.support.processes import SERVER_SCRIPT, RunningSandbox, clean_environment

pytestmark = pytest.mark.anyio

ORDERS = demo.POSTGRES_ORDERS_ID


@asynccontextmanager
async def stdio_server(env: dict[str, str], *args: str, mode: str = "auto") -> AsyncIterator[tuple[Client, Path]]:
    """The console script as a subprocess; yields the client and the file its stderr goes to."""
    with tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False) as log:
        params = StdioServerParameters(command=SERVER_SCRIPT, args=list(args), env=clean_environment(env))
        async with Client(stdio_client(params, errlog=log), mode=mode) as client:  # type: ignore[arg-type]
            yield client, Path(log.name)


def sandbox_env(sandbox: RunningSandbox, key: str = demo.KEY_ALL, **extra: str) -> dict[str, str]:
    return {"POSTHOG_PERSONAL_API_KEY": key, "POSTHOG_HOST": sandbox.url, **extra}


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_all_ten_tools_over_stdio_each_sending_one_request(sandbox: RunningSandbox, mode: str) -> None:
    calls: list[tuple[str, dict[str, Any], bool]] = [
        ("external-data-schemas-list", {"limit": 5}, False),
        ("external-data-schemas-retrieve", {"id": ORDERS}, False),
        ("external-data-sources-list", {"search": "Stripe"}, False),
        ("external-data-schemas-health", {}, False),
        ("external-data-schemas-logs", {"id": ORDERS, "level": "DEBUG"}, False),
        ("external-data-schemas-partial-update", {"id": ORDERS, "sync_frequency": "30min"}, False),
        ("external-data-schemas-incremental-fields-create", {"id": ORDERS}, False),
        ("external-data-schemas-reload", {"id": ORDERS}, False),
        ("external-data-schemas-cancel", {"id": ORDERS}, False),
        ("external-data-schemas-resync", {"id": ORDERS}, False),
        ("external-data-schemas-delete-data", {"id": ORDERS}, False),
        ("external-data-schemas-destroy", {"id": demo.STRIPE_DISCOUNTS_ID}, False),
        ("external-data-schemas-create", {"name": "refunds"}, True),  # PostHog refuses; never faked
    ]
    sent = {"external-data-schemas-health": 2}  # the sources list beside the one page of 11 schemas
    async with stdio_server(sandbox_env(sandbox), mode=mode) as (client, log):
        assert {tool.name for tool in (await client.list_tools()).tools} == {name for name, _, _ in calls}
        for name, arguments, expect_error in calls:
            before = len(sandbox.requests())
            result = await client.call_tool(name, arguments)
            assert result.is_error is expect_error, (name, result.content)
            assert len(sandbox.requests()) == before + sent.get(name, 1), name
    logged = log.read_text()
    assert "tool=external-data-schemas-reload outcome=ok upstream_status=200" in logged
    assert demo.KEY_ALL not in logged


async def test_stdio_server_uses_the_configured_project_and_route(sandbox: RunningSandbox) -> None:
    env = sandbox_env(sandbox, demo.KEY_PROJECT2, POSTHOG_PROJECT_ID="2", POSTHOG_ROUTE="environments")
    async with stdio_server(env) as (client, _):
        result = await client.call_tool("external-data-schemas-list", {})
    assert not result.is_error
    assert sandbox.requests()[0]["path"] == "/api/environments/2/external_data_schemas/"


async def test_stdio_server_without_a_key_starts_lists_and_explains(sandbox: RunningSandbox) -> None:
    async with stdio_server({"POSTHOG_HOST": sandbox.url}) as (client, log):
        assert len((await client.list_tools()).tools) == 13
        result = await client.call_tool("external-data-schemas-retrieve", {"id": ORDERS})
    assert result.is_error
    assert "POSTHOG_PERSONAL_API_KEY" in result.content[0].text  # type: ignore[union-attr]
    assert sandbox.requests() == []
    assert "POSTHOG_PERSONAL_API_KEY is not set" in log.read_text()


async def test_read_only_and_tools_flags_over_stdio(sandbox: RunningSandbox) -> None:
    async with stdio_server(sandbox_env(sandbox), "--read-only") as (client, _):
        names = {tool.name for tool in (await client.list_tools()).tools}
        with pytest.raises(MCPError, match="Unknown tool"):
            await client.call_tool("external-data-schemas-resync", {"id": ORDERS})
    assert names == {
        "external-data-schemas-list",
        "external-data-schemas-retrieve",
        "external-data-schemas-incremental-fields-create",
        "external-data-sources-list",
        "external-data-schemas-health",
        "external-data-schemas-logs",
    }
    assert sandbox.requests() == []
    async with stdio_server(sandbox_env(sandbox), "--tools", "external-data-schemas-reload") as (client, _):
        assert [tool.name for tool in (await client.list_tools()).tools] == ["external-data-schemas-reload"]


async def test_sandbox_flag_serves_demo_data_in_process_without_a_key(tmp_path: Path) -> None:
    async with stdio_server({"POSTHOG_SANDBOX_SYNC_SECONDS": "0"}, "--sandbox") as (client, log):
        listing = await client.call_tool("external-data-schemas-list", {})
        reloaded = await client.call_tool("external-data-schemas-reload", {"id": ORDERS})
        after = await client.call_tool("external-data-schemas-retrieve", {"id": ORDERS})
    assert not listing.is_error and listing.structured_content["count"] == len(demo.DEMO_SCHEMA_IDS)  # type: ignore[index]
    assert not reloaded.is_error
    assert after.structured_content["status"] == "Completed"  # type: ignore[index]
    assert "DEMO data" in log.read_text()
