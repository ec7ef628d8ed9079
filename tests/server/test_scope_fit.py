"""Tools that fit the key: the server learns its key's scopes from PostHog (GET /api/personal_api_keys/@current/)
off the start-up path, hides the tools the key could only fail with, and tells the client the list changed —
legacy sessions by notifications/tools/list_changed, 2026-07-28 clients through subscriptions/listen (and a zero
cache lifetime on every list served before the scopes were known). A failed lookup fails open. In-memory here;
over stdio and HTTP (passthrough keys, cached per key) in test_safety_transports.py.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import pytest
from mcp import Client, types
from mcp.shared.exceptions import MCPError

from posthog_external_data_mcp.posthog_client import Scope
from posthog_external_data_mcp.sandbox import demo
from posthog_external_data_mcp.server.settings import Settings
from posthog_external_data_mcp.server.tool_names import ToolName
from posthog_external_data_mcp.server.tools import TOOLS
from posthog_external_data_mcp.wiring import server_for
from tests.support.processes import RunningSandbox, sandbox_process

pytestmark = pytest.mark.anyio

ALL_TOOLS = {row.name for row in TOOLS}
READ_TOOLS = {row.name for row in TOOLS if row.scope is Scope.READ}
ORDERS = demo.POSTGRES_ORDERS_ID


class Notices:
    """The legacy notifications a client received."""

    def __init__(self) -> None:
        self.changed = anyio.Event()
        self.count = 0

    async def __call__(self, message: Any) -> None:
        if isinstance(message, types.ToolListChangedNotification):
            self.count += 1
            self.changed.set()


@asynccontextmanager
async def connected(url: str, mode: str, notices: Notices | None = None, **settings: Any) -> AsyncIterator[Client]:
    options: dict[str, Any] = {"api_key": demo.KEY_ALL, "posthog_host": url, **settings}
    async with Client(server_for(Settings(**options)), mode=mode, message_handler=notices) as client:  # type: ignore[arg-type]
        yield client


async def names(client: Client) -> set[str]:
    return {tool.name for tool in (await client.list_tools()).tools}


async def scopes_looked_up(sandbox: RunningSandbox) -> None:
    """Until the server's look-up of its key's scopes has reached PostHog, and a moment for its answer to land."""
    deadline = time.monotonic() + 10
    while not sandbox.key_lookups():
        assert time.monotonic() < deadline
        await anyio.sleep(0.05)
    await anyio.sleep(0.2)


@pytest.fixture
def slow_sandbox() -> Iterator[RunningSandbox]:
    """A sandbox that takes 1.5 s over every request, so the scopes lookup is visibly off the start-up path."""
    with sandbox_process("--latency-ms", "1500") as running:
        yield running


async def test_legacy_a_read_key_is_shown_every_tool_first_then_told_the_list_shrank(sandbox: RunningSandbox) -> None:
    notices = Notices()
    async with connected(sandbox.url, "legacy", notices, api_key=demo.KEY_READ) as client:
        first = await names(client)
        with anyio.fail_after(10):
            await notices.changed.wait()
        fitted = await names(client)
        with pytest.raises(MCPError, match="lacks the external_data_source:write scope"):
            await client.call_tool(ToolName.RELOAD, {"id": ORDERS})
        listed = await client.call_tool(ToolName.LIST, {})
    assert first == ALL_TOOLS and fitted == READ_TOOLS and notices.count == 1
    assert not listed.is_error
    # One lookup, and nothing reached PostHog for the hidden tool.
    assert len(sandbox.key_lookups()) == 1
    assert [entry["method"] for entry in sandbox.requests()] == ["GET"]


async def test_2026_a_read_key_is_announced_to_listeners_and_never_cached_stale(sandbox: RunningSandbox) -> None:
    async with connected(sandbox.url, "auto", api_key=demo.KEY_READ) as client:
        async with client.listen(tools_list_changed=True) as events:
            provisional = await client.list_tools()
            with anyio.fail_after(10):
                async for _ in events:
                    break
        fitted = await client.list_tools()
    assert {tool.name for tool in provisional.tools} == ALL_TOOLS and provisional.ttl_ms == 0
    assert {tool.name for tool in fitted.tools} == READ_TOOLS and fitted.ttl_ms > 0


async def test_2026_without_listening_the_next_list_is_the_fitted_one(sandbox: RunningSandbox) -> None:
    async with connected(sandbox.url, "auto", api_key=demo.KEY_READ) as client:
        assert await names(client) == ALL_TOOLS
        deadline = time.monotonic() + 10
        while await names(client) != READ_TOOLS:  # ttl 0: every list reaches the server until the scopes are known
            assert time.monotonic() < deadline
            await anyio.sleep(0.05)
    assert len(sandbox.key_lookups()) == 1


async def test_the_first_list_does_not_wait_for_the_lookup(slow_sandbox: RunningSandbox) -> None:
    notices = Notices()
    async with connected(slow_sandbox.url, "legacy", notices, api_key=demo.KEY_READ) as client:
        started = time.perf_counter()
        first = await names(client)
        answered_in = time.perf_counter() - started
        with anyio.fail_after(10):
            await notices.changed.wait()
        fitted = await names(client)
    assert answered_in < 1.0 and first == ALL_TOOLS  # the lookup takes 1.5 s
    assert fitted == READ_TOOLS


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_a_key_with_every_scope_keeps_every_tool_and_nothing_is_announced(
    sandbox: RunningSandbox, mode: str
) -> None:
    notices = Notices()
    async with connected(sandbox.url, mode, notices, api_key=demo.KEY_WRITE) as client:
        assert await names(client) == ALL_TOOLS
        await scopes_looked_up(sandbox)
        assert await names(client) == ALL_TOOLS
    assert notices.count == 0 and len(sandbox.key_lookups()) == 1


async def test_a_failed_lookup_fails_open_and_is_logged_once(
    sandbox: RunningSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "posthog_external_data_mcp")
    async with connected(sandbox.url, "legacy", api_key=demo.INVALID_KEY) as client:
        assert await names(client) == ALL_TOOLS
        await scopes_looked_up(sandbox)
        again = await names(client)
        refused = await client.call_tool(ToolName.RELOAD, {"id": ORDERS})
    assert again == ALL_TOOLS
    # Calls still get PostHog's own refusal, with its fix.
    assert refused.is_error and "401" in refused.content[0].text  # type: ignore[union-attr]
    warnings = [record.getMessage() for record in caplog.records if "scopes" in record.getMessage()]
    assert len(warnings) == 1 and "HTTP 401" in warnings[0]
    assert demo.INVALID_KEY not in caplog.text
    # A failure is not retried at once: one lookup for both lists.
    assert len(sandbox.key_lookups()) == 1


async def test_a_key_with_neither_scope_keeps_the_list_so_calls_can_say_what_to_fix(sandbox: RunningSandbox) -> None:
    notices = Notices()
    async with connected(sandbox.url, "legacy", notices, api_key=demo.KEY_UNRELATED_SCOPE) as client:
        await names(client)
        await scopes_looked_up(sandbox)
        shown = await names(client)
        refused = await client.call_tool(ToolName.LIST, {})
    assert shown == ALL_TOOLS and notices.count == 0
    assert refused.is_error and "external_data_source:read" in refused.content[0].text  # type: ignore[union-attr]


async def test_read_only_still_means_no_state_changes_and_scopes_narrow_further(sandbox: RunningSandbox) -> None:
    read_only_tools = {row.name for row in TOOLS if row.read_only}
    async with connected(sandbox.url, "legacy", read_only=True, api_key=demo.KEY_WRITE) as client:
        assert await names(client) == read_only_tools
    notices = Notices()
    async with connected(sandbox.url, "legacy", notices, read_only=True, api_key=demo.KEY_READ) as client:
        assert await names(client) == read_only_tools
        with anyio.fail_after(10):
            await notices.changed.wait()
        # incremental-fields changes nothing but needs the write scope: a read key cannot call it.
        assert await names(client) == read_only_tools & READ_TOOLS
    assert ToolName.INCREMENTAL_FIELDS in read_only_tools - READ_TOOLS


async def test_the_tools_selection_and_the_scopes_both_apply(sandbox: RunningSandbox) -> None:
    notices = Notices()
    chosen = (ToolName.LIST, ToolName.RELOAD)
    async with connected(sandbox.url, "legacy", notices, tools=chosen, api_key=demo.KEY_READ) as client:
        assert await names(client) == set(chosen)
        with anyio.fail_after(10):
            await notices.changed.wait()
        assert await names(client) == {ToolName.LIST}
