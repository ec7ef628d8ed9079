"""The waiting loop on its own clock: its backoff, its bounds and what it returns, in no real time.

One fake time drives both the server's waiting loop and the sandbox's sync lifecycle (its ManualClock), so a 50 s
wait runs instantly and the polls land exactly where the backoff puts them.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client
from mcp.types import CallToolResult

from posthog_external_data_mcp.sandbox import ManualClock, SandboxConfig, create_app, demo
from posthog_external_data_mcp.server.app import build_server
from posthog_external_data_mcp.server.settings import Settings
from posthog_external_data_mcp.server.upstream import Upstream
from posthog_external_data_mcp.server.waiting import Clock
from tests.support.upstream import ScriptedUpstream

pytestmark = pytest.mark.anyio

ORDERS = demo.POSTGRES_ORDERS_ID
DEALS = demo.HUBSPOT_DEALS_ID  # every sync fails
SANDBOX = "http://sandbox.test"


class SharedTime:
    """Fake seconds for the server and the sandbox together: a sleep of the waiting loop moves both."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sandbox = ManualClock()
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        self.sandbox.advance(seconds)
        await anyio.lowlevel.checkpoint()

    @property
    def clock(self) -> Clock:
        return Clock(monotonic=self.monotonic, sleep=self.sleep)


class Sandboxed:
    def __init__(self, client: Client, transport: httpx2.ASGITransport) -> None:
        self.client = client
        self.transport = transport

    async def requests(self) -> list[dict[str, Any]]:
        """The schema requests the sandbox got (the server's one look at its key's scopes left out)."""
        async with httpx2.AsyncClient(transport=self.transport, base_url=SANDBOX) as http:
            logged = (await http.get("/_sandbox/requests")).json()
        return [request for request in logged if "/external_data_schemas/" in request["path"]]


@asynccontextmanager
async def sandboxed(time: SharedTime, sync_seconds: float, **settings: Any) -> AsyncIterator[Sandboxed]:
    transport = httpx2.ASGITransport(app=create_app(SandboxConfig(sync_seconds=sync_seconds), clock=time.sandbox))
    server = build_server(Settings(**settings), Upstream(SANDBOX, demo.KEY_ALL, transport), clock=time.clock)
    async with Client(server) as client:
        yield Sandboxed(client, transport)


def structured(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


def polls(requests: list[dict[str, Any]]) -> int:
    return sum(request["method"] == "GET" and request["path"].endswith(f"/{ORDERS}/") for request in requests)


async def test_the_backoff_goes_from_1_to_5_seconds_and_time_up_is_an_answer_not_an_error() -> None:
    time = SharedTime()
    async with sandboxed(time, sync_seconds=3600) as box:
        result = await box.client.call_tool("external-data-schemas-reload", {"id": ORDERS, "wait_seconds": 50})
        requests = await box.requests()
    answer = structured(result)
    assert time.sleeps == [1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 5, 5]  # never faster than 1 s, never slower than 5 s
    assert (answer["status"], answer["next_poll_after_seconds"], answer["waited_seconds"]) == ("Running", 5, 50)
    assert [request["method"] for request in requests] == ["POST"] + ["GET"] * 12
    assert polls(requests) == 12


async def test_the_calls_time_budget_bounds_the_wait() -> None:
    time = SharedTime()
    # 20 s per call, 5 of them kept for the last answers: the polls stop at 15 s although 50 were asked for.
    async with sandboxed(time, sync_seconds=3600, timeout_seconds=20) as box:
        result = await box.client.call_tool("external-data-schemas-reload", {"id": ORDERS, "wait_seconds": 50})
        requests = await box.requests()
    assert time.sleeps == [1, 2, 3, 4, 5]
    assert structured(result)["status"] == "Running"
    assert polls(requests) == 5


async def test_the_wait_ends_at_the_first_poll_that_sees_the_sync_finished() -> None:
    time = SharedTime()
    async with sandboxed(time, sync_seconds=4) as box:
        result = await box.client.call_tool("external-data-schemas-reload", {"id": ORDERS, "wait_seconds": 50})
        requests = await box.requests()
    answer = structured(result)
    assert time.sleeps == [1, 2, 3]  # Running at 1 s and 3 s, Completed at 6 s
    assert answer["status"] == "Completed" and answer["rows"] > 0 and "next_poll_after_seconds" not in answer
    assert "Completed after 6 s (3 polls)" in result.content[0].text  # type: ignore[union-attr]
    assert polls(requests) == 3


async def test_without_wait_seconds_nothing_is_polled() -> None:
    time = SharedTime()
    async with sandboxed(time, sync_seconds=4) as box:
        reload = await box.client.call_tool("external-data-schemas-reload", {"id": ORDERS})
        retrieve = await box.client.call_tool("external-data-schemas-retrieve", {"id": ORDERS})
        requests = await box.requests()
    assert time.sleeps == []
    assert structured(reload)["status"] == "Running" and "wait_seconds" in structured(reload)["next_step"]
    assert structured(retrieve)["status"] == "Running" and "waited_seconds" not in structured(retrieve)
    assert [request["method"] for request in requests] == ["POST", "GET"]


async def test_retrieve_waits_only_while_the_schema_is_running() -> None:
    time = SharedTime()
    async with sandboxed(time, sync_seconds=2) as box:
        settled = await box.client.call_tool("external-data-schemas-retrieve", {"id": ORDERS, "wait_seconds": 30})
        assert time.sleeps == []  # Completed already: no poll
        await box.client.call_tool("external-data-schemas-reload", {"id": ORDERS})
        waited = await box.client.call_tool("external-data-schemas-retrieve", {"id": ORDERS, "wait_seconds": 30})
        requests = await box.requests()
    assert structured(settled)["status"] == "Completed"
    assert time.sleeps == [1, 2]
    assert structured(waited)["status"] == "Completed" and structured(waited)["id"] == ORDERS
    assert [request["method"] for request in requests] == ["GET", "POST", "GET", "GET", "GET"]


async def test_a_failed_run_returns_its_error_and_the_newest_runs_error_log_lines() -> None:
    time = SharedTime()
    async with sandboxed(time, sync_seconds=2) as box:
        result = await box.client.call_tool("external-data-schemas-reload", {"id": DEALS, "wait_seconds": 30})
        requests = await box.requests()
    answer = structured(result)
    assert answer["status"] == "Failed"
    assert "HubSpot" in answer["latest_error"]
    # Only this run's lines (the sandbox's clock starts at 12:00:00), none of the earlier failed runs'.
    assert answer["error_logs"] and all(line.startswith("2026-11-27T12:00:0") for line in answer["error_logs"])
    assert any("required scopes" in line for line in answer["error_logs"])
    logs = requests[-1]
    assert (logs["method"], logs["path"].rsplit("/", 2)[-2], logs["query"]) == ("GET", "logs", "level=ERROR&limit=5")
    assert len(requests) == 1 + 2 + 1  # the reload, two polls, the error lines
    assert "ERROR log lines" in result.content[0].text  # type: ignore[union-attr]


async def test_progress_is_reported_at_every_poll() -> None:
    time = SharedTime()
    seen: list[tuple[float, float | None, str | None]] = []

    async def progress(done: float, total: float | None, message: str | None) -> None:
        seen.append((done, total, message))

    async with sandboxed(time, sync_seconds=4) as box:
        await box.client.call_tool(
            "external-data-schemas-reload", {"id": ORDERS, "wait_seconds": 20}, progress_callback=progress
        )
    assert seen == [(1, 20, "Running after 1 s"), (3, 20, "Running after 3 s"), (6, 20, "Completed after 6 s")]


async def test_a_poll_that_fails_ends_the_wait_without_turning_the_reload_into_an_error() -> None:
    time = SharedTime()
    gone = httpx2.Response(
        404, json={"type": "invalid_request", "code": "not_found", "detail": "Not found.", "attr": None}
    )
    upstream = ScriptedUpstream(httpx2.Response(200), gone)
    server = build_server(
        Settings(), Upstream("https://us.posthog.com", "phx_test", httpx2.MockTransport(upstream)), clock=time.clock
    )
    async with Client(server) as client:
        result = await client.call_tool("external-data-schemas-reload", {"id": ORDERS, "wait_seconds": 10})
    answer = structured(result)
    assert answer["http_status"] == 200 and answer["status"] == "Running"
    assert "Polling stopped" in json.dumps(answer)
    sent = [request.method for request in upstream.requests if "/external_data_schemas/" in request.url.path]
    assert sent == ["POST", "GET"]  # a 404 is not retried
