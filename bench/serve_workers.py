"""Serve an ASGI app factory with N uvicorn workers on a listening socket that has TCP_NODELAY.

Why this exists: `uvicorn.run(..., workers=N)` binds its socket as `socket.socket(family)` (protocol 0), and
asyncio only turns Nagle off (TCP_NODELAY) for sockets whose protocol is IPPROTO_TCP. In the workers, every
response written in two pieces (headers, then body) on a keep-alive connection then waits for the client's
delayed ACK: ~40 ms per request on Linux. This launcher is the same `uvicorn` multi-process runner with a socket
made as `socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)` plus TCP_NODELAY on the listening socket (inherited by the
accepted ones), to measure what that costs. Both servers get it alike in the `*-nodelay` rows of the benchmark.

    python bench/serve_workers.py --factory peer_fastmcp:create_http_app --port 8013 --workers 2
    POSTHOG_EXTERNAL_DATA_MCP_ARGV='["--transport", "http"]' python bench/serve_workers.py \
        --factory posthog_external_data_mcp.wiring:http_app_from_environment --port 8012 --workers 2
"""

from __future__ import annotations

import argparse
import socket
import sys
from pathlib import Path

import uvicorn
from uvicorn.supervisors import Multiprocess


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factory", required=True, help="module:callable returning the ASGI app")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).parent))
    config = uvicorn.Config(
        args.factory,
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="warning",
        access_log=False,
        timeout_keep_alive=15,
    )
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((args.host, args.port))
    sock.set_inheritable(True)
    Multiprocess(config, sockets=[sock]).run()


if __name__ == "__main__":
    main()
