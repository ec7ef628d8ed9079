"""Serve a built server over stdio."""

from __future__ import annotations

from typing import Any

from mcp.server import NotificationOptions, Server


async def serve_stdio(server: Server[Any]) -> None:
    from .stdio_pipes import stdio_streams  # noqa: PLC0415

    # Declares tools.listChanged: a list served before the key's scopes were known may shrink (scope_fit.py).
    options = server.create_initialization_options(NotificationOptions(tools_changed=True))
    async with stdio_streams() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, options)
