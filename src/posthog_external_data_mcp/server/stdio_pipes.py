"""Stdio on asyncio pipes: the SDK's stdio transport, minus a worker-thread hop for every line.

`mcp.server.stdio.stdio_server()` reads stdin and writes stdout through `anyio.wrap_file`, so each message costs
two thread round trips (~0.3 ms of the ~1 ms a call adds). Given explicit streams it skips that, and also skips
its protection of the wire, which this module therefore does itself, the same way: the protocol moves to private
duplicates of fd 0/1, fd 0 then reads /dev/null and fd 1 writes to stderr, so a stray `print` in any library
cannot corrupt a message. Both are restored on exit.

Used only when stdin and stdout are pipes (or sockets) and stdout is not the same pipe as stderr — the way MCP
clients spawn servers. Anything else (a terminal, a file, Windows) gets the SDK's own transport: the pipes are
switched to non-blocking mode, which must never leak into a terminal or into stderr. A terminal on stdin is
read through its own descriptor on the event loop instead (terminal.py), so that Ctrl-C works.

A line the server cannot read costs that line only (on either path): it is answered with a JSON-RPC error with
id null — -32700 for a line that is not JSON (or is longer than the 64 MiB line limit, whose rest is discarded as
it streams in, never held), -32600 for JSON that is not a JSON-RPC message — and the next line is read. The SDK
itself would drop such a line without an answer, or, over the limit, stop the server.
"""

from __future__ import annotations

import asyncio
import os
import stat
import sys
from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager, suppress
from types import TracebackType
from typing import Any

import anyio
import mcp_types as types
from mcp.server.stdio import stdio_server
from mcp.shared.message import SessionMessage
from pydantic import ValidationError

from .terminal import terminal_reader

_MAX_LINE_BYTES = 64 * 1024 * 1024  # one JSON-RPC message per line; far above anything a client sends
_SKIP_CHUNK = 1024 * 1024  # an oversized line is dropped this much at a time
# Stands in for a discarded oversized line: it cannot parse, so the SDK hands it on as an error, answered below.
_OVERSIZED_LINE = "\x00a line over the 64 MiB limit was discarded"


class _Lines:
    """The stdin side `stdio_server` iterates over: decoded lines, an oversized one replaced by a marker."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self._reader = reader
        self._carry = b""  # what followed the end of a skipped line in the last chunk read

    def __aiter__(self) -> _Lines:
        return self

    async def __anext__(self) -> str:
        try:
            line = await self._next_line()
        except asyncio.LimitOverrunError:
            await self._skip_rest_of_line()
            return _OVERSIZED_LINE
        if not line:
            raise StopAsyncIteration
        return line.decode("utf-8", "replace")

    async def _next_line(self) -> bytes:
        head = b""
        if self._carry:
            end = self._carry.find(b"\n")
            if end >= 0:
                line, self._carry = self._carry[: end + 1], self._carry[end + 1 :]
                return line
            head, self._carry = self._carry, b""
        try:
            line = await self._reader.readuntil(b"\n")
        except asyncio.IncompleteReadError as eof:
            line = eof.partial  # a last line without a newline, or b"" at the end
        return head + line if head else line

    async def _skip_rest_of_line(self) -> None:
        """Drop the buffered part of an oversized line and the rest as it arrives, a chunk at a time."""
        while chunk := await self._reader.read(_SKIP_CHUNK):
            end = chunk.find(b"\n")
            if end >= 0:
                self._carry = chunk[end + 1 :]
                return


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


def _refusal(error: Exception) -> types.JSONRPCError:
    """The answer to a line that is not a JSON-RPC message; nothing of the line is echoed."""
    problems = error.errors() if isinstance(error, ValidationError) else []
    if problems and problems[0].get("input") == _OVERSIZED_LINE:
        code, message = types.PARSE_ERROR, "Parse error: a line over the 64 MiB limit was discarded"
    elif not problems or problems[0]["type"] == "json_invalid":
        code, message = types.PARSE_ERROR, "Parse error: the line is not valid JSON"
    else:
        code, message = types.INVALID_REQUEST, "Invalid Request: the line is JSON but not a JSON-RPC 2.0 message"
    return types.JSONRPCError(jsonrpc="2.0", id=None, error=types.ErrorData(code=code, message=message))


class _UnreadableLinesAnswered:
    """The read stream the server consumes: the SDK's, minus the errors it yields for unreadable lines, each
    of which is answered on the write stream instead of being dropped in silence."""

    def __init__(self, inner: Any, write_stream: Any) -> None:
        self._inner = inner
        self._write_stream = write_stream

    @property
    def last_context(self) -> Any:
        # The dispatcher restores each message's contextvars from here.
        return getattr(self._inner, "last_context", None)

    async def receive(self) -> SessionMessage:
        while True:
            item: SessionMessage | Exception = await self._inner.receive()
            if not isinstance(item, Exception):
                return item
            # Shutting down, the write stream may be gone: nobody is left to answer then.
            with suppress(anyio.ClosedResourceError, anyio.BrokenResourceError):
                await self._write_stream.send(SessionMessage(_refusal(item)))

    def __aiter__(self) -> _UnreadableLinesAnswered:
        return self

    async def __anext__(self) -> SessionMessage:
        try:
            return await self.receive()
        except anyio.EndOfStream:
            raise StopAsyncIteration from None

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def __aenter__(self) -> _UnreadableLinesAnswered:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


@asynccontextmanager
async def stdio_streams() -> AsyncGenerator[tuple[Any, Any]]:
    """The (read, write) streams `Server.run` takes, over stdin/stdout."""
    pipes = await _open_pipes() if pipes_usable() else None
    if pipes is None:
        # A terminal is read on the event loop rather than in a thread, so Ctrl-C ends the server at once.
        async with (
            terminal_reader() as terminal,
            stdio_server(_Lines(terminal) if terminal else None) as (read_stream, write_stream),  # type: ignore[arg-type]
        ):
            yield _UnreadableLinesAnswered(read_stream, write_stream), write_stream
        return
    lines, writer, restore = pipes
    try:
        async with stdio_server(lines, writer) as (read_stream, write_stream):  # type: ignore[arg-type]
            yield _UnreadableLinesAnswered(read_stream, write_stream), write_stream
    finally:
        restore()
