"""The servers the benchmark compares, and the sandbox they all call.

* ours  — the console script of this project.
* floor — bench/floor_server.py: an `MCPServer` forwarding one GET per call, returning PostHog's body as text.
* peer  — bench/peer_fastmcp.py: `FastMCP.from_openapi` over bench/openapi.json.
* bare  — bench/bare_sdk_server.py: an `MCPServer` with one `echo` tool (no upstream call).
* before — optional (`--before CMD`): an earlier build of ours, for before/after ratios from one run.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from harness import BENCH_DIR, ROOT, BenchError, base_env, stop

KEY = "phx_sandbox_all"
PROJECT = "1"
RETRIEVE_ID = "0193f0c1-5c4e-7000-8000-000000000201"  # Postgres `orders`: PK, row filter, columns, source
SCHEMAS_IN_PROJECT = 120  # a full page at the list tool's largest limit (100), and more
LIST_LIMIT = 30
MAX_PAGE = 100
VENV_BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Server:
    key: str
    label: str
    stdio: list[str]
    http: Callable[[int, int], list[str]]  # (port, workers) -> command
    env: dict[str, str] = field(default_factory=dict[str, str])
    bearer: str | None = None
    calls_upstream: bool = True
    underscore_names: bool = False
    needs_project_arg: bool = False
    passthrough: bool = False  # HTTP: the server key is removed, every request brings its own (the bearer)

    def tool(self, name: str) -> str:
        return name.replace("-", "_") if self.underscore_names else name

    def arguments(self, arguments: dict[str, Any]) -> dict[str, Any]:
        return {"project_id": PROJECT, **arguments} if self.needs_project_arg else dict(arguments)


def http_flags(port: int, workers: int) -> list[str]:
    return ["--transport", "http", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]


def build_servers(args: argparse.Namespace) -> dict[str, Server]:
    python = sys.executable
    ours_cmd = shlex.split(args.ours) if args.ours else [str(VENV_BIN / "posthog-external-data-mcp")]
    ours_cmd += ["--log-level", args.ours_log_level]
    peer_cmd = shlex.split(args.peer) if args.peer else [python, str(BENCH_DIR / "peer_fastmcp.py")]
    bare_cmd = shlex.split(args.bare) if args.bare else [python, str(BENCH_DIR / "bare_sdk_server.py")]
    floor_cmd = [python, str(BENCH_DIR / "floor_server.py")]
    upstream = {"POSTHOG_PERSONAL_API_KEY": KEY, "POSTHOG_PROJECT_ID": PROJECT}
    serve_workers = [python, str(BENCH_DIR / "serve_workers.py")]

    def peer_http(port: int, workers: int) -> list[str]:
        if workers == 1:
            return [*peer_cmd, *http_flags(port, 1)]
        # FastMCP has no multi-process mode; uvicorn's own (`--workers`) binds with Nagle on (a ~40 ms stall per
        # keep-alive request), so its workers get the TCP_NODELAY launcher ours and the floor use.
        factory = "peer_fastmcp:create_http_app"
        return [*serve_workers, "--factory", factory, "--port", str(port), "--workers", str(workers)]

    servers = {
        "ours": Server(
            key="ours",
            label="posthog-external-data-mcp",
            stdio=ours_cmd,
            http=lambda port, workers: [*ours_cmd, *http_flags(port, workers)],
            env=upstream,
            bearer=KEY,  # passthrough: a loopback client's phx_ bearer is used for its calls
            passthrough=True,
        ),
        "floor": Server(
            key="floor",
            label="floor: MCPServer forwarding one GET",
            stdio=floor_cmd,
            http=lambda port, workers: [*floor_cmd, *http_flags(port, workers)],
            env=upstream,
        ),
        "peer": Server(
            key="peer",
            label="FastMCP.from_openapi (peer)",
            stdio=peer_cmd,
            http=peer_http,
            env=upstream,
            underscore_names=True,
            needs_project_arg=True,
        ),
        "bare": Server(
            key="bare",
            label="bare mcp MCPServer (1 tool)",
            stdio=bare_cmd,
            http=lambda port, workers: [*bare_cmd, *http_flags(port, 1)[:-2]],
            calls_upstream=False,
        ),
    }
    if getattr(args, "before", None):
        # An earlier build of ours (e.g. `env PYTHONPATH=/path/to/old/src python -m posthog_external_data_mcp`),
        # measured in the same interleaved run: before/after ratios that the machine's load cannot skew.
        before_cmd = [*shlex.split(args.before), "--log-level", args.ours_log_level]
        servers["before"] = replace(
            servers["ours"],
            key="before",
            label="posthog-external-data-mcp, earlier build",
            stdio=before_cmd,
            http=lambda port, workers: [*before_cmd, *http_flags(port, workers)],
        )
    return servers


@dataclass
class Sandbox:
    """bench/sandbox_server.py on a free loopback port."""

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

    def env(self, server: Server) -> dict[str, str]:
        """The server's environment against this sandbox."""
        return {**server.env, "POSTHOG_HOST": self.url} if server.calls_upstream else dict(server.env)

    def stop(self) -> None:
        stop(self.process)
