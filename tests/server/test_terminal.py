"""The console script started by a person in a terminal (a real pseudo-terminal, with line discipline: Ctrl-C is
SIGINT from the tty driver, Ctrl-D is end of input): it says what it is, Ctrl-C ends it within a second whatever
it is doing, and the terminal is left as it was found (no O_NONBLOCK)."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from posthog_external_data_mcp.sandbox import demo
from tests.support.processes import SERVER_SCRIPT, clean_environment

IN_TERMINAL = Path(__file__).parent / "programs" / "in_terminal.py"
CTRL_C, CTRL_D = b"\x03", b"\x04"
STARTUP_SECONDS = 60  # a loaded CI machine can take several seconds to import and build the server
PING = '{"jsonrpc": "2.0", "id": 1, "method": "ping"}'
INITIALIZE = (
    '{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25", '
    '"capabilities": {}, "clientInfo": {"name": "terminal", "version": "1"}}}'
)
TOOLS_LIST = '{{"jsonrpc": "2.0", "id": {id}, "method": "tools/list"}}'
_ENDED = re.compile(r"\[exit (-?\d+) nonblocking=(True|False)\]")


class Terminal:
    """A command in a fresh pseudo-terminal, run by in_terminal.py as a shell would run a foreground job."""

    def __init__(self, pid: int, fd: int) -> None:
        self.pid, self.fd = pid, fd
        self.output = ""

    def type(self, text: str | bytes) -> None:
        os.write(self.fd, text.encode() if isinstance(text, str) else text)

    def read_until(self, pattern: str, timeout: float = STARTUP_SECONDS) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while (match := re.search(pattern, self.output)) is None:
            left = deadline - time.monotonic()
            assert left > 0, f"{pattern!r} did not appear; the terminal shows:\n{self.output[-3000:]}"
            if select.select([self.fd], [], [], min(left, 0.05))[0]:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:  # EIO: every process on the terminal is gone
                    chunk = b""
                if not chunk:
                    time.sleep(0.01)
                self.output += chunk.decode("utf-8", "replace").replace("\r\n", "\n")
        return match

    def interrupt(self) -> tuple[int, float]:
        """Ctrl-C; the exit code and how long the command took to end."""
        started = time.monotonic()
        self.type(CTRL_C)
        code = self.ended(timeout=10)
        return code, time.monotonic() - started

    def ended(self, timeout: float) -> int:
        match = self.read_until(_ENDED.pattern, timeout)
        assert match.group(2) == "False", "the command left the terminal in non-blocking mode"
        return int(match.group(1))


@contextmanager
def terminal(*args: str, **env: str) -> Iterator[Terminal]:
    pid, fd = pty.fork()
    if pid == 0:  # the child: its stdin, stdout and stderr are the terminal, which is its controlling tty
        os.execve(sys.executable, [sys.executable, str(IN_TERMINAL), SERVER_SCRIPT, *args], clean_environment(env))
    term = Terminal(pid, fd)
    try:
        yield term
    finally:
        if os.waitpid(pid, os.WNOHANG) == (0, 0):
            os.killpg(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)


def assert_quiet_end(term: Terminal) -> None:
    assert "Traceback" not in term.output, term.output


@pytest.mark.parametrize("state", ["starting", "idle", "line half typed", "after a line that is not JSON"])
def test_ctrl_c_ends_the_stdio_server_within_a_second(state: str) -> None:
    with terminal("--sandbox") as term:
        # Printed before the server is imported and built: what it is, how to quit, how to try it.
        banner = term.read_until(r"posthog-external-data-mcp: this is an MCP server[^\n]*\n").group(0)
        assert "JSON-RPC on stdin/stdout" in banner and "Quit with Ctrl-C" in banner
        assert "posthog-external-data-mcp call --sandbox" in banner
        if state != "starting":
            term.type(PING + "\n")
            term.read_until(r'\{"jsonrpc":"2.0","id":1,"result":\{\}\}')
        if state == "line half typed":
            term.type('{"jsonrpc": "2.0", "id": 2, "meth')
        if state == "after a line that is not JSON":
            term.type("hello\n")
            # The protocol's parse error, with id null; the server reads on.
            term.read_until(r'\{"jsonrpc":"2.0","id":null,"error":\{"code":-32700,"message":"Parse error[^"]*"\}\}')
            term.type(PING.replace('"id": 1', '"id": 3') + "\n")
            term.read_until(r'"id":3,"result"')
        code, seconds = term.interrupt()
    assert code == 130, term.output
    assert seconds < 1.0, f"{seconds:.2f} s"
    assert_quiet_end(term)


def test_ctrl_d_ends_the_stdio_server() -> None:
    with terminal("--sandbox") as term:
        term.read_until("this is an MCP server")
        term.type(PING + "\n")
        term.read_until('"id":1,"result"')
        term.type(CTRL_D)
        assert term.ended(timeout=10) == 0
    assert_quiet_end(term)


def test_the_interactive_call_runs_lines_and_ends_with_ctrl_d() -> None:
    with terminal("call", "--sandbox") as term:
        term.read_until("call> ")
        term.type(f'{"external-data-schemas-retrieve"} {{"id": "{demo.POSTGRES_ORDERS_ID}"}}\n')
        term.read_until(r"orders")
        term.read_until("call> ")
        term.type("external-data-schemas-nope {}\n")
        term.read_until(r"error: unknown tool 'external-data-schemas-nope'")
        term.type(CTRL_D)
        assert term.ended(timeout=10) == 1  # one of the lines failed
    assert_quiet_end(term)


@pytest.mark.parametrize("state", ["at the prompt", "line half typed", "during a call"])
def test_ctrl_c_ends_the_interactive_call_within_a_second(state: str) -> None:
    # The demo PostHog takes 30 s to answer each request, so a call typed is still running when Ctrl-C comes.
    with terminal("call", "--sandbox", POSTHOG_SANDBOX_LATENCY_MS="30000") as term:
        term.read_until("call> ")
        if state == "line half typed":
            term.type('external-data-schemas-list {"lim')
        if state == "during a call":
            term.type('external-data-schemas-list {"limit": 1}\n')
            time.sleep(0.5)
        code, seconds = term.interrupt()
    assert code == 130, term.output
    assert seconds < 1.0, f"{seconds:.2f} s"
    assert_quiet_end(term)


def children_of(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def test_ctrl_c_ends_the_stdio_server_while_nobody_reads_its_output() -> None:
    """Answers pile up beyond what the terminal buffers, so the server's writer blocks in mid-write, where no
    cancellation reaches it: Ctrl-C must end the server anyway, without the output being read first."""
    with terminal("--sandbox") as term:
        term.read_until("this is an MCP server")
        term.type(INITIALIZE + "\n")
        term.read_until('"id":1,"result"')
        (server,) = children_of(term.pid)
        term.type("".join(TOOLS_LIST.format(id=2 + n) + "\n" for n in range(40)))
        time.sleep(1.5)  # ~40 lists of 13 tools: far more than a terminal holds, and none of it read
        term.type(CTRL_C)
        deadline = time.monotonic() + 1.0
        while server in children_of(term.pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert server not in children_of(term.pid), (
            "the server outlived Ctrl-C by a second while its output was blocked"
        )
        assert term.ended(timeout=10) == 130
