"""Start the installed console scripts as real subprocesses on loopback, and stop them."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2

BIN = Path(sys.executable).parent
SERVER_SCRIPT = str(BIN / "posthog-external-data-mcp")
SANDBOX_SCRIPT = str(BIN / "posthog-external-data-sandbox")
_LISTENING = re.compile(r"listening on (http://\S+)")
KEY_LOOKUP_PATH = "/api/personal_api_keys/@current/"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The test process's environment without any PostHog or MCP settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POSTHOG_", "MCP_"))}
    env.update(extra or {})
    return env


@dataclass
class RunningSandbox:
    url: str
    process: subprocess.Popen[str]

    def reset(self) -> None:
        httpx2.post(f"{self.url}/_sandbox/reset").raise_for_status()
        httpx2.delete(f"{self.url}/_sandbox/requests").raise_for_status()

    def requests(self) -> list[dict[str, object]]:
        """The /api requests the sandbox received since the last reset, as it logged them — except the servers'
        lookups of their key's own scopes (see `key_lookups`), which tools/list may start in the background."""
        return [entry for entry in self.all_requests() if entry["path"] != KEY_LOOKUP_PATH]

    def key_lookups(self) -> list[dict[str, object]]:
        return [entry for entry in self.all_requests() if entry["path"] == KEY_LOOKUP_PATH]

    def all_requests(self) -> list[dict[str, object]]:
        response = httpx2.get(f"{self.url}/_sandbox/requests")
        response.raise_for_status()
        return list(response.json())


@contextmanager
def sandbox_process(*flags: str, env: Mapping[str, str] | None = None) -> Iterator[RunningSandbox]:
    process = subprocess.Popen(
        [SANDBOX_SCRIPT, "--port", "0", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_environment(env),
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = _LISTENING.search(line)
        if match is None:
            process.kill()
            raise RuntimeError(f"sandbox did not start: {line!r} {process.stderr.read() if process.stderr else ''}")
        yield RunningSandbox(url=match.group(1), process=process)
    finally:
        stop(process)


@dataclass
class RunningServer:
    url: str
    process: subprocess.Popen[str]

    def stderr_so_far(self) -> str:
        stop(self.process)
        assert self.process.stderr is not None
        return self.process.stderr.read()


@contextmanager
def http_server_process(
    args: Sequence[str], env: Mapping[str, str], port: int | None = None
) -> Iterator[RunningServer]:
    """`posthog-external-data-mcp --transport http` on loopback, waited for until /health answers."""
    port = port or free_port()
    process = subprocess.Popen(
        [SERVER_SCRIPT, "--transport", "http", "--port", str(port), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_environment(env),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(f"{base}/health", process)
        yield RunningServer(url=f"{base}/mcp", process=process)
    finally:
        stop(process)


def wait_until_healthy(url: str, process: subprocess.Popen[str], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early: {process.stderr.read() if process.stderr else ''}")
        try:
            if httpx2.get(url, timeout=1).status_code == 200:
                return
        except httpx2.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not become healthy")


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
