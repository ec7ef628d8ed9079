"""The floor: the least an `mcp` 2.3 server can do for our two read tools, over stdio or streamable HTTP.

An `MCPServer` with two tools named like ours (`external-data-schemas-list`, `external-data-schemas-retrieve`)
that forward one GET through one shared httpx2 client and return PostHog's body as plain text: no validation
beyond the SDK's own (the function signature), no result shaping, no retries, no logging, no auth (the key
comes from POSTHOG_PERSONAL_API_KEY). Whatever our server costs above this is what our features cost.

    POSTHOG_HOST=http://127.0.0.1:8010 POSTHOG_PERSONAL_API_KEY=phx_sandbox_all python bench/floor_server.py
    ... python bench/floor_server.py --transport http --port 8014 [--workers 2]

Over HTTP it is served exactly like ours: stateless JSON mode at /mcp, uvicorn with access log off and the same
keep-alive timeout; `--workers N` uses bench/serve_workers.py's TCP_NODELAY multi-process launcher.
"""

from __future__ import annotations

import argparse
import os
import sys
from functools import cache
from pathlib import Path
from typing import Any

# As in bench/bare_sdk_server.py: with `rich` importable (the bench venv has it for fastmcp), MCPServer would
# install a RichHandler; a user of plain `mcp` has none.
sys.modules.setdefault("rich", None)  # type: ignore[arg-type]

import httpx2  # noqa: E402
from mcp.server.mcpserver import MCPServer  # noqa: E402

PROJECT = os.environ.get("POSTHOG_PROJECT_ID", "1")
BASE = f"{os.environ.get('POSTHOG_HOST', 'https://us.posthog.com')}/api/projects/{PROJECT}/external_data_schemas/"

server = MCPServer("floor-server", log_level="WARNING")


@cache
def client() -> httpx2.AsyncClient:
    # Built on the first call, as ours does, so cold start does not pay for the TLS context.
    key = os.environ.get("POSTHOG_PERSONAL_API_KEY", "")
    return httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}"}, timeout=60.0)


@server.tool(name="external-data-schemas-list", description="List schemas.", structured_output=False)
async def schemas_list(limit: int = 30, offset: int = 0) -> str:
    response = await client().get(BASE, params={"limit": limit, "offset": offset})
    return response.text


@server.tool(name="external-data-schemas-retrieve", description="Retrieve one schema.", structured_output=False)
async def schemas_retrieve(id: str) -> str:
    response = await client().get(f"{BASE}{id}/")
    return response.text


def create_http_app() -> Any:
    """uvicorn factory (one per worker process): stateless JSON mode, as ours serves it."""
    return server.streamable_http_app(streamable_http_path="/mcp", stateless_http=True, json_response=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transport", choices=("stdio", "http"), default="stdio")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8014)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    if args.transport == "stdio":
        server.run("stdio")
        return
    if args.workers > 1:
        launcher = [sys.executable, str(Path(__file__).with_name("serve_workers.py"))]
        launcher += ["--factory", "floor_server:create_http_app", "--host", args.host, "--port", str(args.port)]
        # exec, so the benchmark's pid is the supervisor's and its CPU is summed over the workers.
        os.execv(sys.executable, [*launcher, "--workers", str(args.workers)])
    import uvicorn

    uvicorn.run(
        create_http_app(), host=args.host, port=args.port, log_level="warning", access_log=False, timeout_keep_alive=15
    )


if __name__ == "__main__":
    main()
