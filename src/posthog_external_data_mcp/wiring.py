"""The composition root: the only code that chooses an upstream (real PostHog or the in-process sandbox) and
builds servers for the entry points — the CLI, `call`, `doctor` and HTTP worker processes.

Arrows run one way: entry points → this module → the MCP layer (`server/`) → the client (`posthog_client/`).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from typing import Any

import anyio
import httpx2
from mcp.server import Server
from starlette.types import ASGIApp

from .server.settings import Settings, load_settings
from .server.upstream import Upstream

logger = logging.getLogger("posthog_external_data_mcp")

SANDBOX_BASE_URL = "http://sandbox.posthog.invalid"
SANDBOX_KEY_PREFIX = "phx_sandbox_"
SANDBOX_DEFAULT_KEY = "phx_sandbox_all"
ARGV_ENV = "POSTHOG_EXTERNAL_DATA_MCP_ARGV"  # how worker processes receive the operator's flags
WORKER_FACTORY = f"{__name__}:http_app_from_environment"


def sandbox_key(configured: str | None) -> str:
    # Only demo keys go to the demo backend; a real key is never needed (nor sent) there.
    return configured if configured and configured.startswith(SANDBOX_KEY_PREFIX) else SANDBOX_DEFAULT_KEY


def sandbox_transport() -> httpx2.AsyncBaseTransport:
    # Imported only in sandbox mode: a normal start never pays for it.
    from .sandbox import SandboxConfig, create_app  # noqa: PLC0415

    return httpx2.ASGITransport(app=create_app(SandboxConfig.from_env()))


def upstream_for(settings: Settings) -> Upstream:
    key = settings.api_key.get_secret_value() if settings.api_key else None
    if settings.sandbox:
        return Upstream(SANDBOX_BASE_URL, sandbox_key(key), sandbox_transport(), demo=True)
    return Upstream(settings.posthog_host, key)


def server_for(settings: Settings) -> Server[Any]:
    from .server.app import build_server  # noqa: PLC0415

    return build_server(settings, upstream_for(settings))


def http_app_for(settings: Settings) -> ASGIApp:
    from .server.http import create_http_app  # noqa: PLC0415

    return create_http_app(settings, upstream_for(settings))


def http_app_from_environment() -> ASGIApp:
    """Factory for worker processes: each re-reads the operator's flags and environment."""
    from .server.logging_setup import configure_logging  # noqa: PLC0415

    settings = load_settings(json.loads(os.environ.get(ARGV_ENV, "[]")), os.environ)
    configure_logging(settings.log_level)
    return http_app_for(settings)


def announce(settings: Settings) -> None:
    if settings.sandbox:
        print(
            "posthog-external-data-mcp: serving the built-in sandbox's DEMO data (in-process, no PostHog account "
            "or network used; demo project 1). See docs/sandbox.md.",
            file=sys.stderr,
        )
    elif settings.api_key is None and settings.transport == "stdio":
        logger.warning("POSTHOG_PERSONAL_API_KEY is not set: tools are listed, calls will explain how to set it")
    if settings.transport == "http" and settings.workers > 1 and not settings.state_keys:
        logger.warning(
            "POSTHOG_MCP_STATE_KEYS is not set: each worker seals confirmations with its own key, so a "
            "2026-07-28 client's answer that reaches another worker is refused (nothing runs unconfirmed); "
            "set it to share keys (see docs/deployment.md)"
        )


def serve(settings: Settings, argv: list[str]) -> None:
    announce(settings)
    if settings.transport == "http":
        from .server.http import serve_http  # noqa: PLC0415

        os.environ[ARGV_ENV] = json.dumps(argv)
        serve_http(settings, upstream_for(settings), worker_factory=WORKER_FACTORY)
    else:
        from .server.run import serve_stdio  # noqa: PLC0415

        anyio.run(serve_stdio, server_for(settings))
