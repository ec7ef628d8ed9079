"""Benchmark posthog-external-data-mcp beside the bare SDK server and a FastMCP `from_openapi` peer.

One entry point. It starts the standalone sandbox on loopback (bench/sandbox_server.py, 120 schemas in the demo
project, no rate limits), then measures, with the servers interleaved (A, B, C, A, B, C, ...):

  a. cold start     spawn -> `tools/list` answered over stdio, a fresh process per run (median)
  b. per-call       stdio tool-call latency minus the same upstream request sent directly with httpx2
  c. throughput     16 concurrent HTTP clients for a fixed time, 1 worker and 1 worker per core, errors counted
  d. sizes          `tools/list` and results (30-item list, retrieve, largest page) in chars and cl100k tokens
  e. memory         idle and peak RSS (VmRSS / VmHWM from /proc, summed over uvicorn workers)

then b and c again with the sandbox adding realistic latency (--latency-ms, default 40). Raw numbers go to
bench/results/latest.json; a markdown table goes to stdout. `--quick` is a smoke run (~3 minutes).

    .venv/bin/python bench/run.py            # the documented run (~7 minutes on 2 cores)
    .venv/bin/python bench/run.py --quick
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx2

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    BENCH_DIR,
    ROOT,
    BenchError,
    StdioSession,
    base_env,
    compact_json,
    free_port,
    median,
    memory_kib,
    percentile,
    process_tree,
    result_sizes,
    stop,
    summary_ms,
    tokens,
    wait_for_port,
)

KEY = "phx_sandbox_all"
PROJECT = "1"
RETRIEVE_ID = "0193f0c1-5c4e-7000-8000-000000000201"  # Postgres `orders`: PK, row filter, columns, source
SCHEMAS_IN_PROJECT = 120  # a full page at the list tool's largest limit (100), and more
LIST_LIMIT = 30
MAX_PAGE = 100
RESULT_CAP_TOKENS = 25_000  # Claude Code refuses larger tool results
VENV_BIN = Path(sys.executable).parent
CLK_TCK = os.sysconf("SC_CLK_TCK")


# -- the servers --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    key: str
    label: str
    stdio: list[str]
    http: Callable[[int, int], list[str]] | None  # (port, workers) -> command
    env: dict[str, str] = field(default_factory=dict[str, str])
    bearer: str | None = None
    calls_upstream: bool = True
    underscore_names: bool = False
    needs_project_arg: bool = False
    # A launcher giving the same app uvicorn workers on a TCP_NODELAY socket (bench/serve_workers.py).
    nodelay: Callable[[int, int], tuple[list[str], dict[str, str]]] | None = None

    def tool(self, name: str) -> str:
        return name.replace("-", "_") if self.underscore_names else name

    def arguments(self, arguments: dict[str, Any]) -> dict[str, Any]:
        return {"project_id": PROJECT, **arguments} if self.needs_project_arg else dict(arguments)


def http_flags(port: int, workers: int) -> list[str]:
    return ["--transport", "http", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]


def build_servers(args: argparse.Namespace, sandbox_url: str) -> dict[str, Server]:
    python = sys.executable
    ours_cmd = shlex.split(args.ours) if args.ours else [str(VENV_BIN / "posthog-external-data-mcp")]
    ours_cmd += ["--log-level", args.ours_log_level]
    peer_cmd = shlex.split(args.peer) if args.peer else [python, str(BENCH_DIR / "peer_fastmcp.py")]
    bare_cmd = shlex.split(args.bare) if args.bare else [python, str(BENCH_DIR / "bare_sdk_server.py")]
    upstream = {"POSTHOG_HOST": sandbox_url, "POSTHOG_PERSONAL_API_KEY": KEY, "POSTHOG_PROJECT_ID": PROJECT}
    serve_workers = [python, str(BENCH_DIR / "serve_workers.py")]

    def ours_nodelay(port: int, workers: int) -> tuple[list[str], dict[str, str]]:
        argv = json.dumps(["--transport", "http", "--log-level", args.ours_log_level])
        command = [*serve_workers, "--factory", "posthog_external_data_mcp.server.http:app_from_environment"]
        return [*command, "--port", str(port), "--workers", str(workers)], {"POSTHOG_EXTERNAL_DATA_MCP_ARGV": argv}

    def peer_nodelay(port: int, workers: int) -> tuple[list[str], dict[str, str]]:
        command = [*serve_workers, "--factory", "peer_fastmcp:create_http_app"]
        return [*command, "--port", str(port), "--workers", str(workers)], {}

    return {
        "ours": Server(
            key="ours",
            label="posthog-external-data-mcp",
            stdio=ours_cmd,
            http=lambda port, workers: [*ours_cmd, *http_flags(port, workers)],
            env=upstream,
            bearer=KEY,  # passthrough: a loopback client's phx_ bearer is used for its calls
            nodelay=None if args.ours else ours_nodelay,
        ),
        "bare": Server(
            key="bare",
            label="bare mcp MCPServer (1 tool)",
            stdio=bare_cmd,
            http=lambda port, workers: [*bare_cmd, *http_flags(port, 1)[:-2]],
            calls_upstream=False,
        ),
        "peer": Server(
            key="peer",
            label="FastMCP.from_openapi (peer)",
            stdio=peer_cmd,
            http=lambda port, workers: [*peer_cmd, *http_flags(port, workers)],
            env=upstream,
            underscore_names=True,
            needs_project_arg=True,
            nodelay=None if args.peer else peer_nodelay,
        ),
    }


# -- the sandbox --------------------------------------------------------------------------------------------


@dataclass
class Sandbox:
    process: subprocess.Popen[bytes]
    url: str

    @classmethod
    def start(cls, latency_ms: float, log: Path) -> Sandbox:
        command = [sys.executable, str(BENCH_DIR / "sandbox_server.py"), "--port", "0"]
        command += ["--schemas", str(SCHEMAS_IN_PROJECT), "--latency-ms", str(latency_ms)]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log.open("ab"), env=base_env({}), cwd=ROOT)
        assert process.stdout is not None
        line = process.stdout.readline().decode().strip()
        prefix = "posthog-external-data-sandbox listening on "
        if not line.startswith(prefix):
            stop(process)
            raise BenchError(f"the sandbox did not start: {line!r} (see {log})")
        return cls(process, line.removeprefix(prefix))

    def schema_url(self) -> str:
        return f"{self.url}/api/projects/{PROJECT}/external_data_schemas/{RETRIEVE_ID}/"

    def list_url(self) -> str:
        return f"{self.url}/api/projects/{PROJECT}/external_data_schemas/"

    def stop(self) -> None:
        stop(self.process)


# -- a. cold start and e. idle memory -------------------------------------------------------------------


async def cold_start(servers: Sequence[Server], runs: int, logs: Path) -> dict[str, Any]:
    """Spawn → tools/list answered, fresh process each time; then idle RSS once it has answered."""
    samples: dict[str, list[float]] = {server.key: [] for server in servers}
    idle: dict[str, list[int]] = {server.key: [] for server in servers}
    for run in range(-1, runs):  # run -1 warms the disk cache and byte-code, unrecorded
        order = list(servers[run % len(servers) :]) + list(servers[: run % len(servers)])
        for server in order:
            session = StdioSession(server.stdio, base_env(server.env), logs / f"{server.key}-stdio.log")
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


# -- d. sizes -----------------------------------------------------------------------------------------------


async def sizes(servers: Sequence[Server], logs: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for server in servers:
        session = StdioSession(server.stdio, base_env(server.env), logs / f"{server.key}-stdio.log")
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


# -- b. per-call overhead -----------------------------------------------------------------------------------


async def per_call(
    servers: Sequence[Server], bare: Server, sandbox: Sandbox, rounds: int, logs: Path
) -> dict[str, Any]:
    """Interleaved: direct httpx2 request, then the same request through each MCP server over stdio.

    The bare server's `echo` call runs in the same loop, for scale: an MCPServer tool call that does nothing (a
    plain `def` tool, so it includes the SDK's hop to a worker thread).
    """
    sessions: dict[str, StdioSession] = {}
    for server in [*servers, bare]:
        session = StdioSession(server.stdio, base_env(server.env), logs / f"{server.key}-stdio.log")
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
    headers = {"Authorization": f"Bearer {KEY}", "Accept": "application/json"}
    try:
        async with httpx2.AsyncClient(headers=headers, timeout=30) as http:
            for round_index in range(-20, rounds):  # 20 unrecorded warm-up rounds
                for op, (name, arguments, url, params, targets) in operations.items():
                    shift = round_index % len(targets)
                    for target in targets[shift:] + targets[:shift]:
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
    out: dict[str, Any] = {"sdk_echo_round_trip": summary_ms(latencies.pop("sdk_echo")[bare.key])}
    for op, by_target in latencies.items():
        direct = [value * 1000 for value in by_target["direct"]]
        entry: dict[str, Any] = {"direct": summary_ms(by_target["direct"])}
        for server in servers:
            values = [value * 1000 for value in by_target[server.key]]
            entry[server.key] = {
                **summary_ms(by_target[server.key]),
                "added_median_ms": round(median(values) - median(direct), 3),
                "added_p95_ms": round(percentile(values, 95) - percentile(direct, 95), 3),
            }
        out[op] = entry
    out["memory_after_calls"] = {
        key: {"rss_mib": round(value["rss_kib"] / 1024, 1), "peak_mib": round(value["hwm_kib"] / 1024, 1)}
        for key, value in memory.items()
    }
    return out


async def bare_peak(server: Server, logs: Path) -> dict[str, float]:
    session = StdioSession(server.stdio, base_env(server.env), logs / f"{server.key}-stdio.log")
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


# -- c. HTTP throughput -------------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    total = 0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / CLK_TCK


@dataclass
class HttpServer:
    name: str
    server: Server
    process: subprocess.Popen[bytes]
    url: str

    def stop(self) -> None:
        stop(self.process, timeout=15)


def start_http(
    name: str, server: Server, workers: int, sandbox: Sandbox, logs: Path, *, nodelay: bool = False
) -> HttpServer:
    port = free_port()
    env = dict(server.env)
    if server.calls_upstream:
        env["POSTHOG_HOST"] = sandbox.url
    if server.key == "ours":
        env.pop("POSTHOG_PERSONAL_API_KEY", None)  # HTTP: every request brings its key (passthrough)
    if nodelay:
        assert server.nodelay is not None
        command, extra = server.nodelay(port, workers)
        env.update(extra)
    else:
        assert server.http is not None
        command = server.http(port, workers)
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=(logs / f"{name}.log").open("ab"),
        env=base_env(env),
        cwd=BENCH_DIR,
    )
    wait_for_port(port, process)
    running = HttpServer(name, server, process, f"http://127.0.0.1:{port}/mcp")
    # Ready = answers a real call (every worker has had time to import).
    time.sleep(0.5 * workers)
    return running


def loadgen(
    target: HttpServer | None,
    operation: str,
    sandbox: Sandbox,
    *,
    seconds: float,
    warmup: float,
    concurrency: int,
) -> dict[str, Any]:
    command = [sys.executable, str(BENCH_DIR / "loadgen.py"), "--raw"]
    command += ["--concurrency", str(concurrency), "--warmup", str(warmup), "--duration", str(seconds)]
    if target is None:  # the sandbox itself: the ceiling for any server calling it
        url = sandbox.schema_url() if operation == "retrieve" else sandbox.list_url()
        query = {} if operation == "retrieve" else {"limit": LIST_LIMIT, "offset": 0}
        command += ["--direct-url", url, "--arguments", json.dumps(query), "--bearer", KEY]
    else:
        server = target.server
        if operation == "echo":
            name, arguments = "echo", {"text": "hello"}
        elif operation == "retrieve":
            name, arguments = server.tool("external-data-schemas-retrieve"), server.arguments({"id": RETRIEVE_ID})
        else:
            name, arguments = server.tool("external-data-schemas-list"), server.arguments({"limit": LIST_LIMIT})
        command += ["--url", target.url, "--tool", name, "--arguments", json.dumps(arguments)]
        if server.bearer:
            command += ["--bearer", server.bearer]
    server_pid = target.process.pid if target else None
    cpu_before = cpu_seconds(server_pid) if server_pid else 0.0
    sandbox_before = cpu_seconds(sandbox.process.pid)
    done = subprocess.run(command, capture_output=True, check=True, env=base_env({}))
    result: dict[str, Any] = json.loads(done.stdout)
    calls = max(1, result["calls_including_warmup"])
    if server_pid:
        result["server_cpu_ms_per_call"] = round((cpu_seconds(server_pid) - cpu_before) * 1000 / calls, 3)
        memory = memory_kib(server_pid)
        result["server_rss_mib"] = round(memory["rss_kib"] / 1024, 1)
        result["server_peak_mib"] = round(memory["hwm_kib"] / 1024, 1)
        result["server_processes"] = memory["processes"]
    result["sandbox_cpu_ms_per_call"] = round((cpu_seconds(sandbox.process.pid) - sandbox_before) * 1000 / calls, 3)
    result["loadgen_cpu_ms_per_call"] = round(result.pop("loadgen_cpu_s") * 1000 / calls, 3)
    return result


def merge_runs(runs: list[dict[str, Any]]) -> dict[str, Any]:
    latencies = [value for run in runs for value in run.pop("latencies_ms")]
    seconds = sum(run["duration_s"] for run in runs)
    errors: dict[str, int] = {}
    for run in runs:
        for kind, count in run["error_kinds"].items():
            errors[kind] = errors.get(kind, 0) + count
    merged: dict[str, Any] = {
        "calls_per_s": round(len(latencies) / seconds, 1),
        "ok": len(latencies),
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "seconds": seconds,
        "p50_ms": round(percentile(latencies, 50), 2),
        "p95_ms": round(percentile(latencies, 95), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "rounds_calls_per_s": [run["calls_per_s"] for run in runs],
    }
    for name in ("server_cpu_ms_per_call", "sandbox_cpu_ms_per_call", "loadgen_cpu_ms_per_call"):
        values = [run[name] for run in runs if name in run]
        if values:
            merged[name] = round(median(values), 3)
    for name in ("server_rss_mib", "server_peak_mib", "server_processes"):
        values = [run[name] for run in runs if name in run]
        if values:
            merged[name] = max(values)
    return merged


def throughput(
    servers: dict[str, Server], sandbox: Sandbox, plan: Plan, logs: Path, *, with_nodelay: bool
) -> dict[str, Any]:
    out: dict[str, Any] = {"concurrency": plan.concurrency, "seconds_per_round": plan.round_seconds}
    operations = ["retrieve", f"list_{LIST_LIMIT}"]
    # The ceilings: the sandbox answering the same requests directly, and the bare SDK server's echo tool.
    ceilings: dict[str, Any] = {}
    for operation in operations:
        ceilings[f"sandbox_direct_{operation}"] = merge_runs(
            [
                loadgen(
                    None,
                    operation,
                    sandbox,
                    seconds=plan.round_seconds,
                    warmup=plan.warmup,
                    concurrency=plan.concurrency,
                )
            ]
        )
    bare = start_http("bare-http", servers["bare"], 1, sandbox, logs)
    try:
        ceilings["bare_echo_1_worker"] = merge_runs(
            [
                loadgen(
                    bare, "echo", sandbox, seconds=plan.round_seconds, warmup=plan.warmup, concurrency=plan.concurrency
                )
            ]
        )
    finally:
        bare.stop()
    out["ceilings"] = ceilings
    configs: list[tuple[str, int, bool]] = [
        ("1_worker", 1, False),
        (f"{plan.workers_per_core}_workers", plan.workers_per_core, False),
    ]
    if with_nodelay:
        configs.append((f"{plan.workers_per_core}_workers_nodelay", plan.workers_per_core, True))
    for config_name, workers, nodelay in configs:
        contenders = [servers["ours"], servers["peer"]]
        if nodelay and any(server.nodelay is None for server in contenders):
            continue
        running = [
            start_http(f"{server.key}-http-{config_name}", server, workers, sandbox, logs, nodelay=nodelay)
            for server in contenders
        ]
        try:
            entry: dict[str, Any] = {"workers": workers, "nodelay_launcher": nodelay}
            for operation in operations:
                runs: dict[str, list[dict[str, Any]]] = {target.server.key: [] for target in running}
                for round_index in range(plan.rounds):
                    order = running if round_index % 2 == 0 else list(reversed(running))
                    for target in order:
                        runs[target.server.key].append(
                            loadgen(
                                target,
                                operation,
                                sandbox,
                                seconds=plan.round_seconds,
                                warmup=plan.warmup,
                                concurrency=plan.concurrency,
                            )
                        )
                merged = {key: merge_runs(value) for key, value in runs.items()}
                peer_rate = merged["peer"]["calls_per_s"]
                merged["ratio_ours_to_peer"] = (
                    round(merged["ours"]["calls_per_s"] / peer_rate, 2) if peer_rate else None
                )
                entry[operation] = merged
            out[config_name] = entry
            single = out.get("1_worker")
            if workers > 1 and single:
                for operation in operations:
                    peer_single = single[operation]["peer"]["calls_per_s"]
                    ours_here = entry[operation]["ours"]["calls_per_s"]
                    entry[operation]["ratio_ours_to_peer_1_worker"] = (
                        round(ours_here / peer_single, 2) if peer_single else None
                    )
        finally:
            for target in running:
                target.stop()
    return out


# -- plan, report -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    cold_runs: int
    percall_rounds: int
    percall_rounds_latency: int
    rounds: int
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


def check(value: float | None, limit: float, *, at_most: bool = True) -> dict[str, Any]:
    if value is None:
        return {"value": None, "limit": limit, "met": False}
    met = value <= limit if at_most else value >= limit
    return {"value": value, "limit": limit, "met": met}


def targets(results: dict[str, Any]) -> dict[str, Any]:
    cold = results["cold_start"]
    sizes_ = results["sizes"]
    zero = results["passes"]["0ms"]
    out: dict[str, Any] = {
        "cold_start_vs_bare": check(round(cold["ours"]["median_ms"] / cold["bare"]["median_ms"], 3), 1.15),
        "added_per_call_retrieve_ms": check(zero["per_call"]["retrieve"]["ours"]["added_median_ms"], 1.0),
        f"added_per_call_list_{LIST_LIMIT}_ms": check(
            zero["per_call"][f"list_{LIST_LIMIT}"]["ours"]["added_median_ms"], 2.0
        ),
        "tools_list_tokens": check(sizes_["ours"]["tools_list_tokens"], 2500),
        f"list_{LIST_LIMIT}_result_tokens_text": check(sizes_["ours"][f"list_{LIST_LIMIT}"]["text_tokens"], 5000),
        f"list_{LIST_LIMIT}_result_tokens_text_plus_structured": check(
            sizes_["ours"][f"list_{LIST_LIMIT}"]["text_plus_structured_tokens"], 5000
        ),
        f"largest_page_{MAX_PAGE}_tokens_text": check(
            sizes_["ours"][f"list_{MAX_PAGE}"]["text_tokens"], RESULT_CAP_TOKENS
        ),
        f"largest_page_{MAX_PAGE}_tokens_text_plus_structured": check(
            sizes_["ours"][f"list_{MAX_PAGE}"]["text_plus_structured_tokens"], RESULT_CAP_TOKENS
        ),
        "idle_rss_vs_bare": check(round(cold["ours"]["idle_rss_mib"] / cold["bare"]["idle_rss_mib"], 3), 1.1),
    }
    tp = zero.get("throughput")
    if tp:
        multi = next((k for k in tp if k.endswith("_workers")), None)
        for config, limit in (("1_worker", 2.0), (multi, 3.5), (f"{multi}_nodelay", 3.5)):
            if config not in tp:
                continue
            for operation in ("retrieve", f"list_{LIST_LIMIT}"):
                entry = tp[config][operation]
                out[f"throughput_{config}_{operation}_vs_peer"] = check(
                    entry["ratio_ours_to_peer"], limit, at_most=False
                )
                if "ratio_ours_to_peer_1_worker" in entry:
                    out[f"throughput_{config}_{operation}_vs_peer_1_worker"] = check(
                        entry["ratio_ours_to_peer_1_worker"], limit, at_most=False
                    )
                out[f"throughput_{config}_{operation}_errors"] = check(entry["ours"]["errors"], 0)
    return out


def markdown(results: dict[str, Any]) -> str:
    cold = results["cold_start"]
    sizes_ = results["sizes"]
    lines = [
        "| measure | ours | bare SDK | FastMCP peer | ours / bare | ours / peer |",
        "|---|---:|---:|---:|---:|---:|",
    ]

    def row(name: str, ours: float | None, bare: float | None, peer: float | None, unit: str = "") -> None:
        def fmt(value: float | None) -> str:
            if value is None:
                return "—"
            if isinstance(value, float):
                return f"{value:,.2f}{unit}" if abs(value) < 10 else f"{value:,.1f}{unit}"
            return f"{value:,}{unit}"

        def ratio(a: float | None, b: float | None) -> str:
            return f"{a / b:.2f}×" if a is not None and b else "—"

        lines.append(
            f"| {name} | {fmt(ours)} | {fmt(bare)} | {fmt(peer)} | {ratio(ours, bare)} | {ratio(ours, peer)} |"
        )

    row(
        "cold start, spawn → tools/list (stdio, median)",
        cold["ours"]["median_ms"],
        cold["bare"]["median_ms"],
        cold["peer"]["median_ms"],
        " ms",
    )
    row(
        "idle RSS after tools/list",
        cold["ours"]["idle_rss_mib"],
        cold["bare"]["idle_rss_mib"],
        cold["peer"]["idle_rss_mib"],
        " MiB",
    )
    zero = results["passes"]["0ms"]
    memory = zero["per_call"]["memory_after_calls"]
    row(
        "peak RSS (VmHWM) after the call benchmark",
        memory["ours"]["peak_mib"],
        results["bare_peak"]["peak_mib"],
        memory["peer"]["peak_mib"],
        " MiB",
    )
    row(
        "tools/list, tokens (cl100k)",
        sizes_["ours"]["tools_list_tokens"],
        sizes_["bare"]["tools_list_tokens"],
        sizes_["peer"]["tools_list_tokens"],
    )
    row(
        "tools/list, characters",
        sizes_["ours"]["tools_list_chars"],
        sizes_["bare"]["tools_list_chars"],
        sizes_["peer"]["tools_list_chars"],
    )
    for label in ("retrieve", f"list_{LIST_LIMIT}", f"list_{MAX_PAGE}"):
        ours, peer = sizes_["ours"][label], sizes_["peer"][label]
        row(f"{label} result, text tokens", ours["text_tokens"], None, peer["text_tokens"])
        row(
            f"{label} result, text + structured tokens",
            ours["text_plus_structured_tokens"],
            None,
            peer["text_plus_structured_tokens"],
        )
    for pass_name, data in results["passes"].items():
        per = data["per_call"]
        echo = per["sdk_echo_round_trip"]
        lines.append(
            f"| [{pass_name}] bare MCPServer `echo` call round trip (stdio), median / p95 | | "
            f"{echo['median_ms']:.2f} / {echo['p95_ms']:.2f} ms | | | |"
        )
        for op in ("retrieve", f"list_{LIST_LIMIT}"):
            entry = per[op]
            row(
                f"[{pass_name}] {op}: added per call, median",
                entry["ours"]["added_median_ms"],
                None,
                entry["peer"]["added_median_ms"],
                " ms",
            )
            row(
                f"[{pass_name}] {op}: added per call, p95",
                entry["ours"]["added_p95_ms"],
                None,
                entry["peer"]["added_p95_ms"],
                " ms",
            )
            lines.append(
                f"| [{pass_name}] {op}: direct httpx2 floor, median / p95 | {entry['direct']['median_ms']:.2f} / {entry['direct']['p95_ms']:.2f} ms | | | | |"
            )
        tp = data.get("throughput")
        if not tp:
            continue
        for config, entry in tp.items():
            if not isinstance(entry, dict) or "workers" not in entry:
                continue
            for op in ("retrieve", f"list_{LIST_LIMIT}"):
                ours, peer = entry[op]["ours"], entry[op]["peer"]
                row(
                    f"[{pass_name}] HTTP {config}, {op}: calls/s (16 clients)",
                    ours["calls_per_s"],
                    None,
                    peer["calls_per_s"],
                )
                row(f"[{pass_name}] HTTP {config}, {op}: p50 latency", ours["p50_ms"], None, peer["p50_ms"], " ms")
                row(f"[{pass_name}] HTTP {config}, {op}: p95 latency", ours["p95_ms"], None, peer["p95_ms"], " ms")
                row(
                    f"[{pass_name}] HTTP {config}, {op}: server CPU per call",
                    ours.get("server_cpu_ms_per_call"),
                    None,
                    peer.get("server_cpu_ms_per_call"),
                    " ms",
                )
                row(f"[{pass_name}] HTTP {config}, {op}: errors", ours["errors"], None, peer["errors"])
        ceilings = tp["ceilings"]
        for name, entry in ceilings.items():
            lines.append(f"| [{pass_name}] ceiling: {name}, calls/s | {entry['calls_per_s']:,.1f} | | | | |")
    lines.append("")
    lines.append("| target | value | limit | met |")
    lines.append("|---|---:|---:|:---:|")
    for name, value in results["targets"].items():
        lines.append(f"| {name} | {value['value']} | {value['limit']} | {'yes' if value['met'] else '**no**'} |")
    return "\n".join(lines)


async def run_async(args: argparse.Namespace, plan: Plan, out_dir: Path, logs: Path) -> dict[str, Any]:
    started = time.monotonic()
    results: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "plan": plan.__dict__,
        "method": {
            "stdio_protocol": "2025-11-25 (initialize handshake), raw JSON-RPC lines",
            "http_protocol": "2026-07-28 per-request envelope, raw JSON-RPC POSTs from bench/loadgen.py",
            "retrieve_schema_id": RETRIEVE_ID,
            "schemas_in_project": SCHEMAS_IN_PROJECT,
            "ours_log_level": args.ours_log_level,
        },
        "passes": {},
    }
    latencies = [0.0] if args.no_latency_pass else [0.0, args.latency_ms]
    for latency in latencies:
        pass_name = f"{latency:g}ms"
        print(f"== sandbox latency {pass_name}", file=sys.stderr, flush=True)
        sandbox = Sandbox.start(latency, logs / "sandbox.log")
        try:
            servers = build_servers(args, sandbox.url)
            ordered = [servers["ours"], servers["bare"], servers["peer"]]
            pass_result: dict[str, Any] = {}
            if latency == 0.0:
                print("-- d. sizes", file=sys.stderr, flush=True)
                results["sizes"] = await sizes(ordered, logs)
                print("-- a/e. cold start and idle RSS", file=sys.stderr, flush=True)
                results["cold_start"] = await cold_start(ordered, plan.cold_runs, logs)
                results["bare_peak"] = await bare_peak(servers["bare"], logs)
            print("-- b. per-call overhead", file=sys.stderr, flush=True)
            rounds = plan.percall_rounds if latency == 0.0 else plan.percall_rounds_latency
            pass_result["per_call"] = await per_call(
                [servers["ours"], servers["peer"]], servers["bare"], sandbox, rounds, logs
            )
            if not args.skip_throughput:
                print("-- c. HTTP throughput", file=sys.stderr, flush=True)
                seconds = plan.round_seconds if latency == 0.0 else plan.round_seconds_latency
                tp_plan = Plan(**{**plan.__dict__, "round_seconds": seconds})
                pass_result["throughput"] = throughput(
                    servers, sandbox, tp_plan, logs, with_nodelay=latency == 0.0 and not args.no_nodelay
                )
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
    parser.add_argument(
        "--latency-ms", type=float, default=40.0, help="sandbox latency of the second pass (default 40)"
    )
    parser.add_argument("--no-latency-pass", action="store_true", help="skip the second pass")
    parser.add_argument("--skip-throughput", action="store_true", help="skip c (HTTP throughput)")
    parser.add_argument("--no-nodelay", action="store_true", help="skip the TCP_NODELAY multi-worker variant")
    parser.add_argument("--ours", help="command of our server (default: the venv's posthog-external-data-mcp)")
    parser.add_argument("--peer", help="command of the peer (default: python bench/peer_fastmcp.py)")
    parser.add_argument("--bare", help="command of the bare server (default: python bench/bare_sdk_server.py)")
    parser.add_argument("--ours-log-level", default="warning", help="--log-level given to our server (default warning)")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "results" / "latest.json", help="JSON output")
    parser.add_argument("--report", type=Path, help="print the markdown table of an earlier run's JSON and exit")
    args = parser.parse_args()
    if args.report:
        print(markdown(json.loads(args.report.read_text())))
        return
    cores = os.cpu_count() or 1
    if args.quick:
        plan = Plan(3, 60, 15, 1, 3.0, 3.0, 1.0, 16, cores)
    else:
        plan = Plan(11, 600, 80, 2, 5.0, 4.0, 1.5, 16, cores)
    out_dir = args.out.parent
    logs = out_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    results = asyncio.run(run_async(args, plan, out_dir, logs))
    results["quick"] = args.quick
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(markdown(results))
    print(f"\nraw numbers: {args.out} ({results['duration_s']:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
