"""The stdio measurements: a. cold start and idle RSS, b. per-call overhead and CPU, d. sizes, peak RSS."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx2

from harness import (
    BenchError,
    StdioSession,
    base_env,
    compact_json,
    median,
    memory_kib,
    percentile,
    result_sizes,
    summary_ms,
    thread_cpu_ns,
    tokens,
)
from servers import KEY, LIST_LIMIT, MAX_PAGE, RETRIEVE_ID, Sandbox, Server


def _session(server: Server, sandbox: Sandbox, logs: Path) -> StdioSession:
    return StdioSession(server.stdio, base_env(sandbox.env(server)), logs / f"{server.key}-stdio.log")


async def cold_start(servers: Sequence[Server], sandbox: Sandbox, runs: int, logs: Path) -> dict[str, Any]:
    """Spawn → tools/list answered, fresh process each time; then idle RSS once it has answered."""
    samples: dict[str, list[float]] = {server.key: [] for server in servers}
    idle: dict[str, list[int]] = {server.key: [] for server in servers}
    for run in range(-1, runs):  # run -1 warms the disk cache and byte-code, unrecorded
        order = list(servers[run % len(servers) :]) + list(servers[: run % len(servers)])
        for server in order:
            session = _session(server, sandbox, logs)
            await session.start()
            try:
                await session.initialize()
                await session.request("tools/list")
                elapsed = time.perf_counter() - session.spawned_at
                await asyncio.sleep(0.5)
                memory = memory_kib(session.pid)
            finally:
                await session.close()
            if run >= 0:
                samples[server.key].append(elapsed)
                idle[server.key].append(memory["rss_kib"])
    return {
        key: {**summary_ms(values), "idle_rss_mib": round(median(idle[key]) / 1024, 1)}
        for key, values in samples.items()
    }


async def sizes(servers: Sequence[Server], sandbox: Sandbox, logs: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for server in servers:
        session = _session(server, sandbox, logs)
        await session.start()
        try:
            await session.initialize()
            response, raw = await session.request("tools/list")
            text = raw.decode()
            tools = response["result"]["tools"]
            entry: dict[str, Any] = {
                "tools": len(tools),
                "tools_list_chars": len(text),
                "tools_list_tokens": tokens(text),
                "per_tool_tokens": {tool["name"]: tokens(compact_json(tool)) for tool in tools},
            }
            if server.calls_upstream:
                calls = {
                    "retrieve": ("external-data-schemas-retrieve", {"id": RETRIEVE_ID}),
                    f"list_{LIST_LIMIT}": ("external-data-schemas-list", {"limit": LIST_LIMIT}),
                    f"list_{MAX_PAGE}": ("external-data-schemas-list", {"limit": MAX_PAGE}),
                }
                for label, (name, arguments) in calls.items():
                    result = await session.call_tool(server.tool(name), server.arguments(arguments))
                    if result.get("isError"):
                        raise BenchError(f"{server.key} {name} answered an error: {str(result)[:300]}")
                    entry[label] = result_sizes(result)
            out[server.key] = entry
        finally:
            await session.close()
    return out


async def per_call(
    servers: Sequence[Server], bare: Server, sandbox: Sandbox, rounds: int, logs: Path
) -> dict[str, Any]:
    """Interleaved: direct httpx2 request, then the same request through each MCP server over stdio.

    Each server call is also charged the CPU the server's threads used between sending the request and reading
    the answer (schedstat, ns). The bare server's `echo` call runs in the same loop, for scale: an MCPServer
    tool call that does nothing (a plain `def` tool, so it includes the SDK's hop to a worker thread).
    """
    sessions: dict[str, StdioSession] = {}
    for server in [*servers, bare]:
        session = _session(server, sandbox, logs)
        await session.start()
        await session.initialize()
        await session.request("tools/list")
        sessions[server.key] = session
    by_key = {server.key: server for server in [*servers, bare]}
    contenders = ["direct", *(server.key for server in servers)]
    # op -> (tool, arguments, direct URL, direct query, targets)
    operations: dict[str, tuple[str, dict[str, Any], str, dict[str, Any], list[str]]] = {
        "retrieve": ("external-data-schemas-retrieve", {"id": RETRIEVE_ID}, sandbox.schema_url(), {}, contenders),
        # Exactly the query our server sends for limit=30 (offset=0 included).
        f"list_{LIST_LIMIT}": (
            "external-data-schemas-list",
            {"limit": LIST_LIMIT},
            sandbox.list_url(),
            {"limit": LIST_LIMIT, "offset": 0},
            contenders,
        ),
        "sdk_echo": ("echo", {"text": "hello"}, "", {}, [bare.key]),
    }
    latencies: dict[str, dict[str, list[float]]] = {op: {key: [] for key in spec[4]} for op, spec in operations.items()}
    cpu_ns: dict[str, dict[str, int]] = {op: dict.fromkeys(spec[4], 0) for op, spec in operations.items()}
    headers = {"Authorization": f"Bearer {KEY}", "Accept": "application/json"}
    try:
        async with httpx2.AsyncClient(headers=headers, timeout=30) as http:
            for round_index in range(-20, rounds):  # 20 unrecorded warm-up rounds
                for op, (name, arguments, url, params, targets) in operations.items():
                    shift = round_index % len(targets)
                    for target in targets[shift:] + targets[:shift]:
                        cpu_before = 0 if target == "direct" else thread_cpu_ns(sessions[target].pid)
                        started = time.perf_counter()
                        if target == "direct":
                            response = await http.get(url, params=params)
                            if response.status_code != 200:
                                raise BenchError(f"direct {op} answered {response.status_code}")
                        else:
                            server = by_key[target]
                            tool = name if server is bare else server.tool(name)
                            result = await sessions[target].call_tool(tool, server.arguments(arguments))
                            if result.get("isError"):
                                raise BenchError(f"{target} {op} answered an error: {str(result)[:300]}")
                        elapsed = time.perf_counter() - started
                        if round_index >= 0:
                            latencies[op][target].append(elapsed)
                            if target != "direct":
                                cpu_ns[op][target] += thread_cpu_ns(sessions[target].pid) - cpu_before
        # Peak memory: after the calls, plus a few of the largest pages.
        for server in servers:
            session = sessions[server.key]
            for _ in range(5):
                await session.call_tool(
                    server.tool("external-data-schemas-list"), server.arguments({"limit": MAX_PAGE})
                )
        memory = {server.key: memory_kib(sessions[server.key].pid) for server in servers}
    finally:
        for session in sessions.values():
            await session.close()
    echo = latencies.pop("sdk_echo")[bare.key]
    out: dict[str, Any] = {
        "sdk_echo_round_trip": {
            **summary_ms(echo),
            "server_cpu_ms_per_call": _per_call_ms(cpu_ns, "sdk_echo", bare.key, echo),
        }
    }
    for op, by_target in latencies.items():
        direct = [value * 1000 for value in by_target["direct"]]
        entry: dict[str, Any] = {"direct": summary_ms(by_target["direct"])}
        for server in servers:
            values = [value * 1000 for value in by_target[server.key]]
            entry[server.key] = {
                **summary_ms(by_target[server.key]),
                "added_median_ms": round(median(values) - median(direct), 3),
                "added_p95_ms": round(percentile(values, 95) - percentile(direct, 95), 3),
                "server_cpu_ms_per_call": _per_call_ms(cpu_ns, op, server.key, values),
            }
        out[op] = entry
    out["memory_after_calls"] = {
        key: {"rss_mib": round(value["rss_kib"] / 1024, 1), "peak_mib": round(value["hwm_kib"] / 1024, 1)}
        for key, value in memory.items()
    }
    return out


def _per_call_ms(cpu_ns: dict[str, dict[str, int]], op: str, key: str, calls: Sequence[float]) -> float | None:
    return round(cpu_ns[op][key] / 1e6 / len(calls), 3) if calls else None


async def bare_peak(server: Server, sandbox: Sandbox, logs: Path) -> dict[str, float]:
    session = _session(server, sandbox, logs)
    await session.start()
    try:
        await session.initialize()
        await session.request("tools/list")
        for _ in range(50):
            await session.call_tool("echo", {"text": "hello"})
        memory = memory_kib(session.pid)
    finally:
        await session.close()
    return {"rss_mib": round(memory["rss_kib"] / 1024, 1), "peak_mib": round(memory["hwm_kib"] / 1024, 1)}
