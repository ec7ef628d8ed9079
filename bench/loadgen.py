"""HTTP load generator: N concurrent clients loop one MCP tool call (or one plain API request) for a fixed time.

Runs as its own process (`bench/run.py` starts it) so the servers never share an interpreter with the load.
Each client has its own connection and sends the next call as soon as the previous one is answered. MCP calls
are raw JSON-RPC POSTs in the 2026-07-28 per-request envelope, byte for byte what `mcp.Client` (SDK 2.3) sends
over streamable HTTP, minus the client library's own CPU cost. Prints one JSON object on stdout.

    python bench/loadgen.py --url http://127.0.0.1:8012/mcp --tool external-data-schemas-retrieve \
        --arguments '{"id": "..."}' --bearer phx_sandbox_all --concurrency 16 --warmup 2 --duration 10
    python bench/loadgen.py --direct-url 'http://127.0.0.1:8010/api/projects/1/external_data_schemas/' ...

A call counts as an error when the HTTP status is not 200, the JSON-RPC answer is an error, the tool result has
`isError: true`, or the request raised (timeout, connection reset).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from typing import Any

import httpx2

PROTOCOL = "2026-07-28"
META = {
    "io.modelcontextprotocol/protocolVersion": PROTOCOL,
    "io.modelcontextprotocol/clientInfo": {"name": "posthog-external-data-mcp-bench", "version": "1"},
    "io.modelcontextprotocol/clientCapabilities": {},
}


def _parse_body(response: httpx2.Response) -> dict[str, Any]:
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        for line in response.text.splitlines():
            if line.startswith("data:"):
                message = json.loads(line[5:])
                if "result" in message or "error" in message:
                    return message
        raise ValueError("no JSON-RPC answer in the event stream")
    return response.json()


async def run(args: argparse.Namespace) -> dict[str, Any]:
    arguments = json.loads(args.arguments)
    started = time.perf_counter()
    measure_from = started + args.warmup
    stop_at = measure_from + args.duration
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    completed_total = 0

    async def client(index: int) -> None:
        nonlocal completed_total
        headers = {"Accept": "application/json, text/event-stream"}
        if args.bearer:
            headers["Authorization"] = f"Bearer {args.bearer}"
        if args.direct_url is None:
            headers |= {"Content-Type": "application/json", "MCP-Protocol-Version": PROTOCOL}
            headers |= {"Mcp-Method": "tools/call", "Mcp-Name": args.tool}
        limits = httpx2.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx2.AsyncClient(headers=headers, timeout=args.timeout, limits=limits) as http:
            request_id = index * 10_000_000
            while True:
                begin = time.perf_counter()
                if begin >= stop_at:
                    return
                request_id += 1
                problem: str | None = None
                try:
                    if args.direct_url is not None:
                        response = await http.get(args.direct_url, params=arguments)
                        if response.status_code != 200:
                            problem = f"http_{response.status_code}"
                        else:
                            response.json()
                    else:
                        body = {
                            "jsonrpc": "2.0",
                            "id": request_id,
                            "method": "tools/call",
                            "params": {"name": args.tool, "arguments": arguments, "_meta": META},
                        }
                        response = await http.post(args.url, content=json.dumps(body))
                        if response.status_code != 200:
                            problem = f"http_{response.status_code}"
                        else:
                            message = _parse_body(response)
                            if "error" in message:
                                problem = f"jsonrpc_{message['error'].get('code')}"
                            elif message["result"].get("isError"):
                                problem = "tool_is_error"
                except Exception as exc:
                    problem = type(exc).__name__
                end = time.perf_counter()
                completed_total += 1
                if begin >= measure_from and end <= stop_at:
                    if problem is None:
                        latencies.append(end - begin)
                    else:
                        errors[problem] += 1

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
