"""``posthog-external-data-sandbox``: serve the sandbox over loopback HTTP with uvicorn."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import sys
from collections.abc import Sequence

import uvicorn

from ..sockets import listening_socket
from .app import create_app
from .config import SandboxConfig
from .faults import SandboxDroppedConnection

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8010


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="posthog-external-data-sandbox",
        description="Serve a local emulator of PostHog's External Data Schemas API with demo data. "
        "Every option can also be set with a POSTHOG_SANDBOX_* environment variable; flags win.",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"interface to bind (default {DEFAULT_HOST})")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 picks a free one)"
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a non-loopback --host (the demo keys are public, so this exposes a writable API)",
    )
    parser.add_argument("--sync-seconds", type=float, help="how long a triggered sync runs (default 2)")
    parser.add_argument("--latency-ms", type=float, help="latency added to every /api/ request (default 0)")
    parser.add_argument("--fault-429-rate", type=float, help="share of /api/ requests answered 429 (0..1)")
    parser.add_argument("--fault-5xx-rate", type=float, help="share of /api/ requests answered 500/502/503 (0..1)")
    parser.add_argument("--fault-drop-rate", type=float, help="share of /api/ requests whose connection drops (0..1)")
    parser.add_argument("--retry-after-seconds", type=int, help="Retry-After of injected 429s (default 1)")
    parser.add_argument("--rate-limit-per-minute", type=int, help="burst limit per key (default 480; 0 disables)")
    parser.add_argument("--rate-limit-per-hour", type=int, help="sustained limit per key (default 4800; 0 disables)")
    parser.add_argument("--seed", type=int, help="seed of the fault dice")
    parser.add_argument(
        "--extra-schemas", type=int, help="generated schemas added to project 1, kept across resets (default 0)"
    )
    parser.add_argument("--access-log", action="store_true", help="log every request (off by default)")
    return parser


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _DroppedConnectionFilter(logging.Filter):
    """Injected connection drops are intended; keep uvicorn from printing them as crashes."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], SandboxDroppedConnection):
            return False
        return "returned without completing response" not in record.getMessage()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not is_loopback(args.host) and not args.allow_remote:
        print(
            f"posthog-external-data-sandbox: refusing to bind {args.host}: it serves well-known demo keys. "
            "Use a loopback address or pass --allow-remote.",
            file=sys.stderr,
        )
        return 2
    try:
        config = SandboxConfig.from_env(
            sync_seconds=args.sync_seconds,
            latency_ms=args.latency_ms,
            fault_429_rate=args.fault_429_rate,
            fault_5xx_rate=args.fault_5xx_rate,
            fault_drop_rate=args.fault_drop_rate,
            retry_after_seconds=args.retry_after_seconds,
            rate_limit_per_minute=args.rate_limit_per_minute,
            rate_limit_per_hour=args.rate_limit_per_hour,
            seed=args.seed,
            extra_schemas=args.extra_schemas,
        )
    except ValueError as error:
        print(f"posthog-external-data-sandbox: {error}", file=sys.stderr)
        return 2

    try:
        sock = listening_socket(args.host, args.port)
    except OSError as error:
        print(f"posthog-external-data-sandbox: cannot bind {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    sock.listen(128)
    port = sock.getsockname()[1]
    shown_host = f"[{args.host}]" if ":" in args.host else args.host

    logging.getLogger("uvicorn.error").addFilter(_DroppedConnectionFilter())
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(config),
            # uvicorn prints access lines at info level: the flag needs it, the default stays quiet.
            log_level="info" if args.access_log else "warning",
            access_log=args.access_log,
            lifespan="off",
        )
    )
    print(f"posthog-external-data-sandbox listening on http://{shown_host}:{port}", flush=True)
    server.run(sockets=[sock])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
