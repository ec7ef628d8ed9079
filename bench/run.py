"""Benchmark posthog-external-data-mcp beside the floor, the bare SDK server and a FastMCP `from_openapi` peer.

One entry point. It starts the standalone sandbox on loopback (bench/sandbox_server.py, 120 schemas in the demo
project, no rate limits), then measures, with the servers interleaved (A, B, C, A, B, C, ...):

  a. cold start     spawn -> `tools/list` answered over stdio, a fresh process per run (median)
  b. per-call       stdio tool-call latency minus the same upstream request sent directly with httpx2, and the
                    server CPU each call cost
  c. throughput     16 concurrent HTTP clients for a fixed time, 1 process and 1 per core, CPU per call, errors
  d. sizes          `tools/list` and results (30-item list, retrieve, largest page) in chars and cl100k tokens
  e. memory         idle and peak RSS (VmRSS / VmHWM from /proc, summed over uvicorn workers)

then b and c again with the sandbox adding realistic latency (--latency-ms, default 40). Servers: bench/servers.py
(ours, the floor, the peer, the bare SDK server). Raw numbers go to bench/results/latest.json; the markdown
tables go to stdout. `--quick` is a smoke run; `--parts` runs only some measurements.

    .venv/bin/python bench/run.py                 # the documented run (~12 minutes on 2 cores)
    .venv/bin/python bench/run.py --quick
    .venv/bin/python bench/run.py --parts http --no-latency-pass --contenders ours,floor
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import BENCH_DIR, ROOT
from http_load import throughput
from report import markdown, targets
from servers import RETRIEVE_ID, SCHEMAS_IN_PROJECT, Sandbox, build_servers
from stdio_bench import bare_peak, cold_start, per_call, sizes

PARTS = ("sizes", "cold", "percall", "http")


@dataclass(frozen=True)
class Plan:
    cold_runs: int
    percall_rounds: int
    percall_rounds_latency: int
    rounds: int
    rounds_latency: int
    round_seconds: float
    round_seconds_latency: float
    warmup: float
    concurrency: int
    workers_per_core: int


def machine() -> dict[str, Any]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    versions = {}
    for package in ("posthog-external-data-mcp", "mcp", "fastmcp", "httpx2", "uvicorn", "starlette", "pydantic"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], check=False, capture_output=True, text=True, cwd=ROOT
    )
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "versions": versions,
        "git_commit": commit.stdout.strip() or None,
        "load_average_at_start": [round(value, 2) for value in os.getloadavg()],
    }


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


async def run_async(args: argparse.Namespace, plan: Plan, logs: Path) -> dict[str, Any]:
    started = time.monotonic()
    parts = set(args.parts.split(","))
    results: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "plan": plan.__dict__,
        "parts": sorted(parts),
        "method": {
            "stdio_protocol": "2025-11-25 (initialize handshake), raw JSON-RPC lines",
            "http_protocol": "2026-07-28 per-request envelope, raw JSON-RPC POSTs from bench/loadgen.py",
            "retrieve_schema_id": RETRIEVE_ID,
            "schemas_in_project": SCHEMAS_IN_PROJECT,
            "ours_log_level": args.ours_log_level,
            "ours_command": args.ours,
            "before_command": args.before,
        },
        "passes": {},
    }
    servers = build_servers(args)
    stdio_servers = [servers["ours"], *([servers["before"]] if "before" in servers else []), servers["floor"]]
    stdio_servers.append(servers["peer"])
    everyone = [server for server in [*stdio_servers, servers["bare"]] if server.key != "before"]
    for latency in [0.0] if args.no_latency_pass else [0.0, args.latency_ms]:
        pass_name = f"{latency:g}ms"
        log(f"== sandbox latency {pass_name}")
        sandbox = Sandbox.start(latency, logs / "sandbox.log")
        try:
            pass_result: dict[str, Any] = {}
            if latency == 0.0 and "sizes" in parts:
                log("-- d. sizes")
                results["sizes"] = await sizes(everyone, sandbox, logs)
            if latency == 0.0 and "cold" in parts:
                log("-- a/e. cold start and idle RSS")
                results["cold_start"] = await cold_start(everyone, sandbox, plan.cold_runs, logs)
                results["bare_peak"] = await bare_peak(servers["bare"], sandbox, logs)
            if "percall" in parts:
                log("-- b. per-call overhead")
                rounds = plan.percall_rounds if latency == 0.0 else plan.percall_rounds_latency
                pass_result["per_call"] = await per_call(stdio_servers, servers["bare"], sandbox, rounds, logs)
            if "http" in parts:
                log("-- c. HTTP throughput")
                zero = latency == 0.0
                tp_plan = replace(
                    plan,
                    round_seconds=plan.round_seconds if zero else plan.round_seconds_latency,
                    rounds=plan.rounds if zero else plan.rounds_latency,
                )
                contenders = args.contenders.split(",") + (["before"] if "before" in servers else [])
                pass_result["throughput"] = throughput(servers, sandbox, tp_plan, logs, contenders=contenders)
            results["passes"][pass_name] = pass_result
        finally:
            sandbox.stop()
    results["targets"] = targets(results)
    results["machine"]["load_average_at_end"] = [round(value, 2) for value in os.getloadavg()]
    results["duration_s"] = round(time.monotonic() - started, 1)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: fewer runs, shorter load (~3 minutes)")
    parser.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated subset of {','.join(PARTS)}")
    parser.add_argument("--contenders", default="ours,floor,peer", help="HTTP servers (default ours,floor,peer)")
    parser.add_argument(
        "--latency-ms", type=float, default=40.0, help="sandbox latency of the second pass (default 40)"
    )
    parser.add_argument("--no-latency-pass", action="store_true", help="skip the second pass")
    parser.add_argument("--rounds", type=int, help="HTTP rounds per server and operation (default 3; quick 1)")
    parser.add_argument("--seconds", type=float, help="counted seconds per HTTP round (default 5)")
    parser.add_argument("--workers", type=int, help="processes of the multi-process HTTP row (default: cores)")
    parser.add_argument("--ours", help="command of our server (default: the venv's posthog-external-data-mcp)")
    parser.add_argument("--before", help="command of an earlier build of ours, measured beside it (per call, HTTP)")
    parser.add_argument("--peer", help="command of the peer (default: python bench/peer_fastmcp.py)")
    parser.add_argument("--bare", help="command of the bare server (default: python bench/bare_sdk_server.py)")
    parser.add_argument("--ours-log-level", default="warning", help="--log-level given to our server (default warning)")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "results" / "latest.json", help="JSON output")
    parser.add_argument("--report", type=Path, help="print the markdown tables of an earlier run's JSON and exit")
    args = parser.parse_args()
    if args.report:
        print(markdown(json.loads(args.report.read_text())))
        return
    unknown = set(args.parts.split(",")) - set(PARTS)
    if unknown:
        parser.error(f"unknown --parts {','.join(sorted(unknown))}: choose from {','.join(PARTS)}")
    cores = args.workers or os.cpu_count() or 1
    if args.quick:
        plan = Plan(3, 60, 15, 1, 1, 3.0, 3.0, 1.0, 16, cores)
    else:
        plan = Plan(11, 600, 80, 3, 2, 5.0, 4.0, 1.5, 16, cores)
    if args.rounds or args.seconds:
        plan = replace(plan, rounds=args.rounds or plan.rounds, round_seconds=args.seconds or plan.round_seconds)
    logs = args.out.parent / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    results = asyncio.run(run_async(args, plan, logs))
    results["quick"] = args.quick
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(markdown(results))
    log(f"\nraw numbers: {args.out} ({results['duration_s']:.0f} s)")


if __name__ == "__main__":
    main()
