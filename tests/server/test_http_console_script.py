"""Streamable HTTP: the installed console script on loopback, the SDK's HTTP client in both protocol eras.

Covers who pays for each request (passthrough vs server key vs shared secret), per-request isolation under
concurrency, header narrowing, Host/Origin protection, the 401 answer, and a multi-worker run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from posthog_external_data_mcp.sandbox import demo
from tests.support.processes import RunningSandbox, RunningServer, http_server_process

pytestmark = pytest.mark.anyio

ORDERS = demo.POSTGRES_ORDERS_ID
PROJECT_1_NAMES = {"orders", "Charge", "deals"}
PROJECT_2_NAMES = {"Refund", "Payout", "Dispute"}
# How the sandbox's request log names each demo key (it never logs keys themselves).
ALL, READ, PROJECT2 = "Sandbox all access", "Sandbox read only", "Sandbox project 2 only"


@asynccontextmanager
async def http_client(url: str, headers: dict[str, str] | None = None, mode: str = "auto") -> AsyncIterator[Client]:
    async with httpx2.AsyncClient(headers=headers or {}, timeout=30) as http:
        async with Client(streamable_http_client(url, http_client=http), mode=mode) as client:  # type: ignore[arg-type]
            yield client


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def passthrough_server(shared_sandbox: RunningSandbox) -> Iterator[RunningServer]:
    """No server key: every request must bring its own phx_ key. One process serves the module's tests, as one
    deployment serves many callers (a test's `sandbox` fixture still resets the demo data and the request log)."""
    with http_server_process([], {"POSTHOG_HOST": shared_sandbox.url}) as server:
        yield server


async def names_listed(client: Client, **arguments: Any) -> set[str]:
    result = await client.call_tool("external-data-schemas-list", arguments)
    assert not result.is_error, result.content
    return {item["name"] for item in result.structured_content["results"]}  # type: ignore[index]


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_passthrough_uses_each_requests_own_key_in_both_eras(
    passthrough_server: RunningServer, sandbox: RunningSandbox, mode: str
) -> None:
    async with http_client(passthrough_server.url, bearer(demo.KEY_ALL), mode=mode) as client:
        assert len((await client.list_tools()).tools) == 13
        assert PROJECT_1_NAMES <= await names_listed(client)
        reloaded = await client.call_tool("external-data-schemas-reload", {"id": ORDERS})
    assert not reloaded.is_error
    assert {request["key_label"] for request in sandbox.requests()} == {ALL}


async def test_two_callers_with_different_keys_never_see_each_others_projects(
    passthrough_server: RunningServer,
) -> None:
    seen: dict[str, list[set[str]]] = {"project1": [], "project2": []}

    async def caller(label: str, headers: dict[str, str]) -> None:
        async with http_client(passthrough_server.url, headers) as client:
            for _ in range(15):
                seen[label].append(await names_listed(client))

    async with anyio.create_task_group() as group:
        for _ in range(3):
            group.start_soon(caller, "project1", bearer(demo.KEY_ALL))
            group.start_soon(caller, "project2", {**bearer(demo.KEY_PROJECT2), "x-posthog-project-id": "2"})
    assert len(seen["project1"]) == len(seen["project2"]) == 45
    assert all(PROJECT_1_NAMES <= names and not names & PROJECT_2_NAMES for names in seen["project1"])
    assert all(PROJECT_2_NAMES <= names and not names & PROJECT_1_NAMES for names in seen["project2"])


async def test_a_request_without_a_key_gets_401_with_www_authenticate(passthrough_server: RunningServer) -> None:
    response = httpx2.post(
        passthrough_server.url,
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={"Accept": "application/json, text/event-stream"},
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer ")
    assert response.json()["error"] == "invalid_token"


async def test_health_answers_without_auth(passthrough_server: RunningServer) -> None:
    response = httpx2.get(passthrough_server.url.removesuffix("/mcp") + "/health")
    assert response.status_code == 200 and response.json()["status"] == "ok"


async def test_a_foreign_origin_is_refused_with_403(passthrough_server: RunningServer) -> None:
    response = httpx2.post(
        passthrough_server.url,
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={
            **bearer(demo.KEY_ALL),
            "Origin": "http://evil.example",
            "Accept": "application/json, text/event-stream",
        },
    )
    assert response.status_code == 403


async def test_a_foreign_host_is_refused(passthrough_server: RunningServer) -> None:
    response = httpx2.post(
        passthrough_server.url,
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={**bearer(demo.KEY_ALL), "Host": "attacker.example", "Accept": "application/json, text/event-stream"},
    )
    assert response.status_code == 421


async def test_readonly_header_hides_and_refuses_write_tools(
    passthrough_server: RunningServer, sandbox: RunningSandbox
) -> None:
    async with http_client(passthrough_server.url, {**bearer(demo.KEY_ALL), "x-posthog-readonly": "true"}) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        with pytest.raises(MCPError, match="Unknown tool"):
            await client.call_tool("external-data-schemas-destroy", {"id": ORDERS})
    assert names == {
        "external-data-schemas-list",
        "external-data-schemas-retrieve",
        "external-data-schemas-incremental-fields-create",
        "external-data-schemas-logs",
        "external-data-sources-list",
        "external-data-schemas-health",
    }
    assert sandbox.requests() == []


async def test_project_header_pins_the_project_and_refuses_others(
    passthrough_server: RunningServer, sandbox: RunningSandbox
) -> None:
    async with http_client(passthrough_server.url, {**bearer(demo.KEY_ALL), "x-posthog-project-id": "2"}) as client:
        assert PROJECT_2_NAMES <= await names_listed(client)
        refused = await client.call_tool("external-data-schemas-list", {"project_id": 1})
    assert refused.is_error and "pinned to project 2" in refused.content[0].text  # type: ignore[union-attr]
    assert [request["path"] for request in sandbox.requests()] == ["/api/projects/2/external_data_schemas/"]


async def test_a_malformed_project_header_is_a_400(passthrough_server: RunningServer) -> None:
    response = httpx2.post(
        passthrough_server.url,
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={
            **bearer(demo.KEY_ALL),
            "x-posthog-project-id": "../2",
            "Accept": "application/json, text/event-stream",
        },
    )
    assert response.status_code == 400


async def test_server_key_on_loopback_serves_clients_without_a_bearer(sandbox: RunningSandbox) -> None:
    with http_server_process([], {"POSTHOG_HOST": sandbox.url, "POSTHOG_PERSONAL_API_KEY": demo.KEY_READ}) as server:
        async with http_client(server.url, mode="legacy") as client:
            assert PROJECT_1_NAMES <= await names_listed(client)
        # A caller's own key still wins over the server's.
        async with http_client(server.url, bearer(demo.KEY_PROJECT2)) as client:
            await client.call_tool("external-data-schemas-list", {"project_id": 2})
        log = server.stderr_so_far()
    assert [request["key_label"] for request in sandbox.requests()] == [READ, PROJECT2]
    assert "auth=server-key" in log and "auth=passthrough" in log
    # One line per request, carrying the tool call's own fields.
    call_lines = [line for line in log.splitlines() if "tool=external-data-schemas-list" in line]
    assert len(call_lines) == 2 and all("http POST /mcp status=200" in line for line in call_lines)
    assert "outcome=ok upstream_status=200 attempts=1" in call_lines[0]
    assert demo.KEY_READ not in log and demo.KEY_PROJECT2 not in log


async def test_shared_secret_gates_the_server_key(sandbox: RunningSandbox) -> None:
    env = {"POSTHOG_HOST": sandbox.url, "POSTHOG_PERSONAL_API_KEY": demo.KEY_ALL, "MCP_AUTH_TOKEN": "team-secret-123"}
    with http_server_process([], env) as server:
        wrong = httpx2.post(
            server.url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, headers=bearer("nope")
        )
        assert wrong.status_code == 401
        async with http_client(server.url, bearer("team-secret-123")) as client:
            assert PROJECT_1_NAMES <= await names_listed(client)


async def test_passthrough_mode_never_uses_the_server_key(sandbox: RunningSandbox) -> None:
    env = {"POSTHOG_HOST": sandbox.url, "POSTHOG_PERSONAL_API_KEY": demo.KEY_ALL}
    with http_server_process(["--auth", "passthrough"], env) as server:
        response = httpx2.post(server.url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
        assert response.status_code == 401
        async with http_client(server.url, bearer(demo.KEY_READ)) as client:
            assert PROJECT_1_NAMES <= await names_listed(client)
    assert [request["key_label"] for request in sandbox.requests()] == [READ]


async def test_two_workers_serve_concurrent_callers_without_errors(sandbox: RunningSandbox) -> None:
    with http_server_process(["--workers", "2"], {"POSTHOG_HOST": sandbox.url}) as server:
        failures: list[str] = []

        async def caller(key: str, project: str, expected: set[str]) -> None:
            headers = {**bearer(key), "x-posthog-project-id": project}
            async with http_client(server.url, headers) as client:
                for _ in range(10):
                    names = await names_listed(client)
                    if not expected <= names:
                        failures.append(f"{key} saw {names}")

        async with anyio.create_task_group() as group:
            for _ in range(4):
                group.start_soon(caller, demo.KEY_ALL, "1", PROJECT_1_NAMES)
                group.start_soon(caller, demo.KEY_PROJECT2, "2", PROJECT_2_NAMES)
        log = server.stderr_so_far()
    assert failures == []
    assert "2 worker(s)" in log
    assert len(sandbox.requests()) == 80
