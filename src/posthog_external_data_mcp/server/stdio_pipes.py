"""Stdio on asyncio pipes: the SDK's stdio transport, minus a worker-thread hop for every line.

`mcp.server.stdio.stdio_server()` reads stdin and writes stdout through `anyio.wrap_file`, so each message costs
two thread round trips (~0.3 ms of the ~1 ms a call adds). Given explicit streams it skips that, and also skips
its protection of the wire, which this module therefore does itself, the same way: the protocol moves to private
duplicates of fd 0/1, fd 0 then reads /dev/null and fd 1 writes to stderr, so a stray `print` in any library
cannot corrupt a message. Both are restored on exit.

Used only when stdin and stdout are pipes (or sockets) and stdout is not the same pipe as stderr — the way MCP
clients spawn servers. Anything else (a terminal, a file, Windows) gets the SDK's own transport: the pipes are
switched to non-blocking mode, which must never leak into a terminal or into stderr.
"""

from __future__ import annotations

import asyncio
import os
import stat
import sys
from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager, suppress
from typing import Any

from mcp.server.stdio import stdio_server

_MAX_LINE_BYTES = 64 * 1024 * 1024  # one JSON-RPC message per line; far above anything a client sends


class _Lines:
    """The stdin side `stdio_server` iterates over: decoded lines."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self._reader = reader

    def __aiter__(self) -> _Lines:
        return self

    async def __anext__(self) -> str:
        line = await self._reader.readline()
        if not line:
            raise StopAsyncIteration
        return line.decode("utf-8", "replace")


class _Writer:
    """The stdout side `stdio_server` writes to: `write`, then `flush`."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self._writer = writer

    async def write(self, text: str) -> None:
        self._writer.write(text.encode("utf-8"))

    async def flush(self) -> None:
        await self._writer.drain()


def _is_pipe_or_socket(fd: int) -> bool:
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def _same_file(first: int, second: int) -> bool:
    try:
        a, b = os.fstat(first), os.fstat(second)
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def pipes_usable() -> bool:
    return sys.platform != "win32" and _is_pipe_or_socket(0) and _is_pipe_or_socket(1) and not _same_file(1, 2)


async def _open_pipes() -> tuple[_Lines, _Writer, Callable[[], None]] | None:
    import fcntl  # noqa: PLC0415 - POSIX only, and only reached there

    loop = asyncio.get_running_loop()
    wire_in = fcntl.fcntl(0, fcntl.F_DUPFD_CLOEXEC, 3)
    wire_out = fcntl.fcntl(1, fcntl.F_DUPFD_CLOEXEC, 3)
    reader = asyncio.StreamReader(limit=_MAX_LINE_BYTES)
    try:
        read_transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(wire_in, "rb", 0)
        )
        write_transport, protocol = await loop.connect_write_pipe(
            asyncio.streams.FlowControlMixin, os.fdopen(wire_out, "wb", 0)
        )
    except (OSError, ValueError):
        for fd in (wire_in, wire_out):
            with suppress(OSError):
                os.close(fd)
        return None
    saved_in, saved_out = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)

    def restore() -> None:
        for saved, fd in ((saved_in, 0), (saved_out, 1)):
            os.dup2(saved, fd)
            os.close(saved)
        read_transport.close()
        write_transport.close()

    writer = asyncio.StreamWriter(write_transport, protocol, None, loop)  # pyright: ignore[reportArgumentType]
    return _Lines(reader), _Writer(writer), restore


@asynccontextmanager
async def stdio_streams() -> AsyncGenerator[tuple[Any, Any]]:
    """The (read, write) streams `Server.run` takes, over stdin/stdout."""
    pipes = await _open_pipes() if pipes_usable() else None
    if pipes is None:
        async with stdio_server() as streams:
            yield streams
        return
    lines, writer, restore = pipes
    try:
        async with stdio_server(lines, writer) as streams:  # type: ignore[arg-type]
            yield streams
    finally:
        restore()
