"""Start the server on the chosen transport."""

from __future__ import annotations

import logging
import sys

import anyio

from .settings import Settings

logger = logging.getLogger("posthog_external_data_mcp")


def announce(settings: Settings) -> None:
    if settings.sandbox:
        print(
            "posthog-external-data-mcp: serving the built-in sandbox's DEMO data (in-process, no PostHog account "
            "or network used; demo project 1). See docs/sandbox.md.",
            file=sys.stderr,
        )
    elif settings.api_key is None and settings.transport == "stdio":
        logger.warning("POSTHOG_PERSONAL_API_KEY is not set: tools are listed, calls will explain how to set it")


def serve(settings: Settings) -> None:
    announce(settings)
    if settings.transport == "http":
        from .http import serve_http  # noqa: PLC0415

        serve_http(settings)
    else:
        anyio.run(serve_stdio, settings)


async def serve_stdio(settings: Settings) -> None:
    from .app import build_server  # noqa: PLC0415
    from .stdio_pipes import stdio_streams  # noqa: PLC0415

    server = build_server(settings)
    async with stdio_streams() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())
