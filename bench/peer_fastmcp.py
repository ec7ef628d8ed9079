"""The peer: the server a user would otherwise generate with `FastMCP.from_openapi` (fastmcp 4.2.3).

Built from `bench/openapi.json` (the ten operations as PostHog documents them), calling the API given by
POSTHOG_HOST with POSTHOG_PERSONAL_API_KEY as the bearer. Tools get PostHog's tool names (`mcp_names`, which
FastMCP turns into `external_data_schemas_*`); everything else is FastMCP's default output.

    POSTHOG_HOST=http://127.0.0.1:8010 POSTHOG_PERSONAL_API_KEY=phx_sandbox_all python bench/peer_fastmcp.py
    ... python bench/peer_fastmcp.py --transport http --port 8013 --workers 2

Choices that favour the peer (documented in docs/benchmarks.md): no start-up banner, no update check against
PyPI, and on HTTP the same stateless JSON mode as ours, with uvicorn workers for `--workers N`.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

os.environ.setdefault("FASTMCP_CHECK_FOR_UPDATES", "off")
os.environ.setdefault("FASTMCP_SHOW_SERVER_BANNER", "false")

import httpx2
from fastmcp import FastMCP

SPEC_PATH = Path(__file__).with_name("openapi.json")
# FastMCP slugifies tool names (hyphens become underscores), so PostHog's names come out as external_data_schemas_*.
TOOL_NAMES = {
    "external_data_schemas_list": "external_data_schemas_list",
    "external_data_schemas_retrieve": "external_data_schemas_retrieve",
    "external_data_schemas_partial_update": "external_data_schemas_partial_update",
    "external_data_schemas_incremental_fields_create": "external_data_schemas_incremental_fields_create",
    "external_data_schemas_reload_create": "external_data_schemas_reload",
    "external_data_schemas_cancel_create": "external_data_schemas_cancel",
    "external_data_schemas_resync_create": "external_data_schemas_resync",
    "external_data_schemas_delete_data_destroy": "external_data_schemas_delete_data",
    "external_data_schemas_destroy": "external_data_schemas_destroy",
    "external_data_schemas_create": "external_data_schemas_create",
}


def build_server() -> FastMCP[Any]:
    spec = json.loads(SPEC_PATH.read_text())
    client = httpx2.AsyncClient(
        base_url=os.environ.get("POSTHOG_HOST", "https://us.posthog.com"),
        headers={"Authorization": f"Bearer {os.environ.get('POSTHOG_PERSONAL_API_KEY', '')}"},
        timeout=30.0,
    )
    return FastMCP.from_openapi(spec, client=client, name="posthog-external-data-schemas", mcp_names=TOOL_NAMES)


def create_http_app() -> Any:
    """uvicorn factory (one per worker process)."""
    return build_server().http_app(path="/mcp", stateless_http=True, json_response=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transport", choices=("stdio", "http"), default="stdio")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8013)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    if args.transport == "stdio":
        build_server().run("stdio", show_banner=False)
        return
    import uvicorn

    uvicorn.run(
        "peer_fastmcp:create_http_app",
        factory=True,
        app_dir=str(Path(__file__).parent),
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
