"""Soak: N HTTP clients call the server's tools for a long time against a sandbox that injects faults.

Starts the standalone sandbox (faults on, its own rate limits off) and `posthog-external-data-mcp --transport
http` with the sandbox's all-access demo key, both on 127.0.0.1, then runs `--clients` keep-alive clients, each
looping over a mix of tool calls (list, retrieve, partial-update, incremental-fields, reload) for `--duration`
seconds. It reports:

* calls, and how each ended: ok; an error the injected faults explain (a 5xx, 429 or dropped connection that
  outlasted the retries — a POST action is never retried after a 5xx or a drop, by design); any other error
  ("beyond injected", the goal is 0): an HTTP status other than 200, a JSON-RPC error, a client timeout, a tool
  error of another kind;
* p50/p95/p99 latency of the calls that succeeded;
* the server's RSS, open file descriptors and established TCP connections, sampled every `--sample-every`
  seconds: at start (after the warm-up), middle and end (goals: RSS growth under 10%, the others flat).

    .venv/bin/python bench/soak.py                       # 16 clients, 10 minutes
    .venv/bin/python bench/soak.py --duration 60 --clients 4 --out /tmp/soak.json

The clients are bench/loadgen.py's raw HTTP connections (no client library's CPU taken from the server).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import base_env, free_port, memory_kib, percentile, stop, wait_for_port
from loadgen import META, PROTOCOL, HttpConnection

VENV_BIN = Path(sys.executable).parent
KEY = "phx_sandbox_all"
ORDERS = "0193f0c1-5c4e-7000-8000-000000000201"
CHARGES = "0193f0c1-5c4e-7000-8000-000000000101"
CALLS: list[tuple[str, dict[str, Any]]] = [
    ("external-data-schemas-list", {"limit": 5}),
    ("external-data-schemas-retrieve", {"id": ORDERS}),
    ("external-data-schemas-partial-update", {"id": CHARGES, "sync_frequency": "6hour"}),
    ("external-data-schemas-retrieve", {"id": CHARGES}),
    ("external-data-schemas-incremental-fields-create", {"id": ORDERS}),
    ("external-data-schemas-list", {"limit": 30, "search": "o"}),
    ("external-data-schemas-reload", {"id": ORDERS}),
]
ERROR_META_KEY = "io.github.posthog-external-data-mcp/error"
# What an injected fault looks like once it outlasted the retries (or was not retried: a POST after a 5xx/drop).
INJECTED_KINDS = {"upstream_error", "rate_limited", "connection_failed", "timeout"}
INJECTED_STATUSES = {None, 429, 500, 502, 503}
MAX_DURATION_S = 3600
MAX_CLIENTS = 64
_LISTENING = re.compile(r"listening on (http://\S+)")


def classify(status: int, data: bytes) -> tuple[str, str]:
    """("ok" | "injected" | "beyond", a short kind) for one answered call."""
    if status != 200:
        return "beyond", f"http_{status}"
    if b'"result":' in data and b'"isError":true' not in data:
        return "ok", "ok"
    try:
        message = json.loads(data)
    except ValueError:
        return "beyond", "unreadable"
    if "error" in message:
        return "beyond", f"jsonrpc_{message['error'].get('code')}"
    error = (message["result"].get("_meta") or {}).get(ERROR_META_KEY) or {}
    kind, upstream = error.get("kind", "no_error_meta"), error.get("status")
    if kind in INJECTED_KINDS and upstream in INJECTED_STATUSES:
        return "injected", f"{kind}_{upstream}"
    return "beyond", f"{kind}_{upstream}"


# -- the server's resources ---------------------------------------------------------------------------------


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def established_connections(pid: int) -> int:
    """TCP connections of the process in state ESTABLISHED (clients to it, and its own to the sandbox)."""
    inodes: set[str] = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for table in ("tcp", "tcp6"):
        try:
            lines = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "01" and fields[9] in inodes:
                count += 1
    return count


@dataclass
class Sample:
    at_s: float
    rss_kib: int
    fds: int
    connections: int
    calls: int


def sample(pid: int, started: float, calls: int) -> Sample:
    return Sample(
        at_s=round(time.perf_counter() - started, 1),
        rss_kib=memory_kib(pid, tree=False)["rss_kib"],
        fds=open_fds(pid),
        connections=established_connections(pid),
        calls=calls,
    )


# -- processes ----------------------------------------------------------------------------------------------


def child_env(extra: dict[str, str]) -> dict[str, str]:
    env = base_env(extra)
    if "PYTHONPATH" in os.environ:  # lets a run measure a snapshot of the tree (PYTHONPATH=snapshot/src)
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env


def start_sandbox(args: argparse.Namespace) -> tuple[subprocess.Popen[bytes], str]:
    command = [
        str(VENV_BIN / "posthog-external-data-sandbox"),
        "--host", "127.0.0.1", "--port", "0",
        "--fault-5xx-rate", str(args.fault_5xx), "--fault-429-rate", str(args.fault_429),
        "--fault-drop-rate", str(args.fault_drop), "--retry-after-seconds", str(args.retry_after),
        "--seed", str(args.seed), "--sync-seconds", "2",
        "--rate-limit-per-minute", "0", "--rate-limit-per-hour", "0",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=child_env({}))
    assert process.stdout is not None
    match = _LISTENING.search(process.stdout.readline().decode())
    if match is None:
        stop(process)
        raise SystemExit("the sandbox did not start")
    return process, match.group(1)


def start_server(sandbox_url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    command = [
        str(VENV_BIN / "posthog-external-data-mcp"),
        "--transport", "http", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip
    env = child_env({"POSTHOG_PERSONAL_API_KEY": KEY, "POSTHOG_HOST": sandbox_url})
    with log.open("ab") as stderr:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr, env=env)
    wait_for_port(port, process)
    return process


def drain_request_log(sandbox_url: str, statuses: Counter[str]) -> None:
    """Count what the sandbox answered so far, then empty its log so it does not grow for the whole run."""
    with urllib.request.urlopen(f"{sandbox_url}/_sandbox/requests", timeout=30) as answer:
        for entry in json.load(answer):
            statuses["dropped" if entry["status"] is None else str(entry["status"])] += 1
    request = urllib.request.Request(f"{sandbox_url}/_sandbox/requests", method="DELETE")
    urllib.request.urlopen(request, timeout=30).close()


# -- the load -----------------------------------------------------------------------------------------------


async def soak(args: argparse.Namespace, port: int, server_pid: int, sandbox_url: str) -> dict[str, Any]:
    common = [
        f"Host: 127.0.0.1:{port}",
        "Accept: application/json, text/event-stream",
        "Content-Type: application/json",
        f"MCP-Protocol-Version: {PROTOCOL}",
        "Mcp-Method: tools/call",
        "User-Agent: bench-soak",
    ]
    outcomes: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    by_tool: dict[str, Counter[str]] = {}
    latencies: list[float] = []
    upstream: Counter[str] = Counter()
    samples: list[Sample] = []
    started = time.perf_counter()
    measure_from = started + args.warmup
    stop_at = measure_from + args.duration

    async def client(index: int) -> None:
        connection = HttpConnection("127.0.0.1", port)
        request_id = index * 10_000_000
        try:
            while (begin := time.perf_counter()) < stop_at:
                request_id += 1
                tool, arguments = CALLS[(request_id + index) % len(CALLS)]
                message = {
                    "jsonrpc": "2.0",
                    "id": request_id,
                    "method": "tools/call",
                    "params": {"name": tool, "arguments": arguments, "_meta": META},
                }
                body = json.dumps(message, separators=(",", ":")).encode()
                head = "\r\n".join(["POST /mcp HTTP/1.1", *common, f"Mcp-Name: {tool}", f"Content-Length: {len(body)}"])
                try:
                    status, data = await asyncio.wait_for(connection.request(head.encode() + b"\r\n\r\n", body), 90)
                    outcome, kind = classify(status, data)
                except Exception as exc:
                    connection.close()
                    outcome, kind = "beyond", type(exc).__name__
                if begin < measure_from:
                    continue
                outcomes[outcome] += 1
                by_tool.setdefault(tool, Counter())[outcome] += 1
                if outcome == "ok":
                    latencies.append(time.perf_counter() - begin)
                else:
                    kinds[f"{outcome}:{kind}"] += 1
        finally:
            connection.close()

    async def monitor() -> None:
        await asyncio.sleep(max(0.0, measure_from - time.perf_counter()))
        while True:
            samples.append(sample(server_pid, measure_from, sum(outcomes.values())))
            await asyncio.to_thread(drain_request_log, sandbox_url, upstream)
            if time.perf_counter() >= stop_at:
                return
            await asyncio.sleep(min(args.sample_every, max(0.0, stop_at - time.perf_counter())))

    # The monitor's last sample is taken at the end of the run, while the clients are still connected.
    await asyncio.gather(monitor(), *(client(index) for index in range(args.clients)))
    ms = sorted(value * 1000 for value in latencies)
    first, middle, last = samples[0], min(samples, key=lambda s: abs(s.at_s - args.duration / 2)), samples[-1]
    return {
        "clients": args.clients,
        "duration_s": args.duration,
        "faults": {"5xx": args.fault_5xx, "429": args.fault_429, "drop": args.fault_drop},
        "retry_after_s": args.retry_after,
        "calls": sum(outcomes.values()),
        "ok": outcomes["ok"],
        "errors_injected": outcomes["injected"],
        "errors_beyond_injected": outcomes["beyond"],
        "error_kinds": dict(kinds.most_common()),
        "by_tool": {tool: dict(counts) for tool, counts in sorted(by_tool.items())},
        "calls_per_s": round(sum(outcomes.values()) / args.duration, 1),
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "upstream_answers": dict(upstream.most_common()),
        "rss_kib": {"start": first.rss_kib, "middle": middle.rss_kib, "end": last.rss_kib},
        "rss_growth_pct": round((last.rss_kib - first.rss_kib) / first.rss_kib * 100, 2),
        "fds": {"start": first.fds, "middle": middle.fds, "end": last.fds, "max": max(s.fds for s in samples)},
        "connections": {
            "start": first.connections,
            "middle": middle.connections,
            "end": last.connections,
            "max": max(s.connections for s in samples),
        },
        "samples": [vars(s) for s in samples],
    }


def print_report(result: dict[str, Any]) -> None:
    rss, fds, conns = result["rss_kib"], result["fds"], result["connections"]
    print(f"calls {result['calls']} ({result['calls_per_s']}/s): ok {result['ok']}, "
          f"injected-fault errors {result['errors_injected']}, errors beyond injected {result['errors_beyond_injected']}")  # fmt: skip
    print(
        f"latency of successful calls: p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms"
    )
    print(f"server RSS MiB start/middle/end: {rss['start'] / 1024:.1f} / {rss['middle'] / 1024:.1f} / "
          f"{rss['end'] / 1024:.1f} ({result['rss_growth_pct']:+.1f}%)")  # fmt: skip
    print(f"open fds start/middle/end/max: {fds['start']} / {fds['middle']} / {fds['end']} / {fds['max']}")
    print(f"connections start/middle/end/max: {conns['start']} / {conns['middle']} / {conns['end']} / {conns['max']}")
    print(f"error kinds: {result['error_kinds']}")
    print(f"upstream answers: {result['upstream_answers']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=600, help="seconds measured (default 600)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent HTTP clients (default 16)")
    parser.add_argument("--warmup", type=float, default=10, help="seconds run before measuring (default 10)")
    parser.add_argument("--sample-every", type=float, default=10, help="seconds between resource samples")
    parser.add_argument("--fault-5xx", type=float, default=0.1, help="sandbox share of 5xx answers (default 0.1)")
    parser.add_argument("--fault-429", type=float, default=0.05, help="sandbox share of 429s (default 0.05)")
    parser.add_argument("--fault-drop", type=float, default=0.05, help="sandbox share of dropped connections")
    parser.add_argument("--retry-after", type=int, default=1, help="Retry-After of injected 429s (default 1)")
    parser.add_argument("--seed", type=int, default=14, help="seed of the sandbox's fault dice")
    parser.add_argument("--out", type=Path, help="also write the result as JSON here")
    args = parser.parse_args()
    if not 0 < args.duration <= MAX_DURATION_S or not 0 < args.clients <= MAX_CLIENTS:
        parser.error(f"--duration must be in (0, {MAX_DURATION_S}] and --clients in (0, {MAX_CLIENTS}]")

    sandbox, sandbox_url = start_sandbox(args)
    port = free_port()
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"soak-server-{port}.log"
    try:
        server = start_server(sandbox_url, port, log)
        try:
            result = asyncio.run(soak(args, port, server.pid, sandbox_url))
        finally:
            stop(server)
    finally:
        stop(sandbox)
    result["server_log"] = str(log)
    print_report(result)
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
