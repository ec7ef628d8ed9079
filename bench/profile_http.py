"""Where an HTTP tool call's CPU goes: py-spy samples of a server under the benchmark's load, ours beside the floor.

For each server (1 process, 16 clients, stateless JSON mode, the bench sandbox at 0 ms), a load burst runs and
py-spy (sampling, `--nonblocking`: the server is never paused) records the server's stacks during the counted
window, `--gil` only: the samples are of Python code running. Without `--gil`, a thread that has just written to a
loopback socket and was preempted by the reader it woke counts as busy in `transport.write`: on 2 shared cores
that was a quarter of all samples and moved with the neighbours' load. Each share is turned into milliseconds per
call with the user CPU the server used in that window ÷ the calls answered in it; system CPU (the socket I/O in
the kernel) is reported beside it.

Three views per server: the top functions by self time (leaf frame) and by cumulative time (anywhere on the
stack), and the CPU per call by layer — each sample charged to the innermost frame that belongs to a layer
(our modules, the SDK's modules, Starlette, uvicorn/h11, httpx2), skipping generic frames (pydantic, json,
asyncio, logging, the stdlib) so that a pydantic validation is charged to whoever asked for it.

    .venv/bin/python bench/profile_http.py                      # ours and the floor, retrieve and list
    .venv/bin/python bench/profile_http.py --servers ours --ops retrieve --seconds 8 --json out.json
    .venv/bin/python bench/profile_http.py --servers before,ours,floor --before 'env PYTHONPATH=old/src python -m posthog_external_data_mcp'
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import BENCH_DIR, base_env, cpu_split
from http_load import start_http
from servers import LIST_LIMIT, RETRIEVE_ID, Sandbox, build_servers

PY_SPY = Path(sys.executable).parent / "py-spy"
GENERIC = (
    "pydantic",
    "/json/",
    "asyncio/",
    "anyio/",
    "logging/",
    "/re/",
    "/enum.py",
    "/typing.py",
    "/abc.py",
    "/contextlib.py",
    "/functools.py",
    "/dataclasses.py",
    "/copy.py",
    "/inspect.py",
    "/urllib/",
    "/email/",
    "sniffio",
    "<frozen",
)


def layer(path: str, function: str) -> str | None:
    """The layer a frame belongs to, or None for a generic frame (charged to its caller)."""
    path = "/" + path.split("site-packages/", 1)[-1].lstrip("/")
    if "posthog_external_data_mcp/" in path:
        module = path.split("posthog_external_data_mcp/", 1)[1]
        if module == "server/app.py" and function.startswith("_redact"):
            return "ours: redaction (app.py _redact*)"
        return f"ours: {module}"
    if "floor_server.py" in path:
        return "floor: its two tools"
    if "httpx2/" in path or "httpcore" in path or "h2/" in path:
        return "httpx2 (the upstream request)"
    if "/mcp/server/mcpserver/" in path:
        return "SDK: MCPServer tool layer"
    if "/mcp/" in path or "/mcp_types/" in path:
        return f"SDK: {path.split('/mcp', 1)[1].split('/', 1)[1].removeprefix('server/')}"
    if "starlette/" in path:
        return "Starlette"
    if "uvicorn/" in path or "/h11/" in path:
        return "uvicorn + h11"
    if "opentelemetry" in path:
        return "OpenTelemetry"
    if any(marker in path for marker in GENERIC):
        return None
    return None


def parse_frame(frame: str) -> tuple[str, str]:
    """py-spy's `function (path:line)` → (function, path)."""
    function, _, rest = frame.partition(" (")
    return function, rest.rsplit(":", 1)[0]


def short(function: str, path: str) -> str:
    for marker in ("site-packages/", "/src/", "/bench/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    else:
        path = path.rsplit("/lib/python3.11/", 1)[-1]
    return f"{function} ({path})"


def analyse(collapsed: str, cpu_ms_per_call: float, top: int) -> dict[str, Any]:
    self_time: Counter[str] = Counter()
    cumulative: Counter[str] = Counter()
    layers: Counter[str] = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [parse_frame(frame) for frame in stack.split(";") if frame]
        if not frames:
            continue
        total += count
        self_time[short(*frames[-1])] += count
        for name in {short(*frame) for frame in frames}:
            cumulative[name] += count
        owner = next((found for frame in reversed(frames) if (found := layer(frame[1], frame[0]))), None)
        layers[owner or "event loop, stdlib, other"] += count

    def table(counter: Counter[str], limit: int | None) -> list[dict[str, Any]]:
        return [
            {"name": name, "share": round(count / total, 4), "ms_per_call": round(count / total * cpu_ms_per_call, 3)}
            for name, count in counter.most_common(limit)
        ]

    return {
        "samples": total,
        "self": table(self_time, top),
        "cumulative": table(cumulative, top),
        "layers": table(layers, None),
    }


def profile(server_key: str, operation: str, args: argparse.Namespace, sandbox: Sandbox, logs: Path) -> dict[str, Any]:
    bench_args = SimpleNamespace(
        ours=args.ours, before=args.before, peer=None, bare=None, ours_log_level=args.ours_log_level
    )
    server = build_servers(bench_args)[server_key]  # type: ignore[arg-type]
    running = start_http(f"profile-{server_key}", server, 1, sandbox, logs)
    try:
        if operation == "retrieve":
            name, arguments = server.tool("external-data-schemas-retrieve"), server.arguments({"id": RETRIEVE_ID})
        else:
            name, arguments = server.tool("external-data-schemas-list"), server.arguments({"limit": LIST_LIMIT})
        command = [sys.executable, str(BENCH_DIR / "loadgen.py"), "--url", running.url, "--tool", name]
        command += ["--arguments", json.dumps(arguments), "--concurrency", str(args.concurrency)]
        command += ["--warmup", str(args.warmup), "--duration", str(args.seconds)]
        if server.bearer:
            command += ["--bearer", server.bearer]
        with tempfile.NamedTemporaryFile("w+", suffix=".txt") as out:
            load = subprocess.Popen(command, stdout=subprocess.PIPE, env=base_env({}))
            time.sleep(args.warmup)
            user_before, system_before = cpu_split(running.process.pid)
            spy = [str(PY_SPY), "record", "--pid", str(running.process.pid), "--rate", str(args.rate)]
            spy += ["--duration", str(int(args.seconds)), "--nonblocking", "--gil", "--format", "raw", "-o", out.name]
            subprocess.run(spy, check=True, capture_output=True)
            user_after, system_after = cpu_split(running.process.pid)
            stdout, _ = load.communicate()
            collapsed = Path(out.name).read_text()
        if args.raw_dir:
            (args.raw_dir / f"{server_key}-{operation}.collapsed.txt").write_text(collapsed)
        result = json.loads(stdout)
        calls = max(1, result["ok"] + result["errors"])
        user_ms = (user_after - user_before) * 1000 / calls
        system_ms = (system_after - system_before) * 1000 / calls
        return {
            "server": server_key,
            "operation": operation,
            "collapsed": collapsed,
            "calls": calls,
            "calls_per_s": result["calls_per_s"],
            "errors": result["errors"],
            "server_cpu_ms_per_call": round(user_ms + system_ms, 3),
            "user_ms_per_call": round(user_ms, 3),
            "system_ms_per_call": round(system_ms, 3),
        }
    finally:
        running.stop()


def combine(bursts: list[dict[str, Any]], args: argparse.Namespace) -> dict[str, Any]:
    """Several bursts of one server: samples summed, CPU per call over all their calls."""
    calls = sum(burst["calls"] for burst in bursts)
    user_ms = sum(burst["user_ms_per_call"] * burst["calls"] for burst in bursts) / calls
    system_ms = sum(burst["system_ms_per_call"] * burst["calls"] for burst in bursts) / calls
    collapsed = "\n".join(burst["collapsed"] for burst in bursts)
    return {
        "server": bursts[0]["server"],
        "operation": bursts[0]["operation"],
        "bursts": len(bursts),
        "calls_per_s": [burst["calls_per_s"] for burst in bursts],
        "server_cpu_ms_per_call_per_burst": [burst["server_cpu_ms_per_call"] for burst in bursts],
        "errors": sum(burst["errors"] for burst in bursts),
        "server_cpu_ms_per_call": round(user_ms + system_ms, 3),
        "user_ms_per_call": round(user_ms, 3),
        "system_ms_per_call": round(system_ms, 3),
        **analyse(collapsed, user_ms, args.top),
    }


def render(profiles: list[dict[str, Any]]) -> str:
    lines: list[str] = []
    by_op: dict[str, list[dict[str, Any]]] = {}
    for entry in profiles:
        by_op.setdefault(entry["operation"], []).append(entry)
    for operation, entries in by_op.items():
        names = [entry["server"] for entry in entries]
        lines += [
            f"### {operation}: CPU per call by layer (ms)",
            "",
            "| layer | " + " | ".join(names) + " |",
            "|---|" + "---:|" * len(names),
        ]
        all_layers = list(dict.fromkeys(row["name"] for entry in entries for row in entry["layers"]))
        for name in all_layers:
            cells = [
                next((f"{row['ms_per_call']:.3f}" for row in entry["layers"] if row["name"] == name), "—")
                for entry in entries
            ]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        system = [f"{entry['system_ms_per_call']:.3f}" for entry in entries]
        totals = [f"**{entry['server_cpu_ms_per_call']:.3f}** ({entry['samples']} samples)" for entry in entries]
        lines += [
            "| kernel (system CPU: socket I/O) | " + " | ".join(system) + " |",
            "| **total (server CPU per call)** | " + " | ".join(totals) + " |",
            "",
        ]
        for entry in entries:
            for view in ("self", "cumulative"):
                lines += [
                    f"#### {entry['server']} {operation}, top by {view} time",
                    "",
                    "| function | share | ms/call |",
                    "|---|---:|---:|",
                ]
                lines += [f"| `{row['name']}` | {row['share']:.1%} | {row['ms_per_call']:.3f} |" for row in entry[view]]
                lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", default="ours,floor")
    parser.add_argument("--ops", default=f"retrieve,list_{LIST_LIMIT}")
    parser.add_argument("--seconds", type=float, default=8.0, help="sampled seconds per burst (default 8)")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rate", type=int, default=400, help="py-spy samples per second (default 400)")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--repeat", type=int, default=1, help="bursts per server, order rotating (summed)")
    parser.add_argument("--ours", help="command of our server (default: the venv's posthog-external-data-mcp)")
    parser.add_argument("--before", help="command of an earlier build of ours (profiled as server `before`)")
    parser.add_argument("--ours-log-level", default="warning")
    parser.add_argument("--json", type=Path, help="write the profile tables here")
    parser.add_argument("--raw-dir", type=Path, help="keep py-spy's collapsed stacks in this folder")
    args = parser.parse_args()
    if not PY_SPY.exists():
        parser.error(f"py-spy not found at {PY_SPY}: pip install py-spy")
    logs = BENCH_DIR / "results" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    sandbox = Sandbox.start(0.0, logs / "sandbox.log")
    profiles: list[dict[str, Any]] = []
    servers = args.servers.split(",")
    try:
        for operation in args.ops.split(","):
            bursts: dict[str, list[dict[str, Any]]] = {key: [] for key in servers}
            for round_index in range(args.repeat):
                shift = round_index % len(servers)
                for server_key in servers[shift:] + servers[:shift]:
                    print(f"-- {server_key} {operation} ({round_index + 1}/{args.repeat})", file=sys.stderr, flush=True)
                    bursts[server_key].append(profile(server_key, operation, args, sandbox, logs))
            profiles += [combine(bursts[key], args) for key in servers]
    finally:
        sandbox.stop()
    if args.json:
        args.json.write_text(json.dumps({"profiles": profiles}, indent=2) + "\n")
    print(render(profiles))


if __name__ == "__main__":
    main()
