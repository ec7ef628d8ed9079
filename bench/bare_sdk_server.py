"""The floor: a bare `mcp` 2.3 `MCPServer` with one trivial tool, over stdio or streamable HTTP.

It makes no upstream call, so it only counts for cold start, RSS and `tools/list` size — what any Python
MCP server on this SDK pays before doing anything useful.

    python bench/bare_sdk_server.py                         # stdio
    python bench/bare_sdk_server.py --transport http --port 8011
"""

from __future__ import annotations

import argparse
import sys

# The bench venv has `rich` (fastmcp needs it); MCPServer configures a RichHandler when rich is importable.
# A user of plain `mcp` has no rich, so block it: the floor is what `pip install mcp` alone gives.
sys.modules.setdefault("rich", None)  # type: ignore[arg-type]

from mcp.server.mcpserver import MCPServer  # noqa: E402

server = MCPServer("bare-sdk-server", log_level="WARNING")


@server.tool(description="Echo the text back.")
def echo(text: str) -> str:
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transport", choices=("stdio", "http"), default="stdio")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8011)
    args = parser.parse_args()
    if args.transport == "stdio":
        server.run("stdio")
    else:
        server.run(
            "streamable-http",
            host=args.host,
            port=args.port,
            stateless_http=True,
            json_response=True,
        )


if __name__ == "__main__":
    main()
