"""Over HTTP nothing runs for a caller who left, and a stop drains: the installed console script against a
standalone sandbox that answers every API request late (`--latency-ms`).

The sandbox's access log (`--access-log`: uvicorn's, on stdout) prints a line when it writes an answer; uvicorn writes
none to a client that has hung up. So a request our server abandoned leaves no line there, and one it waited
for does.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections.abc import Iterator

import httpx2
import pytest

from posthog_external_data_mcp.sandbox import demo
from tests.support.processes import RunningSandbox, RunningServer, http_server_process, sandbox_process, stop

pytestmark = pytest.mark.anyio

LATENCY_S = 1.5
RETRIEVE_PATH = f"/external_data_schemas/{demo.POSTGRES_ORDERS_ID}/"  # under /api/projects/@current/
META = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientInfo": {"name": "cancellation-test", "version": "1"},
    "io.modelcontextprotocol/clientCapabilities": {},
}


@pytest.fixture
def slow_sandbox() -> Iterator[RunningSandbox]:
    # Unbuffered: the access lines must survive the sandbox being stopped by a signal.
    flags = ("--latency-ms", str(LATENCY_S * 1000), "--access-log")
    with sandbox_process(*flags, env={"PYTHONUNBUFFERED": "1"}) as running:
        yield running


@pytest.fixture
def server(slow_sandbox: RunningSandbox) -> Iterator[RunningServer]:
    with http_server_process(["--log-level", "info"], {"POSTHOG_HOST": slow_sandbox.url}) as running:
        yield running


def retrieve_request(url: str) -> bytes:
    """One raw HTTP/1.1 tools/call POST (2026-07-28 envelope), as bytes, for a socket we can hang up on."""
    message = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {
            "name": "external-data-schemas-retrieve",
            "arguments": {"id": demo.POSTGRES_ORDERS_ID},
            "_meta": META,
        },
    }
    body = json.dumps(message).encode()
    host = url.split("//", 1)[1].split("/", 1)[0]
    head = (
        f"POST /mcp HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        "Accept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2026-07-28\r\n"
        "Mcp-Method: tools/call\r\nMcp-Name: external-data-schemas-retrieve\r\n"
        f"Authorization: Bearer {demo.KEY_ALL}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def split_request(url: str) -> tuple[dict[str, str], bytes]:
    head, body = retrieve_request(url).split(b"\r\n\r\n", 1)
    return dict(line.split(": ", 1) for line in head.decode().split("\r\n")[1:]), body


def sandbox_answers(sandbox: RunningSandbox) -> list[str]:
    """The sandbox's access lines for the retrieve path, once it has stopped (its stdout is then complete)."""
    stop(sandbox.process)
    assert sandbox.process.stdout is not None
    return [line for line in sandbox.process.stdout.read().splitlines() if RETRIEVE_PATH in line]


async def test_a_client_that_hangs_up_has_its_upstream_request_abandoned(
    server: RunningServer, slow_sandbox: RunningSandbox
) -> None:
    host, port = server.url.split("//", 1)[1].split("/", 1)[0].split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(retrieve_request(server.url))
    await writer.drain()
    await asyncio.sleep(0.3)  # the call is now waiting for the sandbox (1.5 s)
    writer.close()
    await writer.wait_closed()
    await asyncio.sleep(LATENCY_S + 0.5)  # long past the moment the sandbox would have answered

    # The sandbox never wrote its answer: the connection it would have gone to was closed by our server.
    assert sandbox_answers(slow_sandbox) == []
    # Our server stopped the call when the client left, not when the sandbox would have answered.
    lines = [line for line in server.stderr_so_far().splitlines() if "http POST /mcp" in line]
    assert len(lines) == 1 and "status=- " in lines[0] and "disconnected" in lines[0], lines
    duration_ms = float(lines[0].split("duration_ms=", 1)[1].split()[0])
    assert duration_ms < 300 + 500, f"the call ran on for {duration_ms} ms after the client left"
    assert "tool=" not in lines[0]  # the tool never finished, so there is no outcome to report
    del reader


async def test_a_client_that_waits_gets_its_answer_and_the_sandbox_answered_once(
    server: RunningServer, slow_sandbox: RunningSandbox
) -> None:
    headers, body = split_request(server.url)
    async with httpx2.AsyncClient(timeout=10) as http:
        response = await http.post(server.url, content=body, headers=headers)
    assert response.status_code == 200
    result = response.json()["result"]
    assert not result.get("isError") and result["structuredContent"]["id"] == demo.POSTGRES_ORDERS_ID
    assert len(sandbox_answers(slow_sandbox)) == 1


async def test_sigterm_lets_the_call_in_flight_finish_refuses_new_ones_and_exits_0(
    slow_sandbox: RunningSandbox,
) -> None:
    with http_server_process([], {"POSTHOG_HOST": slow_sandbox.url}) as server:
        headers, body = split_request(server.url)
        async with httpx2.AsyncClient(timeout=10) as http:
            in_flight = asyncio.ensure_future(http.post(server.url, content=body, headers=headers))
            await asyncio.sleep(0.4)  # the call now waits for the sandbox
            server.process.send_signal(signal.SIGTERM)
            await asyncio.sleep(0.3)
            with pytest.raises(httpx2.ConnectError):  # the listening socket is closed: newcomers are refused
                async with httpx2.AsyncClient(timeout=2) as newcomer:
                    await newcomer.get(server.url.replace("/mcp", "/health"))
            response = await in_flight
        answered_at = time.monotonic()
        exit_code = server.process.wait(timeout=10)
        exited_after = time.monotonic() - answered_at

    assert response.status_code == 200 and not response.json()["result"].get("isError")
    assert exit_code == 0
    assert exited_after < 3
