"""The standalone sandbox for benchmarks: the package's sandbox app with more schemas in the demo project.

The demo project has 11 schemas; a 30-item page and the largest page the list tool accepts (100) need more.
This launcher builds the same app (`create_app`) and adds copies of the demo project's schemas (new ids, names
suffixed `_2`, `_3`, …, created earlier than the originals) until project 1 holds `--schemas` of them — also
after `POST /_sandbox/reset`. Nothing in src/ changes; this is a bench-only way to seed the store.

    python bench/sandbox_server.py --port 0 --schemas 120 --latency-ms 40

Prints `posthog-external-data-sandbox listening on http://127.0.0.1:PORT` like the package's CLI. Rate limits are
off (0) unless given: the benchmark sends far more than PostHog's 480/min per key.
"""

from __future__ import annotations

import argparse
import dataclasses
import socket
from collections.abc import Callable
from datetime import datetime, timedelta

import uvicorn

from posthog_external_data_mcp.sandbox import SandboxConfig, create_app
from posthog_external_data_mcp.sandbox.demo import DEMO_PROJECT_ID
from posthog_external_data_mcp.sandbox.store import SandboxState


def add_schemas(state: SandboxState, total: int) -> None:
    """Copy the demo project's schemas round-robin until the project has `total` live schemas."""
    originals = sorted(state.team_schemas(DEMO_PROJECT_ID), key=lambda schema: schema.created_at)
    have = len(originals)
    index = 0
    while have < total:
        original = originals[index % len(originals)]
        copy_number = index // len(originals) + 2
        serial = 100_000 + index
        table = original.table
        if table is not None:
            table = dataclasses.replace(table, id=f"0193f0c1-7ab1-7000-8001-{serial:012d}", columns=list(table.columns))
        copy = dataclasses.replace(
            original,
            id=f"0193f0c1-5c4e-7000-8001-{serial:012d}",
            name=f"{original.name}_{copy_number}",
            created_at=original.created_at - timedelta(days=60 + index),
            table=table,
            sync_type_config=dict(original.sync_type_config),
        )
        state.schemas[copy.id] = copy
        have += 1
        index += 1


def build_app(config: SandboxConfig, schemas: int) -> object:
    app = create_app(config)
    runtime = app.state.sandbox
    store = runtime.store
    build: Callable[[datetime], SandboxState] = store._build  # pyright: ignore[reportPrivateUsage]

    def build_more(now: datetime) -> SandboxState:
        state = build(now)
        add_schemas(state, schemas)
        return state

    store._build = build_more  # pyright: ignore[reportPrivateUsage]
    store.reset(runtime.clock())
    # The request log (for end-to-end tests) would grow by one entry per request during a load test.
    runtime.request_log.add = lambda entry: None
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
    )
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY only on sockets whose proto says TCP. A socket made with
    # proto 0 (what the package's sandbox CLI and uvicorn's multi-worker bind do) leaves Nagle on, and every
    # keep-alive request then waits ~40 ms for the client's delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    sock.listen(1024)
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(build_app(config, args.schemas), log_level="warning", access_log=False, lifespan="off")  # type: ignore[arg-type]
    )
    print(f"posthog-external-data-sandbox listening on http://{args.host}:{port}", flush=True)
    server.run(sockets=[sock])


if __name__ == "__main__":
    main()
