"""Retries end to end: the MCP server against sandboxes that inject 429s, 5xx and dropped connections.

The sandbox logs every request it received (faulted ones included), so each test checks exactly how many
requests one tool call cost — and that a POST action is never repeated unless PostHog provably did not act.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import pytest
from mcp import Client

from posthog_external_data_mcp.posthog_client import RetryPolicy
from posthog_external_data_mcp.sandbox import demo
from posthog_external_data_mcp.server.failures import ERROR_META_KEY
from posthog_external_data_mcp.server.settings import Settings
from posthog_external_data_mcp.wiring import server_for
from tests.support.processes import RunningSandbox, sandbox_process

pytestmark = pytest.mark.anyio

ORDERS = demo.POSTGRES_ORDERS_ID
NO_RATE_LIMIT = ("--rate-limit-per-minute", "0", "--rate-limit-per-hour", "0")


@pytest.fixture(scope="module")
def always_throttled() -> Iterator[RunningSandbox]:
    with sandbox_process("--fault-429-rate", "1", "--retry-after-seconds", "1", *NO_RATE_LIMIT) as running:
        yield running


@pytest.fixture(scope="module")
def sometimes_throttled() -> Iterator[RunningSandbox]:
    with sandbox_process(
        "--fault-429-rate", "0.4", "--retry-after-seconds", "0", "--seed", "7", *NO_RATE_LIMIT
    ) as running:
        yield running


@pytest.fixture(scope="module")
def failing_upstream() -> Iterator[RunningSandbox]:
    with sandbox_process("--fault-5xx-rate", "1", "--seed", "3", *NO_RATE_LIMIT) as running:
        yield running


@pytest.fixture(scope="module")
def dropping_connections() -> Iterator[RunningSandbox]:
    with sandbox_process("--fault-drop-rate", "1", *NO_RATE_LIMIT) as running:
        yield running


@asynccontextmanager
async def client_for(sandbox: RunningSandbox) -> AsyncIterator[Client]:
    sandbox.reset()
    # A 2.5 s call budget: room for three attempts 1 s apart (Retry-After: 1), then the budget stops the retries.
    settings = Settings(api_key=demo.KEY_ALL, posthog_host=sandbox.url, timeout_seconds=2.5)
    async with Client(server_for(settings)) as client:
        yield client


async def test_a_429_is_retried_after_retry_after_then_reported_with_attempts(always_throttled: RunningSandbox) -> None:
    async with client_for(always_throttled) as client:
        result = await client.call_tool("external-data-schemas-list", {})
    error = result.meta[ERROR_META_KEY]  # type: ignore[index]
    assert result.is_error and error["kind"] == "rate_limited"
    assert (error["status"], error["retry_after"], error["attempts"]) == (429, 1, 3)
    assert "retried 2 time(s)" in error["hint"] and "Wait 1 s" in error["hint"]
    assert [request["status"] for request in always_throttled.requests()] == [429, 429, 429]


async def test_a_resync_is_retried_after_a_429_because_posthog_did_not_act(always_throttled: RunningSandbox) -> None:
    async with client_for(always_throttled) as client:
        await client.call_tool("external-data-schemas-resync", {"id": ORDERS})
    assert [request["method"] for request in always_throttled.requests()] == ["POST", "POST", "POST"]


async def test_transient_429s_are_absorbed(sometimes_throttled: RunningSandbox) -> None:
    async with client_for(sometimes_throttled) as client:
        results = [await client.call_tool("external-data-schemas-retrieve", {"id": ORDERS}) for _ in range(8)]
    statuses = [request["status"] for request in sometimes_throttled.requests()]
    assert 429 in statuses  # the fault fired
    assert sum(not result.is_error for result in results) == statuses.count(200) >= 6


async def test_5xx_are_retried_for_reads_within_the_budget_and_a_500_a_few_times(
    failing_upstream: RunningSandbox,
) -> None:
    async with client_for(failing_upstream) as client:
        result = await client.call_tool("external-data-schemas-retrieve", {"id": ORDERS})
    statuses = [request["status"] for request in failing_upstream.requests()]
    assert result.is_error
    assert result.meta[ERROR_META_KEY]["status"] == statuses[-1]  # type: ignore[index]
    assert result.meta[ERROR_META_KEY]["attempts"] == len(statuses) > 2  # type: ignore[index]
    assert set(statuses) <= {500, 502, 503} and statuses.count(500) <= 1 + RetryPolicy().max_server_error_retries


@pytest.mark.parametrize(
    "tool", ["external-data-schemas-resync", "external-data-schemas-reload", "external-data-schemas-cancel"]
)
async def test_post_actions_are_sent_once_whatever_the_5xx(failing_upstream: RunningSandbox, tool: str) -> None:
    async with client_for(failing_upstream) as client:
        result = await client.call_tool(tool, {"id": ORDERS})
    assert result.is_error and result.meta[ERROR_META_KEY]["kind"] == "upstream_error"  # type: ignore[index]
    assert len(failing_upstream.requests()) == 1


async def test_a_dropped_read_is_retried(dropping_connections: RunningSandbox) -> None:
    async with client_for(dropping_connections) as client:
        result = await client.call_tool("external-data-schemas-retrieve", {"id": ORDERS})
    assert result.is_error and result.meta[ERROR_META_KEY]["kind"] == "connection_failed"  # type: ignore[index]
    assert result.meta[ERROR_META_KEY]["attempts"] == len(dropping_connections.requests()) > 2  # type: ignore[index]


async def test_a_dropped_resync_is_never_sent_twice(dropping_connections: RunningSandbox) -> None:
    async with client_for(dropping_connections) as client:
        result = await client.call_tool("external-data-schemas-resync", {"id": ORDERS})
    error = result.meta[ERROR_META_KEY]  # type: ignore[index]
    assert result.is_error and error["kind"] == "connection_failed" and error["attempts"] == 1
    assert len(dropping_connections.requests()) == 1
