"""c. HTTP throughput: each server on loopback, 16 clients from bench/loadgen.py, servers interleaved per round.

Every number of a server comes with the CPU its process tree used per call (user + system from /proc, warm-up
included), the sandbox's and the load generator's: on a shared 2-core machine that is the figure that moves
least with the neighbours' load.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import BENCH_DIR, base_env, cpu_seconds, free_port, median, memory_kib, percentile, stop, wait_for_port
from servers import KEY, LIST_LIMIT, RETRIEVE_ID, Sandbox, Server

OPERATIONS = ("retrieve", f"list_{LIST_LIMIT}")


@dataclass
class HttpServer:
    name: str
    server: Server
    process: subprocess.Popen[bytes]
    url: str

    def stop(self) -> None:
        stop(self.process, timeout=15)


def start_http(name: str, server: Server, workers: int, sandbox: Sandbox, logs: Path) -> HttpServer:
    port = free_port()
    env = sandbox.env(server)
    if server.passthrough:
        env.pop("POSTHOG_PERSONAL_API_KEY", None)  # every request brings its key
    process = subprocess.Popen(
        server.http(port, workers),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=(logs / f"{name}.log").open("ab"),
        env=base_env(env),
        cwd=BENCH_DIR,
    )
    wait_for_port(port, process)
    time.sleep(0.5 * workers)  # every worker has had time to import
    return HttpServer(name, server, process, f"http://127.0.0.1:{port}/mcp")


def loadgen(
    target: HttpServer | None, operation: str, sandbox: Sandbox, *, seconds: float, warmup: float, concurrency: int
) -> dict[str, Any]:
    """One bench/loadgen.py run against `target` (None: the sandbox directly, the ceiling of any server)."""
    command = [sys.executable, str(BENCH_DIR / "loadgen.py"), "--raw"]
    command += ["--concurrency", str(concurrency), "--warmup", str(warmup), "--duration", str(seconds)]
    if target is None:
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
            merged[f"rounds_{name}"] = values
    for name in ("server_rss_mib", "server_peak_mib", "server_processes"):
        values = [run[name] for run in runs if name in run]
        if values:
            merged[name] = max(values)
    return merged


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


def ceilings(servers: dict[str, Server], sandbox: Sandbox, plan: Any, logs: Path) -> dict[str, Any]:
    """The sandbox answering the same requests directly, and the bare SDK server's echo tool."""
    timing = {"seconds": plan.round_seconds, "warmup": plan.warmup, "concurrency": plan.concurrency}
    out = {f"sandbox_direct_{op}": merge_runs([loadgen(None, op, sandbox, **timing)]) for op in OPERATIONS}
    bare = start_http("bare-http", servers["bare"], 1, sandbox, logs)
    try:
        out["bare_echo_1_worker"] = merge_runs([loadgen(bare, "echo", sandbox, **timing)])
    finally:
        bare.stop()
    return out


def throughput(
    servers: dict[str, Server], sandbox: Sandbox, plan: Any, logs: Path, *, contenders: list[str]
) -> dict[str, Any]:
    """1 process, then `plan.workers_per_core` processes: every contender per operation, order rotating."""
    timing = {"seconds": plan.round_seconds, "warmup": plan.warmup, "concurrency": plan.concurrency}
    out: dict[str, Any] = {"concurrency": plan.concurrency, "seconds_per_round": plan.round_seconds}
    out["ceilings"] = ceilings(servers, sandbox, plan, logs)
    for workers in sorted({1, plan.workers_per_core}):
        config = "1_worker" if workers == 1 else f"{workers}_workers"
        running = [start_http(f"{key}-http-{config}", servers[key], workers, sandbox, logs) for key in contenders]
        try:
            entry: dict[str, Any] = {"workers": workers}
            for operation in OPERATIONS:
                runs: dict[str, list[dict[str, Any]]] = {target.server.key: [] for target in running}
                for round_index in range(plan.rounds):
                    shift = round_index % len(running)
                    for target in running[shift:] + running[:shift]:
                        runs[target.server.key].append(loadgen(target, operation, sandbox, **timing))
                merged: dict[str, Any] = {key: merge_runs(value) for key, value in runs.items()}
                ours = merged["ours"]
                for other in [key for key in merged if key != "ours"]:
                    merged[f"ours_to_{other}_calls_per_s"] = ratio(ours["calls_per_s"], merged[other]["calls_per_s"])
                    merged[f"ours_to_{other}_cpu_per_call"] = ratio(
                        ours.get("server_cpu_ms_per_call"), merged[other].get("server_cpu_ms_per_call")
                    )
                entry[operation] = merged
            out[config] = entry
        finally:
            for target in running:
                target.stop()
    if plan.workers_per_core > 1:
        out["scaling"] = scaling(out, plan.workers_per_core, contenders)
    return out


def scaling(out: dict[str, Any], workers: int, contenders: list[str]) -> dict[str, Any]:
    """N processes against 1: throughput gained, and calls per server CPU-second (single-core efficiency).

    On this machine the N workers share the cores with the sandbox and the load generator, so throughput cannot
    scale by N; calls per CPU-second says whether each process stays as efficient as a lone one, and
    `projected_calls_per_s` is N cores' worth of that (what dedicated cores would allow if nothing else limits).
    """
    single, multi = out["1_worker"], out[f"{workers}_workers"]
    result: dict[str, Any] = {}
    for operation in OPERATIONS:
        result[operation] = {}
        for key in contenders:
            one, many = single[operation][key], multi[operation][key]
            cpu_one, cpu_many = one.get("server_cpu_ms_per_call"), many.get("server_cpu_ms_per_call")
            result[operation][key] = {
                "throughput_vs_1_process": ratio(many["calls_per_s"], one["calls_per_s"]),
                "server_cores_used_1_process": round(one["calls_per_s"] * cpu_one / 1000, 2) if cpu_one else None,
                f"server_cores_used_{workers}_processes": round(many["calls_per_s"] * cpu_many / 1000, 2)
                if cpu_many
                else None,
                "calls_per_cpu_second_1_process": round(1000 / cpu_one, 1) if cpu_one else None,
                f"calls_per_cpu_second_{workers}_processes": round(1000 / cpu_many, 1) if cpu_many else None,
                "single_core_efficiency": ratio(cpu_one, cpu_many),
                "projected_calls_per_s": round(workers * 1000 / cpu_many, 1) if cpu_many else None,
            }
    return result
