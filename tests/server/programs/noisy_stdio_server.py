"""A server whose tool writes junk to stdout every way it can, served through our stdio transport."""

from __future__ import annotations

import os
import sys

import anyio
from mcp import types
from mcp.server import Server

from posthog_external_data_mcp.server.stdio_pipes import pipes_usable, stdio_streams


async def list_tools(ctx: object, params: object) -> types.ListToolsResult:
    return types.ListToolsResult(tools=[types.Tool(name="noisy", input_schema={"type": "object"})])


async def call_tool(ctx: object, params: types.CallToolRequestParams) -> types.CallToolResult:
    print("stray print() to stdout")
    sys.stdout.flush()
    os.write(1, b"stray write to fd 1\n")
    os.system("echo stray output of a child process")
    return types.CallToolResult(content=[types.TextContent(type="text", text="still fine")])


async def main() -> None:
    print(f"pipes_usable={pipes_usable()}", file=sys.stderr, flush=True)
    server: Server[object] = Server("noisy", on_list_tools=list_tools, on_call_tool=call_tool)  # type: ignore[arg-type]
    async with stdio_streams() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())


anyio.run(main)
