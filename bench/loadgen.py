"""HTTP load generator: N concurrent clients loop one MCP tool call (or one plain API request) for a fixed time.

Runs as its own process (`bench/run.py` starts it) so the servers never share an interpreter with the load.
Each client has its own keep-alive connection and sends the next call as soon as the previous one is answered.

MCP calls are JSON-RPC POSTs in the 2026-07-28 per-request envelope, with the headers and body `mcp.Client`
(SDK 2.3) sends over streamable HTTP. The client is deliberately minimal — raw HTTP/1.1 over asyncio streams,
no JSON parsing of successful answers — because on a 2-core machine every millisecond the load generator spends
is taken from the server under test (an httpx2-based generator cost ~1 ms CPU per call, as much as a server).
The CPU it did use is reported (`loadgen_cpu_s`).

    python bench/loadgen.py --url http://127.0.0.1:8012/mcp --tool external-data-schemas-retrieve \
        --arguments '{"id": "..."}' --bearer phx_sandbox_all --concurrency 16 --warmup 2 --duration 10
    python bench/loadgen.py --direct-url 'http://127.0.0.1:8010/api/projects/1/external_data_schemas/' ...

A call counts as an error when the HTTP status is not 200, the answer is a JSON-RPC error, the tool result has
`isError: true`, or the request failed (timeout, connection reset). Only the marker `"isError":true` and the
presence of `"result":` are looked for: both servers answer compact JSON, and inside JSON strings quotes are
escaped, so neither marker can appear in data. Errors are parsed to name their kind.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from typing import Any
from urllib.parse import urlencode, urlsplit

PROTOCOL = "2026-07-28"
META = {
    "io.modelcontextprotocol/protocolVersion": PROTOCOL,
    "io.modelcontextprotocol/clientInfo": {"name": "posthog-external-data-mcp-bench", "version": "1"},
    "io.modelcontextprotocol/clientCapabilities": {},
}


class HttpConnection:
    """One keep-alive HTTP/1.1 connection; enough of the protocol for uvicorn's answers."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, head: bytes, body: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port, limit=2**24)
        assert self.reader is not None
        self.writer.write(head + body)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionResetError("connection closed")
        status = int(status_line.split(b" ", 2)[1])
        length = -1
        chunked = close = False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and b"close" in value.lower():
                close = True
        if chunked:
            parts: list[bytes] = []
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readline()
                    break
                parts.append(await self.reader.readexactly(size))
                await self.reader.readline()
            data = b"".join(parts)
        elif length >= 0:
            data = await self.reader.readexactly(length)
        else:
            data = await self.reader.read()
            close = True
        if close:
            self.close()
        return status, data

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def classify(status: int, data: bytes, mcp: bool) -> str | None:
    """None when the call succeeded, else a short error kind."""
    if status != 200:
        return f"http_{status}"
    if not mcp:
        return None
    if b'"isError":true' in data:
        return "tool_is_error"
    if b'"result":' not in data:
        try:
            text = data.decode()
            payload = text[text.index("{") :] if not text.startswith("{") else text
            code = json.loads(payload.splitlines()[0] if "\n" in payload else payload).get("error", {}).get("code")
        except ValueError:
            code = "unreadable"
        return f"jsonrpc_{code}"
    return None


async def run(args: argparse.Namespace) -> dict[str, Any]:
    arguments = json.loads(args.arguments)
    mcp = args.direct_url is None
    url = urlsplit(args.url if mcp else args.direct_url)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    path = url.path or "/"
    if not mcp and arguments:
        path += "?" + urlencode(arguments)
    common = [f"Host: {host}:{port}", "Accept: application/json, text/event-stream", "User-Agent: bench-loadgen"]
    if args.bearer:
        common.append(f"Authorization: Bearer {args.bearer}")
    if mcp:
        common += ["Content-Type: application/json", f"MCP-Protocol-Version: {PROTOCOL}"]
        common += ["Mcp-Method: tools/call", f"Mcp-Name: {args.tool}"]
    method = "POST" if mcp else "GET"
    started = time.perf_counter()
    measure_from = started + args.warmup
    stop_at = measure_from + args.duration
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    completed_total = 0

    async def client(index: int) -> None:
        nonlocal completed_total
        connection = HttpConnection(host, port)
        request_id = index * 10_000_000
        try:
            while True:
                begin = time.perf_counter()
                if begin >= stop_at:
                    return
                request_id += 1
                body = b""
                if mcp:
                    message = {
                        "jsonrpc": "2.0",
                        "id": request_id,
                        "method": "tools/call",
                        "params": {"name": args.tool, "arguments": arguments, "_meta": META},
                    }
                    body = json.dumps(message, separators=(",", ":")).encode()
                head = "\r\n".join([f"{method} {path} HTTP/1.1", *common, f"Content-Length: {len(body)}", "", ""])
                try:
                    status, data = await asyncio.wait_for(connection.request(head.encode(), body), args.timeout)
                    problem = classify(status, data, mcp)
                except Exception as exc:
                    connection.close()
                    problem = type(exc).__name__
                end = time.perf_counter()
                completed_total += 1
                if begin >= measure_from and end <= stop_at:
                    if problem is None:
                        latencies.append(end - begin)
                    else:
                        errors[problem] += 1
        finally:
            connection.close()

    await asyncio.gather(*(client(index) for index in range(args.concurrency)))
    latencies.sort()

    def pct(q: float) -> float | None:
        if not latencies:
            return None
        return round(latencies[min(len(latencies) - 1, int(q / 100 * len(latencies)))] * 1000, 3)

    result: dict[str, Any] = {
        "concurrency": args.concurrency,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "ok": len(latencies),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "calls_per_s": round(len(latencies) / args.duration, 1),
        "p50_ms": pct(50),
        "p90_ms": pct(90),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
        "max_ms": round(latencies[-1] * 1000, 3) if latencies else None,
        "calls_including_warmup": completed_total,
        "loadgen_cpu_s": round(time.process_time(), 3),
    }
    if args.raw:
        result["latencies_ms"] = [round(value * 1000, 3) for value in latencies]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--url", help="MCP endpoint (streamable HTTP)")
    target.add_argument("--direct-url", help="plain GET of this URL instead of an MCP call (the floor)")
    parser.add_argument("--tool", default="", help="tool to call (MCP mode)")
    parser.add_argument("--arguments", default="{}", help="tool arguments (MCP) or query parameters (direct), JSON")
    parser.add_argument("--bearer", help="Authorization: Bearer value")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds run but not counted")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds counted")
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--raw", action="store_true", help="include every counted latency (ms) in the output")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args))))


if __name__ == "__main__":
    main()
