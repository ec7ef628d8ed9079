"""When a person, not an MCP client, is at the other end of stdin: say what this is, and let Ctrl-C end it.

Reading a terminal the usual way (a blocking `readline` in a worker thread, as the SDK's stdio transport and
`input()` do) makes Ctrl-C wait for the next Enter: the cancelled read cannot be abandoned, and the interpreter
waits for its thread before it exits. So the terminal is read on the event loop instead, through a fresh
descriptor of it: `O_NONBLOCK` then applies to that descriptor only, never to the shell's own (which shares
fd 0's), and the read is cancelled at once when Ctrl-C cancels the main task.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager, suppress

from .settings import PROG

_MAX_LINE_BYTES = 64 * 1024 * 1024  # the stdio line limit; a terminal's own line limit is far lower


def stdin_is_terminal() -> bool:
    try:
        return os.isatty(0)
    except OSError:
        return False


def stdio_banner() -> str:
    """What the stdio server tells a person who started it in a terminal (on stderr)."""
    return (
        f"{PROG}: this is an MCP server speaking JSON-RPC on stdin/stdout, for MCP clients (Claude Desktop, "
        "Cursor, VS Code, ...), not for typing. Quit with Ctrl-C (or Ctrl-D). "
        f"To try the tools by hand: {PROG} call --sandbox   (config snippets: {PROG} config --help)"
    )


@asynccontextmanager
async def terminal_reader() -> AsyncGenerator[asyncio.StreamReader | None]:
    """The terminal on fd 0 as a cancellable stream reader; None when fd 0 is not a terminal (or on Windows)."""
    if sys.platform == "win32" or not stdin_is_terminal():
        yield None
        return
    try:
        fd = os.open(os.ttyname(0), os.O_RDONLY | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError:
        yield None
        return
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=_MAX_LINE_BYTES)
    try:
        transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(fd, "rb", 0)
        )
    except (OSError, ValueError):
        with suppress(OSError):
            os.close(fd)
        yield None
        return
    try:
        yield reader
    finally:
        transport.close()


async def read_line(reader: asyncio.StreamReader) -> str:
    """One line from the terminal, "" at Ctrl-D on an empty line."""
    try:
        line = await reader.readuntil(b"\n")
    except asyncio.IncompleteReadError as eof:
        line = eof.partial
    return line.decode("utf-8", "replace")
