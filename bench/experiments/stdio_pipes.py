"""Experiment: what the SDK's thread-based stdio transport costs per call, and what asyncio pipes would save.

`mcp.server.stdio.stdio_server()` reads stdin and writes stdout through `anyio.wrap_file`, so every line read and
every write + flush is a hop to a worker thread and back. The same `stdio_server` accepts explicit `stdin` /
`stdout` objects; given small adapters over asyncio pipes, the transport stays the SDK's but no thread is used.
This script serves our server (or the bare SDK server) that way, and with `--compare` measures both variants
side by side against the standalone sandbox, interleaved, like bench/run.py does.

    python bench/sandbox_server.py --port 8050 &
    python bench/experiments/stdio_pipes.py --compare --sandbox http://127.0.0.1:8050

Evidence for a proposed change in src/ (server/run.py `serve_stdio`); not part of bench/run.py. Note that
passing explicit streams skips the SDK's diversion of fd 0/1 (stray prints cannot corrupt the wire), which a
real change would have to keep.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BENCH))

RETRIEVE_ID = "0193f0c1-5c4e-7000-8000-000000000201"


class PipeIn:
    """What `stdio_server` iterates: lines of text."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self.reader = reader

    def __aiter__(self) -> PipeIn:
        return self

    async def __anext__(self) -> str:
        line = await self.reader.readline()
        if not line:
            raise StopAsyncIteration
        return line.decode("utf-8", "replace")


class PipeOut:
    """What `stdio_server` writes to: `write` then `flush`."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer

    async def write(self, text: str) -> None:
        self.writer.write(text.encode())

    async def flush(self) -> None:
        await self.writer.drain()


async def pipes() -> tuple[PipeIn, PipeOut]:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**24)
    stdin = os.fdopen(os.dup(0), "rb", 0)
    stdout = os.fdopen(os.dup(1), "wb", 0)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), stdin)
    transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, stdout)
    return PipeIn(reader), PipeOut(asyncio.StreamWriter(transport, protocol, None, loop))


async def serve(which: str) -> None:
    from mcp.server.stdio import stdio_server

    if which == "ours":
        from posthog_external_data_mcp.server.logging_setup import configure_logging
        from posthog_external_data_mcp.server.settings import load_settings
        from posthog_external_data_mcp.wiring import server_for

        settings = load_settings(["--log-level", "warning"], dict(os.environ))
        configure_logging("warning")
        server: Any = server_for(settings)
    else:
        sys.modules.setdefault("rich", None)  # type: ignore[arg-type]
        from mcp.server.mcpserver import MCPServer

        bare = MCPServer("bare-sdk-server", log_level="WARNING")

        @bare.tool(description="Echo the text back.")
        def echo(text: str) -> str:
            return text

        server = bare._lowlevel_server  # pyright: ignore[reportPrivateUsage]
    stdin, stdout = await pipes()
    async with stdio_server(stdin, stdout) as (read_stream, write_stream):  # type: ignore[arg-type]
        await server.run(read_stream, write_stream, server.create_initialization_options())


async def compare(sandbox: str, rounds: int) -> None:
    import httpx2

    from harness import StdioSession, base_env, median, percentile

    python = sys.executable
    env = base_env({"POSTHOG_HOST": sandbox, "POSTHOG_PERSONAL_API_KEY": "phx_sandbox_all", "POSTHOG_PROJECT_ID": "1"})
    retrieve = ("external-data-schemas-retrieve", {"id": RETRIEVE_ID})
    echo = ("echo", {"text": "hi"})
    targets: dict[str, tuple[list[str], tuple[str, dict[str, Any]]]] = {
        "ours, SDK stdio (threads)": (
            [str(Path(python).parent / "posthog-external-data-mcp"), "--log-level", "warning"],
            retrieve,
        ),
        "ours, asyncio pipes": ([python, __file__, "--serve", "ours"], retrieve),
        "bare, SDK stdio (threads)": ([python, str(BENCH / "bare_sdk_server.py")], echo),
        "bare, asyncio pipes": ([python, __file__, "--serve", "bare"], echo),
    }
    sessions: dict[str, StdioSession] = {}
    for label, (command, _) in targets.items():
        session = StdioSession(command, env)
        await session.start()
        await session.initialize()
        await session.request("tools/list")
        sessions[label] = session
    latencies: dict[str, list[float]] = {label: [] for label in [*targets, "direct httpx2"]}
    url = f"{sandbox}/api/projects/1/external_data_schemas/{RETRIEVE_ID}/"
    try:
        async with httpx2.AsyncClient(headers={"Authorization": "Bearer phx_sandbox_all"}) as http:
            for index in range(-30, rounds):
                for label, (_, (tool, arguments)) in targets.items():
                    started = time.perf_counter()
                    result = await sessions[label].call_tool(tool, arguments)
                    if result.get("isError"):
                        raise RuntimeError(f"{label}: {result}")
                    if index >= 0:
                        latencies[label].append(time.perf_counter() - started)
                started = time.perf_counter()
                await http.get(url)
                if index >= 0:
                    latencies["direct httpx2"].append(time.perf_counter() - started)
    finally:
        for session in sessions.values():
            await session.close()
    for label, values in latencies.items():
        print(f"{label:28s} median {median(values) * 1000:6.3f} ms   p95 {percentile(values, 95) * 1000:6.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", choices=("ours", "bare"), help="serve this server over asyncio-pipe stdio")
    parser.add_argument("--compare", action="store_true", help="measure both transports side by side")
    parser.add_argument("--sandbox", default="http://127.0.0.1:8050", help="sandbox base URL (for --compare)")
    parser.add_argument("--rounds", type=int, default=600)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.serve))
    elif args.compare:
        asyncio.run(compare(args.sandbox, args.rounds))
    else:
        parser.error("give --serve or --compare")


if __name__ == "__main__":
    main()
