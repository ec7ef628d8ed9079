"""A/B of our stdio transport: asyncio pipes (what ships) vs the SDK's thread-based `stdio_server()`.

Both variants are our server with `--sandbox` (in-process upstream, so only the MCP hop differs), driven by raw
JSON-RPC lines over pipes, interleaved call by call.

    .venv/bin/python bench/experiments/stdio_ab.py [--calls 600]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

SERVER = str(Path(sys.executable).parent / "posthog-external-data-mcp")
FORCE_SDK_TRANSPORT = (
    "import posthog_external_data_mcp.server.stdio_pipes as pipes; pipes.pipes_usable = lambda: False; "
    "from posthog_external_data_mcp.cli import main; main(['--sandbox', '--log-level', 'warning'])"
)
RETRIEVE = {"name": "external-data-schemas-retrieve", "arguments": {"id": "0193f0c1-5c4e-7000-8000-000000000201"}}


class Session:
    def __init__(self, command: list[str]) -> None:
        env = {**os.environ, "POSTHOG_SANDBOX_RATE_LIMIT_PER_MINUTE": "0", "POSTHOG_SANDBOX_RATE_LIMIT_PER_HOUR": "0"}
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
        )
        self.next_id = 0
        self.call(
            "initialize",
            {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "ab", "version": "1"}},
        )
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write((json.dumps(message) + "\n").encode())
        self.process.stdin.flush()

    def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        assert self.process.stdout is not None
        return json.loads(self.process.stdout.readline())

    def close(self) -> None:
        self.process.terminate()
        self.process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=600)
    args = parser.parse_args()
    sessions = {
        "asyncio pipes (shipped)": Session([SERVER, "--sandbox", "--log-level", "warning"]),
        "SDK stdio_server (threads)": Session([sys.executable, "-c", FORCE_SDK_TRANSPORT]),
    }
    timings: dict[str, list[float]] = {name: [] for name in sessions}
    for _ in range(args.calls):
        for name, session in sessions.items():
            started = time.perf_counter()
            answer = session.call("tools/call", RETRIEVE)
            timings[name].append((time.perf_counter() - started) * 1000)
            assert "result" in answer, answer
    for name, values in timings.items():
        kept = values[args.calls // 10 :]
        print(
            f"{name}: retrieve round trip median {statistics.median(kept):.3f} ms, p95 {statistics.quantiles(kept, n=20)[-1]:.3f} ms"
        )
    for session in sessions.values():
        session.close()


if __name__ == "__main__":
    main()
