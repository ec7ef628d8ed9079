"""The standalone sandbox for benchmarks: the package's sandbox app with more schemas in the demo project.

A 30-item page and the largest page the list tool accepts (100) need more schemas than the demo project has.
The sandbox's own `extra_schemas` option (`POSTHOG_SANDBOX_EXTRA_SCHEMAS`, `--extra-schemas`) adds generated
ones (kept across `POST /_sandbox/reset`); this launcher asks for enough to reach `--schemas` in project 1.

    python bench/sandbox_server.py --port 0 --schemas 120 --latency-ms 40

Prints `posthog-external-data-sandbox listening on http://127.0.0.1:PORT` like the package's CLI. Rate limits are
off (0) unless given: the benchmark sends far more than PostHog's 480/min per key.
"""

from __future__ import annotations

import argparse
import socket

import uvicorn

from posthog_external_data_mcp.sandbox import SandboxConfig, create_app
from posthog_external_data_mcp.sandbox.demo import DEMO_SCHEMA_IDS


def build_app(config: SandboxConfig) -> object:
    app = create_app(config)
    # The request log (for end-to-end tests) would grow by one entry per request during a load test.
    app.state.sandbox.request_log.add = lambda entry: None
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--schemas", type=int, default=120, help="schemas in the demo project (default 120)")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="latency added to every /api/ request")
    parser.add_argument("--rate-limit-per-minute", type=int, default=0, help="0 disables (default)")
    parser.add_argument("--rate-limit-per-hour", type=int, default=0, help="0 disables (default)")
    args = parser.parse_args()
    config = SandboxConfig(
        latency_ms=args.latency_ms,
        rate_limit_per_minute=args.rate_limit_per_minute,
        rate_limit_per_hour=args.rate_limit_per_hour,
        extra_schemas=max(0, args.schemas - len(DEMO_SCHEMA_IDS)),
    )
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY only on sockets whose proto says TCP. A socket made with
    # proto 0 (what uvicorn's multi-worker bind does) leaves Nagle on, and every keep-alive request then waits
    # ~40 ms for the client's delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    sock.listen(1024)
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(build_app(config), log_level="warning", access_log=False, lifespan="off")  # type: ignore[arg-type]
    )
    print(f"posthog-external-data-sandbox listening on http://{args.host}:{port}", flush=True)
    server.run(sockets=[sock])


if __name__ == "__main__":
    main()
