"""Serve a built server over stdio."""

from __future__ import annotations

from typing import Any

from mcp.server import Server


async def serve_stdio(server: Server[Any]) -> None:
    from .stdio_pipes import stdio_streams  # noqa: PLC0415

    async with stdio_streams() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())
