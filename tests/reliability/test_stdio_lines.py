"""Over stdio, a line the server cannot read costs that line only: it gets a JSON-RPC error and the server reads on.

Driven with raw JSON-RPC lines (no SDK client can be asked to send a 64 MiB line or a broken one) through the
installed console script, the way an MCP client spawns it.
"""

from __future__ import annotations

import json
import queue
import re
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from tests.support.processes import SERVER_SCRIPT, clean_environment, stop

LINE_LIMIT = 64 * 1024 * 1024
ANSWER_TIMEOUT = 30.0
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}},
}


class RawStdio:
    """The server's stdin as lines to write, its stdout as JSON messages to read (with a timeout)."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self._answers: queue.Queue[dict[str, Any] | None] = queue.Queue()
        threading.Thread(target=self._read, args=(process.stdout,), daemon=True).start()

    def _read(self, stdout: IO[bytes]) -> None:
        for line in stdout:
            self._answers.put(json.loads(line))
        self._answers.put(None)  # EOF: the server closed its stdout (or died)

    def send_line(self, *parts: bytes) -> None:
        assert self.process.stdin is not None
        for part in parts:
            self.process.stdin.write(part)
        self.process.stdin.write(b"\n")
        self.process.stdin.flush()

    def peak_memory_bytes(self) -> int:
        """The server's peak resident set so far (Linux's VmHWM)."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) * 1024  # type: ignore[union-attr]

    def send(self, message: dict[str, Any]) -> None:
        self.send_line(json.dumps(message).encode())

    def answer(self) -> dict[str, Any]:
        answer = self._answers.get(timeout=ANSWER_TIMEOUT)
        assert answer is not None, f"the server stopped (exit code {self.process.poll()})"
        return answer


@contextmanager
def raw_server() -> Iterator[RawStdio]:
    process = subprocess.Popen(
        [SERVER_SCRIPT, "--sandbox"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=clean_environment(),
    )
    try:
        raw = RawStdio(process)
        raw.send(INITIALIZE)
        assert raw.answer()["id"] == 1
        raw.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        yield raw
    finally:
        if process.stdin is not None:
            process.stdin.close()
        stop(process)  # type: ignore[arg-type]


def tools_list(request_id: int) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "method": "tools/list"}


def test_a_line_over_the_limit_gets_a_parse_error_and_the_next_request_is_answered() -> None:
    # A well-formed request padded to four times the limit: the server must neither die of it nor hold it whole.
    padding = b"a" * (1024 * 1024)
    pads = [padding] * (4 * LINE_LIMIT // len(padding))
    with raw_server() as raw:
        before = raw.peak_memory_bytes()
        # The requests that follow share the oversized line's last write, so they arrive in the same chunk.
        following = json.dumps(tools_list(3)).encode() + b"\n" + json.dumps(tools_list(4)).encode()
        raw.send_line(b'{"jsonrpc":"2.0","id":2,"method":"ping","params":{"pad":"', *pads, b'"}}\n' + following)
        refused = raw.answer()
        listed = {answer["id"]: answer for answer in (raw.answer(), raw.answer())}  # in either order
        growth = raw.peak_memory_bytes() - before
        assert raw.process.poll() is None
    assert refused["id"] is None
    assert refused["error"]["code"] == -32700
    assert "64 MiB" in refused["error"]["message"]
    assert set(listed) == {3, 4} and len(listed[3]["result"]["tools"]) >= 10
    assert growth < 3 * LINE_LIMIT, f"peak memory grew {growth >> 20} MiB for a {4 * LINE_LIMIT >> 20} MiB line"


UNREADABLE_LINES = [
    (b"not json at all", -32700),
    (b'{"jsonrpc":"2.0","id":2,"method":', -32700),  # cut short
    (b"\xff\xfe\x00garbage", -32700),  # not even UTF-8
    (b"", -32700),
    (b'{"hello": "world"}', -32600),  # JSON, but not a JSON-RPC message
    (b'{"jsonrpc":"2.0","id":7,"method":42}', -32600),
    (b"[1, 2, 3]", -32600),
]


def test_each_unreadable_line_gets_a_json_rpc_error_and_the_server_reads_on() -> None:
    with raw_server() as raw:
        for request_id, (line, code) in enumerate(UNREADABLE_LINES, start=10):
            raw.send_line(line)
            raw.send(tools_list(request_id))
            refused, listed = raw.answer(), raw.answer()
            assert (refused["id"], refused["error"]["code"]) == (None, code), line
            assert "line" in refused["error"]["message"] and "garbage" not in refused["error"]["message"]
            assert listed["id"] == request_id and "tools" in listed["result"]
