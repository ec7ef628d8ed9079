"""Hostile HTTP requests against `posthog-external-data-mcp --transport http --sandbox --auth passthrough`.

Each is answered with a 4xx (bounded, no traceback), and afterwards the server is healthy: GET /health answers
and a real tool call through the SDK's client works. Requests whose shape an HTTP client library would fix up
(dot segments, bad framing) are written to the socket as raw bytes.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from contextlib import suppress
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from posthog_external_data_mcp.sandbox import demo
from tests.reliability.support import TRACEBACK
from tests.support.processes import RunningServer, http_server_process

PROTOCOL = "2025-11-25"
KEY = demo.KEY_ALL
HEADERS = {
    "Content-Type": "application/json",
    "Accept": "application/json, text/event-stream",
    "MCP-Protocol-Version": PROTOCOL,
    "Authorization": f"Bearer {KEY}",
}
TOOLS_LIST = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
MAX_REFUSAL_BYTES = 4096


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with http_server_process(["--sandbox", "--auth", "passthrough"], {}) as running:
        yield running


def without(name: str) -> dict[str, str]:
    return {key: value for key, value in HEADERS.items() if key != name}


def post(body: bytes | Any, headers: dict[str, str] | None = None) -> Callable[[httpx2.Client], httpx2.Response]:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return lambda http: http.post("/mcp", content=content, headers=headers or HEADERS)


def method(name: str) -> Callable[[httpx2.Client], httpx2.Response]:
    return lambda http: http.request(name, "/mcp", content=json.dumps(TOOLS_LIST), headers=HEADERS)


HOSTILE: dict[str, Callable[[httpx2.Client], httpx2.Response]] = {
    "malformed JSON": post(b'{"jsonrpc": "2.0", "id": 1, "method": '),
    "not UTF-8": post(b'{"jsonrpc":"2.0","id":1,"method":"\xff\xfe"}'),
    "nesting 100,000 deep": post(b'{"jsonrpc":"2.0","id":1,"method":"tools/list","params":' + b"[" * 100_000),
    "a JSON string": post("tools/list"),
    "JSON-RPC 1.0": post({"jsonrpc": "1.0", "id": 1, "method": "tools/list"}),
    "no method": post({"jsonrpc": "2.0", "id": 1}),
    "a batch": post([TOOLS_LIST, {**TOOLS_LIST, "id": 2}]),
    "an empty batch": post([]),
    "a 20 MB body": post(b'{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"x":"' + b"a" * 20_000_000 + b'"}}'),
    "text/plain": post(TOOLS_LIST, {**HEADERS, "Content-Type": "text/plain"}),
    "form-encoded": post(
        b"jsonrpc=2.0&method=tools/list", {**HEADERS, "Content-Type": "application/x-www-form-urlencoded"}
    ),
    "no content type": post(TOOLS_LIST, without("Content-Type")),
    "accepts only HTML": post(TOOLS_LIST, {**HEADERS, "Accept": "text/html"}),
    "an unknown protocol version": post(TOOLS_LIST, {**HEADERS, "MCP-Protocol-Version": "1999-01-01"}),
    "a foreign Host": post(TOOLS_LIST, {**HEADERS, "Host": "evil.example"}),
    "a foreign Origin": post(TOOLS_LIST, {**HEADERS, "Origin": "http://evil.example"}),
    "a null Origin": post(TOOLS_LIST, {**HEADERS, "Origin": "null"}),
    "no credentials": post(TOOLS_LIST, without("Authorization")),
    "basic auth": post(TOOLS_LIST, {**HEADERS, "Authorization": "Basic Zm9vOmJhcg=="}),
    "a bearer that is no key": post(TOOLS_LIST, {**HEADERS, "Authorization": "Bearer not-a-key"}),
    "a bearer without a token": post(TOOLS_LIST, {**HEADERS, "Authorization": "Bearer"}),
    "PUT": method("PUT"),
    "PATCH": method("PATCH"),
    "DELETE": method("DELETE"),
    "OPTIONS": method("OPTIONS"),
}
# The server stops reading it and closes the connection: the client sees a 4xx, or (if it was still sending)
# a reset that cut the 4xx off. Either is a refusal.
OVERSIZED_HEADER = post(TOOLS_LIST, {**HEADERS, "X-Padding": "a" * 200_000})
RAW_PATHS = [
    b"/mcp/../health",
    b"/health/../mcp",
    b"/mcp/..%2f..%2fhealth",
    b"//mcp",
    b"/./mcp",
    b"/MCP",
    b"/mcp;jsessionid=1",
    b"/mcp%00",
    b"/mcp/extra",
    b"/%2e%2e/%2e%2e/etc/passwd",
    b"*",
    b"http://evil.example/mcp",
]


def raw_status(server: RunningServer, request: bytes) -> int:
    """The status line's code for raw bytes sent on a fresh connection."""
    host, port = server.url.removeprefix("http://").split("/")[0].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        answer = sock.recv(4096)
    return int(answer.split(b" ", 2)[1])


def raw_post(server: RunningServer, path: bytes) -> bytes:
    body = json.dumps(TOOLS_LIST).encode()
    head = "".join(f"{name}: {value}\r\n" for name, value in HEADERS.items()).encode()
    return (
        b"POST " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + head + b"Content-Length: %d\r\n\r\n" % len(body) + body
    )


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_request_gets_a_bounded_4xx(server: RunningServer, name: str) -> None:
    with httpx2.Client(base_url=server.url.removesuffix("/mcp"), timeout=30) as http:
        response = HOSTILE[name](http)
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert len(response.content) <= MAX_REFUSAL_BYTES
    assert TRACEBACK.search(response.text) is None


def test_an_oversized_header_is_refused(server: RunningServer) -> None:
    with httpx2.Client(base_url=server.url.removesuffix("/mcp"), timeout=30) as http:
        try:
            status = OVERSIZED_HEADER(http).status_code
        except (httpx2.ReadError, httpx2.WriteError):  # reset by the server while the request was still going out
            status = 400
    assert 400 <= status < 500


@pytest.mark.parametrize("path", RAW_PATHS, ids=[path.decode() for path in RAW_PATHS])
def test_a_path_trick_gets_a_4xx(server: RunningServer, path: bytes) -> None:
    assert 400 <= raw_status(server, raw_post(server, path)) < 500


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GARBAGE\r\n\r\n",
        b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
        b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n{}",
        b"POST /mcp HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n",
    ],
    ids=["garbage request line", "bad chunk size", "two content lengths", "HTTP/9.9"],
)
def test_broken_framing_gets_a_4xx(server: RunningServer, request_bytes: bytes) -> None:
    assert 400 <= raw_status(server, request_bytes) < 500


def test_a_trailing_slash_is_redirected_to_mcp_and_nowhere_else(server: RunningServer) -> None:
    with httpx2.Client(base_url=server.url.removesuffix("/mcp"), timeout=30) as http:
        response = http.post("/mcp/", json=TOOLS_LIST, headers=HEADERS)
        foreign = http.post("/mcp/", json=TOOLS_LIST, headers={**HEADERS, "Host": "evil.example"})
    assert response.status_code == 307 and response.headers["location"].endswith("/mcp")
    assert foreign.status_code == 421  # the Host check comes first: no redirect to a foreign host


def test_after_all_of_them_the_server_is_healthy_and_serves_a_real_call(server: RunningServer) -> None:
    for send in [*HOSTILE.values(), OVERSIZED_HEADER]:  # once more, in a row, then a client that leaves mid-body
        with (
            httpx2.Client(base_url=server.url.removesuffix("/mcp"), timeout=30) as http,
            suppress(httpx2.ReadError, httpx2.WriteError),
        ):
            send(http)
    host, port = server.url.removeprefix("http://").split("/")[0].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{}")
    assert server.process.poll() is None
    assert httpx2.get(server.url.removesuffix("/mcp") + "/health", timeout=10).status_code == 200

    async def real_call() -> Any:
        async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {KEY}"}, timeout=30) as http:
            async with Client(streamable_http_client(server.url, http_client=http)) as client:
                return await client.call_tool("external-data-schemas-list", {"limit": 2})

    result = anyio.run(real_call)
    assert not result.is_error and len(result.structured_content["results"]) == 2
