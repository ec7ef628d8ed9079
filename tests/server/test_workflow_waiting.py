"""Workflow: start a sync and wait for its end in one call — through the SDK client (in-memory, the installed
console script over stdio, and HTTP with --sse for progress) against the standalone sandbox, counting what
reaches it.

The shared sandbox finishes a sync 0.5 s after it starts, so the first poll (after 1 s) already sees the end;
the slow sandbox's syncs run for minutes, for the waits that are cut short.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client

from posthog_external_data_mcp.sandbox import demo
from posthog_external_data_mcp.server.settings import Settings
from posthog_external_data_mcp.wiring import server_for
from tests.conftest import Connect
from tests.server.test_http_console_script import http_client
from tests.server.test_stdio_console_script import sandbox_env, stdio_server
from tests.support.processes import RunningSandbox, http_server_process, sandbox_process

pytestmark = pytest.mark.anyio

ORDERS = demo.POSTGRES_ORDERS_ID
DEALS = demo.HUBSPOT_DEALS_ID  # every sync fails: HubSpot refuses the missing scopes


@pytest.fixture(scope="module")
def slow_sandbox() -> Iterator[RunningSandbox]:
    with sandbox_process("--sync-seconds", "600") as running:
        yield running


@pytest.fixture
def slow(slow_sandbox: RunningSandbox) -> RunningSandbox:
    slow_sandbox.reset()
    return slow_sandbox


def schema_requests(sandbox: RunningSandbox) -> list[tuple[str, str]]:
    """(method, last path part) of each schema request (the server's one look at its key's scopes left out)."""
    return [
        (str(request["method"]), str(request["path"]).rstrip("/").rsplit("/", 1)[-1])
        for request in sandbox.requests()
        if "/external_data_schemas/" in str(request["path"])
    ]


def ok(result: Any) -> dict[str, Any]:
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_reload_with_wait_seconds_ends_completed_in_one_call(
    connect: Connect, sandbox: RunningSandbox, mode: str
) -> None:
    async with connect(mode=mode) as client:
        answer = ok(await client.call_tool("external-data-schemas-reload", {"id": ORDERS, "wait_seconds": 20}))
    assert answer["status"] == "Completed" and answer["rows"] > 0
    assert 1 <= answer["waited_seconds"] < 3
    # One POST, then one GET per poll: the first poll, 1 s in, already sees the 0.5 s sync finished.
    assert schema_requests(sandbox) == [("POST", "reload"), ("GET", ORDERS)]


async def test_a_failed_run_returns_its_error_and_error_log_lines_in_the_same_result(
    connect: Connect, sandbox: RunningSandbox
) -> None:
    async with connect() as client:
        result = await client.call_tool("external-data-schemas-reload", {"id": DEALS, "wait_seconds": 20})
    answer = ok(result)
    assert answer["status"] == "Failed"
    assert "HubSpot" in answer["latest_error"]
    assert any("required scopes" in line for line in answer["error_logs"])
    assert "Reconnect HubSpot" in answer["next_step"]  # the classified cause's fix
    assert schema_requests(sandbox) == [("POST", "reload"), ("GET", DEALS), ("GET", "logs")]
    assert next(request for request in sandbox.requests() if "logs" in str(request["path"]))["query"] == (
        "level=ERROR&limit=5"
    )


async def test_when_time_is_up_the_answer_is_running_with_when_to_poll_next(slow: RunningSandbox) -> None:
    async with client_for(slow) as client:
        result = await client.call_tool("external-data-schemas-reload", {"id": ORDERS, "wait_seconds": 3})
    answer = ok(result)
    assert (answer["status"], answer["next_poll_after_seconds"]) == ("Running", 3)
    assert "still Running after" in result.content[0].text  # type: ignore[union-attr]
    assert schema_requests(slow) == [("POST", "reload"), ("GET", ORDERS), ("GET", ORDERS)]  # at 1 s and 3 s


def client_for(sandbox: RunningSandbox, mode: str = "auto") -> Client:
    """An in-memory client to a server against `sandbox` (the `connect` fixture's, for another sandbox)."""
    return Client(server_for(Settings(api_key=demo.KEY_ALL, posthog_host=sandbox.url)), mode=mode)  # type: ignore[arg-type]


async def wait_for_first_poll(sandbox: RunningSandbox) -> None:
    deadline = time.monotonic() + 10
    while ("GET", ORDERS) not in schema_requests(sandbox):
        assert time.monotonic() < deadline, "the waiting call never polled"
        await anyio.sleep(0.05)


async def cancel_after_first_poll(client: Client, sandbox: RunningSandbox) -> int:
    """Starts a long wait, cancels it once it has polled, and returns how many requests had been sent."""
    async with anyio.create_task_group() as group:

        async def waiting_call() -> None:
            await client.call_tool("external-data-schemas-reload", {"id": ORDERS, "wait_seconds": 40})

        group.start_soon(waiting_call)
        await wait_for_first_poll(sandbox)
        group.cancel_scope.cancel()
    return len(schema_requests(sandbox))


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_cancelling_a_waiting_call_stops_its_polling(slow: RunningSandbox, mode: str) -> None:
    async with client_for(slow, mode) as client:
        sent = await cancel_after_first_poll(client, slow)
        # The next poll was due 2 s after the first: nothing may arrive, not then and not later.
        await anyio.sleep(3)
        assert len(schema_requests(slow)) == sent == 2
        # The session still works after the cancel.
        assert ok(await client.call_tool("external-data-schemas-retrieve", {"id": ORDERS}))["status"] == "Running"


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_cancelling_a_waiting_call_over_stdio_stops_its_polling(slow: RunningSandbox, mode: str) -> None:
    async with stdio_server(sandbox_env(slow), mode=mode) as (client, _):
        sent = await cancel_after_first_poll(client, slow)
        await anyio.sleep(3)
        assert len(schema_requests(slow)) == sent == 2


async def test_progress_is_streamed_over_http_with_sse(sandbox: RunningSandbox) -> None:
    seen: list[tuple[float, float | None, str | None]] = []

    async def progress(done: float, total: float | None, message: str | None) -> None:
        seen.append((done, total, message))

    env = {"POSTHOG_PERSONAL_API_KEY": demo.KEY_ALL, "POSTHOG_HOST": sandbox.url}
    with http_server_process(["--sse"], env) as server:
        async with http_client(server.url) as client:
            result = await client.call_tool(
                "external-data-schemas-reload", {"id": ORDERS, "wait_seconds": 20}, progress_callback=progress
            )
    assert ok(result)["status"] == "Completed"
    assert [(total, message) for _, total, message in seen] == [(20, "Completed after 1 s")]
    assert schema_requests(sandbox) == [("POST", "reload"), ("GET", ORDERS)]


async def test_a_source_side_failure_diagnosed_fixed_at_the_source_re_enabled_and_confirmed(
    connect: Connect, sandbox: RunningSandbox
) -> None:
    """The EU Stripe key expired: the waiting reload says so and how to fix it; once the user has reconnected the
    source (outside the API), re-enabling warns what it depends on and a second waiting reload confirms it."""
    table = demo.STRIPE_EU_BALANCE_TRANSACTIONS_ID
    async with connect() as client:
        failed = ok(await client.call_tool("external-data-schemas-reload", {"id": table, "wait_seconds": 20}))
        httpx2.post(f"{sandbox.url}/_sandbox/sources/{demo.STRIPE_EU_SOURCE_ID}/reconnect").raise_for_status()
        enabled = ok(await client.call_tool("external-data-schemas-partial-update", {"id": table, "should_sync": True}))
        confirmed = ok(await client.call_tool("external-data-schemas-reload", {"id": table, "wait_seconds": 20}))
    assert failed["status"] == "Failed" and "expired" in failed["latest_error"]
    assert failed["next_step"].startswith("Stripe key expired: Create a new Stripe API key and reconnect")
    assert failed["error_logs"]
    assert enabled["should_sync"] is True and enabled["warnings"][0].startswith("It last failed: Stripe key expired.")
    assert confirmed["status"] == "Completed" and "latest_error" not in confirmed
    assert schema_requests(sandbox) == [
        ("POST", "reload"),
        ("GET", table),
        ("GET", "logs"),
        ("GET", table),  # enabling: its effect depends on the stored config
        ("PATCH", table),
        ("POST", "reload"),
        ("GET", table),
    ]
