"""Confirmation and scope-fit through the installed console script: over stdio (both eras) and streamable HTTP
(stateless: legacy clients cannot be asked, 2026-07-28 clients answer an input-required result), the HTTP header
that may only tighten the policy, passthrough keys fitted per key, and a confirmation retried on another worker or
replica — accepted with shared POSTHOG_MCP_STATE_KEYS, refused without. The sandbox request log shows what
reached "PostHog" in each path.
"""

from __future__ import annotations

import secrets
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client, StdioServerParameters, types
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from posthog_external_data_mcp.posthog_client import Scope
from posthog_external_data_mcp.sandbox import demo
from posthog_external_data_mcp.server.failures import ERROR_META_KEY
from posthog_external_data_mcp.server.tool_names import ToolName
from posthog_external_data_mcp.server.tools import TOOLS
from tests.support.processes import SERVER_SCRIPT, RunningSandbox, clean_environment, http_server_process

pytestmark = pytest.mark.anyio

ORDERS = demo.POSTGRES_ORDERS_ID
ORDERS_PATH = f"/api/projects/@current/external_data_schemas/{ORDERS}/"
READ = ("GET", ORDERS_PATH)
DESTROYED = ("DELETE", ORDERS_PATH)
EMPTIED = ("DELETE", f"{ORDERS_PATH}delete_data/")
ALL_TOOLS = {row.name for row in TOOLS}
READ_TOOLS = {row.name for row in TOOLS if row.scope is Scope.READ}
ACCEPT = {"confirm": types.ElicitResult(action="accept", content={"confirm": True})}
INVALID_STATE = "Invalid or expired requestState"


def person(action: str) -> Any:
    async def answer(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        return types.ElicitResult(action=action, content={"confirm": True} if action == "accept" else None)  # type: ignore[arg-type]

    return answer


def sent(sandbox: RunningSandbox) -> list[tuple[str, str]]:
    return [(str(entry["method"]), str(entry["path"])) for entry in sandbox.requests()]


def kind(result: types.CallToolResult) -> str | None:
    return None if not result.is_error else str((result.meta or {})[ERROR_META_KEY]["kind"])


@asynccontextmanager
async def over_stdio(env: dict[str, str], mode: str, **options: Any) -> AsyncIterator[Client]:
    with tempfile.TemporaryFile("w+") as log:
        params = StdioServerParameters(command=SERVER_SCRIPT, args=[], env=clean_environment(env))
        async with Client(stdio_client(params, errlog=log), mode=mode, **options) as client:  # type: ignore[arg-type]
            yield client


@asynccontextmanager
async def over_http(
    url: str, mode: str = "auto", headers: dict[str, str] | None = None, **options: Any
) -> AsyncIterator[Client]:
    # A new HTTP client each time: a new connection, which a multi-worker server may give to any worker.
    async with httpx2.AsyncClient(headers=headers or {}, timeout=30) as http:
        async with Client(streamable_http_client(url, http_client=http), mode=mode, **options) as client:  # type: ignore[arg-type]
            yield client


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


# --- stdio -------------------------------------------------------------------------------------------------------


def answers(*actions: str) -> Any:
    """A person who gives these answers, in turn, to the confirmations they are shown."""
    queue = list(actions)

    async def answer(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        action = queue.pop(0)
        return types.ElicitResult(action=action, content={"confirm": True} if action == "accept" else None)  # type: ignore[arg-type]

    return answer


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_stdio_asks_and_sends_only_what_was_accepted(sandbox: RunningSandbox, mode: str) -> None:
    env = {"POSTHOG_PERSONAL_API_KEY": demo.KEY_ALL, "POSTHOG_HOST": sandbox.url}
    async with over_stdio(env, mode, elicitation_callback=answers("decline", "cancel", "accept")) as client:
        declined = await client.call_tool(ToolName.DESTROY, {"id": ORDERS})
        cancelled = await client.call_tool(ToolName.DESTROY, {"id": ORDERS})
        accepted = await client.call_tool(ToolName.DELETE_DATA, {"id": ORDERS})
    assert (kind(declined), kind(cancelled), kind(accepted)) == (
        "confirmation_declined",
        "confirmation_cancelled",
        None,
    )
    assert sent(sandbox) == [READ, READ, READ, EMPTIED]
    # (A client that cannot elicit is not asked under auto: test_stdio_console_script calls every tool so.)


async def test_stdio_strict_refuses_a_client_that_cannot_elicit_until_confirm_names_the_schema(
    sandbox: RunningSandbox,
) -> None:
    env = {
        "POSTHOG_PERSONAL_API_KEY": demo.KEY_ALL,
        "POSTHOG_HOST": sandbox.url,
        "POSTHOG_MCP_CONFIRM_DESTRUCTIVE": "strict",
    }
    async with over_stdio(env, "legacy") as client:
        refused = await client.call_tool(ToolName.DESTROY, {"id": ORDERS})
        done = await client.call_tool(ToolName.DESTROY, {"id": ORDERS, "confirm": "orders"})
    assert kind(refused) == "confirmation_required" and kind(done) is None
    assert sent(sandbox) == [READ, READ, DESTROYED]


async def test_stdio_a_read_key_is_told_the_list_changed(sandbox: RunningSandbox) -> None:
    changed = anyio.Event()

    async def on_message(message: Any) -> None:
        if isinstance(message, types.ToolListChangedNotification):
            changed.set()

    env = {"POSTHOG_PERSONAL_API_KEY": demo.KEY_READ, "POSTHOG_HOST": sandbox.url}
    async with over_stdio(env, "legacy", message_handler=on_message) as client:
        assert client.server_capabilities is not None and client.server_capabilities.tools is not None
        assert client.server_capabilities.tools.list_changed is True
        first = {tool.name for tool in (await client.list_tools()).tools}
        with anyio.fail_after(10):
            await changed.wait()
        fitted = {tool.name for tool in (await client.list_tools()).tools}
    assert first == ALL_TOOLS and fitted == READ_TOOLS
    assert len(sandbox.key_lookups()) == 1


# --- HTTP, one worker -----------------------------------------------------------------------------------------


async def test_http_legacy_cannot_be_asked_so_auto_proceeds_and_strict_refuses(sandbox: RunningSandbox) -> None:
    env = {"POSTHOG_PERSONAL_API_KEY": demo.KEY_ALL, "POSTHOG_HOST": sandbox.url}
    with http_server_process([], env) as server:
        # Stateless HTTP has no back channel: even a client with a callback is never asked.
        async with over_http(server.url, "legacy", elicitation_callback=person("decline")) as client:
            unasked = await client.call_tool(ToolName.DELETE_DATA, {"id": ORDERS})
        strict = {"x-posthog-confirm-destructive": "strict"}
        async with over_http(server.url, "legacy", strict, elicitation_callback=person("accept")) as client:
            refused = await client.call_tool(ToolName.DELETE_DATA, {"id": ORDERS})
            named = await client.call_tool(ToolName.DELETE_DATA, {"id": ORDERS, "confirm": "orders"})
    assert kind(unasked) is None and kind(refused) == "confirmation_required" and kind(named) is None
    assert sent(sandbox) == [EMPTIED, READ, READ, EMPTIED]


async def test_http_2026_asks_by_input_required_and_the_header_only_tightens(sandbox: RunningSandbox) -> None:
    env = {"POSTHOG_PERSONAL_API_KEY": demo.KEY_ALL, "POSTHOG_HOST": sandbox.url}
    with http_server_process(["--confirm-destructive", "strict"], env) as server:
        async with over_http(server.url, elicitation_callback=person("decline")) as client:
            declined = await client.call_tool(ToolName.DESTROY, {"id": ORDERS, "confirm": "orders"})
        # A header asking for less confirmation than the operator set is ignored.
        loosen = {"x-posthog-confirm-destructive": "off"}
        async with over_http(server.url, headers=loosen, elicitation_callback=person("accept")) as client:
            still_strict = await client.call_tool(ToolName.DESTROY, {"id": ORDERS})
            accepted = await client.call_tool(ToolName.DESTROY, {"id": ORDERS, "confirm": "orders"})
        malformed = httpx2.post(
            server.url,
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
            headers={"x-posthog-confirm-destructive": "never", "Accept": "application/json, text/event-stream"},
        )
    assert kind(declined) == "confirmation_declined"
    assert kind(still_strict) == "confirmation_required" and kind(accepted) is None
    assert malformed.status_code == 400
    assert sent(sandbox) == [READ, READ, READ, DESTROYED]


async def test_http_passthrough_fits_each_keys_list_on_its_first_list_and_never_across_keys(
    sandbox: RunningSandbox,
) -> None:
    with http_server_process([], {"POSTHOG_HOST": sandbox.url}) as server:
        seen: dict[str, list[set[str]]] = {demo.KEY_READ: [], demo.KEY_ALL: []}

        async def caller(key: str) -> None:
            for _ in range(3):
                async with over_http(server.url, headers=bearer(key)) as client:
                    seen[key].append({tool.name for tool in (await client.list_tools()).tools})

        async with anyio.create_task_group() as group:
            for key in seen:
                group.start_soon(caller, key)
        async with over_http(server.url, headers=bearer(demo.KEY_READ)) as client:
            with pytest.raises(MCPError, match="lacks the external_data_source:write scope"):
                await client.call_tool(ToolName.RELOAD, {"id": ORDERS})
    assert seen[demo.KEY_READ] == [READ_TOOLS] * 3 and seen[demo.KEY_ALL] == [ALL_TOOLS] * 3
    # Cached per key for a while: one lookup each, made with that key.
    assert sorted(str(entry["key_label"]) for entry in sandbox.key_lookups()) == [
        "Sandbox all access",
        "Sandbox read only",
    ]
    assert sent(sandbox) == []


async def test_http_server_key_lists_are_provisional_until_the_scopes_are_known(sandbox: RunningSandbox) -> None:
    env = {"POSTHOG_PERSONAL_API_KEY": demo.KEY_READ, "POSTHOG_HOST": sandbox.url}
    with http_server_process([], env) as server:
        async with over_http(server.url) as client:
            first = await client.list_tools()
            deadline = time.monotonic() + 10
            later = first
            while {tool.name for tool in later.tools} != READ_TOOLS:
                assert time.monotonic() < deadline
                await anyio.sleep(0.05)
                later = await client.list_tools()
    assert {tool.name for tool in first.tools} == ALL_TOOLS and first.ttl_ms == 0
    assert later.ttl_ms > 0


async def test_http_a_confirmation_sealed_for_one_key_cannot_be_answered_with_another(
    sandbox: RunningSandbox,
) -> None:
    with http_server_process([], {"POSTHOG_HOST": sandbox.url}) as server:
        async with over_http(server.url, headers=bearer(demo.KEY_ALL), elicitation_callback=person("accept")) as client:
            asked = await client.session.call_tool(ToolName.DESTROY, {"id": ORDERS}, allow_input_required=True)
        assert isinstance(asked, types.InputRequiredResult)
        async with over_http(server.url, headers=bearer(demo.KEY_WRITE)) as other:
            with pytest.raises(MCPError, match=INVALID_STATE):
                await other.call_tool(
                    ToolName.DESTROY, {"id": ORDERS}, input_responses=ACCEPT, request_state=asked.request_state
                )
    assert sent(sandbox) == [READ]


# --- a retry on another worker or replica ------------------------------------------------------------------------


async def answer_elsewhere(first_url: str, second_url: str, tool: str = ToolName.DELETE_DATA) -> str:
    """Round 1 on one connection to `first_url`, the accepted answer on a new connection to `second_url`:
    'accepted' or 'refused' (the state could not be verified there)."""
    async with over_http(first_url, elicitation_callback=person("accept")) as client:
        asked = await client.session.call_tool(tool, {"id": ORDERS}, allow_input_required=True)
    assert isinstance(asked, types.InputRequiredResult)
    async with over_http(second_url) as client:
        try:
            result = await client.call_tool(
                tool, {"id": ORDERS}, input_responses=ACCEPT, request_state=asked.request_state
            )
        except MCPError as exc:
            assert INVALID_STATE in str(exc)
            return "refused"
    assert kind(result) is None, result.content
    return "accepted"


def replica_env(sandbox: RunningSandbox, keys: str | None) -> dict[str, str]:
    env = {"POSTHOG_PERSONAL_API_KEY": demo.KEY_ALL, "POSTHOG_HOST": sandbox.url}
    return env if keys is None else {**env, "POSTHOG_MCP_STATE_KEYS": keys}


async def test_a_second_replica_accepts_the_answer_with_shared_keys_and_refuses_it_without(
    sandbox: RunningSandbox,
) -> None:
    rotated, current = secrets.token_hex(32), secrets.token_hex(32)
    with (
        http_server_process([], replica_env(sandbox, current)) as first,
        http_server_process([], replica_env(sandbox, f"{rotated},{current}")) as rotating,  # new key first: rotation
        http_server_process([], replica_env(sandbox, None)) as unshared,
    ):
        assert await answer_elsewhere(first.url, rotating.url) == "accepted"
        assert await answer_elsewhere(first.url, unshared.url) == "refused"
        assert await answer_elsewhere(unshared.url, first.url) == "refused"
    assert sent(sandbox) == [READ, EMPTIED, READ, READ]


@pytest.mark.parametrize("shared", [True, False])
async def test_two_workers_honour_a_retry_on_the_other_worker_only_with_shared_keys(
    sandbox: RunningSandbox, shared: bool
) -> None:
    keys = f"{secrets.token_hex(32)}" if shared else None
    with http_server_process(["--workers", "2"], replica_env(sandbox, keys)) as server:
        outcomes: list[str] = []
        # Each round trip opens two connections, which either worker may take: about half of the answers reach
        # the other worker. Shared keys: eight are all honoured. Without: go on until one is refused (at most 16).
        while len(outcomes) < (8 if shared else 16) and (shared or "refused" not in outcomes):
            outcomes.append(await answer_elsewhere(server.url, server.url))
        log = server.stderr_so_far()
    if shared:
        assert outcomes == ["accepted"] * 8
        assert "POSTHOG_MCP_STATE_KEYS is not set" not in log
    else:
        assert outcomes[-1] == "refused", outcomes
        assert "POSTHOG_MCP_STATE_KEYS is not set" in log
    # The log proves it: one GET per question, one delete per accepted answer, none for a refused one.
    assert sent(sandbox).count(READ) == len(outcomes)
    assert sent(sandbox).count(EMPTIED) == outcomes.count("accepted")
