"""Command line: `posthog-external-data-mcp [flags]` serves MCP; `posthog-external-data-mcp doctor` diagnoses.

Only argument parsing happens at import; the server is imported once the flags are known to be good, so
`--help`, `--version` and a bad setting answer instantly.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Mapping, Sequence
from typing import get_args

from . import __version__
from .server.settings import (
    DEFAULT_HOST,
    LOOKS_LIKE_KEY,
    LogLevel,
    Settings,
    SettingsError,
    default_environ,
    env_text,
    parse_bool,
    parse_host,
    parse_project,
    parse_route,
    parse_tool_names,
)

PROG = "posthog-external-data-mcp"

ENVIRONMENT_HELP = f"""\
environment variables (flags override them):
  POSTHOG_PERSONAL_API_KEY  personal API key (phx_...) with external_data_source:read and/or :write.
                            Without it the server still starts and lists its tools; calls explain what to set.
  POSTHOG_HOST              PostHog base URL (default {DEFAULT_HOST}; EU: https://eu.posthog.com;
                            self-hosted: your instance's URL). Keys only work in their own region.
  POSTHOG_PROJECT_ID        default project id, or @current (the key owner's current project; default)
  POSTHOG_ROUTE             projects (default) or environments: which documented URL family to call
  POSTHOG_MCP_READ_ONLY     true to expose only read-only tools (same as --read-only)
  POSTHOG_MCP_TOOLS         comma-separated tool names to expose (same as --tools)
  POSTHOG_MCP_LOG_LEVEL     debug, info (default), warning or error; logs go to stderr only
  POSTHOG_MCP_TIMEOUT       total seconds one tool call may take, retries included (default 60)
  MCP_AUTH_TOKEN            HTTP only: shared secret clients send as their bearer to use the server's key
  POSTHOG_SANDBOX_*         sandbox fault switches, see docs/sandbox.md

commands:
  {PROG} [flags]                         serve MCP (stdio by default)
  {PROG} doctor [--sandbox]              check host, key, scopes and project, with a fix per failure
  {PROG} call [flags] [TOOL [JSON]]      call the tools from a terminal (interactive without TOOL)

examples:
  {PROG} --sandbox                       stdio server on built-in demo data (no account needed)
  {PROG} --transport http --port 8000    streamable HTTP at http://127.0.0.1:8000/mcp
  {PROG} call --sandbox external-data-schemas-list '{{"limit": 3}}'
"""


def build_parser() -> argparse.ArgumentParser:
    from .server.tools import TOOLS  # noqa: PLC0415 - names for --help only

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="MCP server for PostHog data-warehouse import schemas (External Data Schemas API).",
        epilog=ENVIRONMENT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--transport", choices=("stdio", "http"), default="stdio", help="stdio (default) or http")
    parser.add_argument("--host", help="HTTP bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="HTTP port (default 8000)")
    parser.add_argument("--sandbox", action="store_true", help="serve the built-in demo PostHog instead of a real one")
    parser.add_argument("--read-only", action="store_true", default=None, help="expose only read-only tools")
    parser.add_argument("--tools", help="comma-separated tools to expose: " + ", ".join(tool.name for tool in TOOLS))
    parser.add_argument("--posthog-host", help="PostHog base URL (overrides POSTHOG_HOST)")
    parser.add_argument("--project-id", help="default project id or @current (overrides POSTHOG_PROJECT_ID)")
    parser.add_argument("--route", help="projects or environments (overrides POSTHOG_ROUTE)")
    parser.add_argument("--log-level", choices=("debug", "info", "warning", "error"), help="stderr log level")
    parser.add_argument("--timeout", type=float, help="seconds one tool call may take, retries included")
    http = parser.add_argument_group("HTTP transport")
    http.add_argument(
        "--auth",
        choices=("auto", "passthrough"),
        default="auto",
        help="passthrough: every request must bring its own phx_ key; auto (default) also allows the server key",
    )
    http.add_argument("--allowed-hosts", help="comma-separated Host values to accept (DNS-rebinding protection)")
    http.add_argument("--allowed-origins", help="comma-separated Origin values to accept")
    http.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    http.add_argument("--sse", action="store_true", help="answer with SSE streams instead of JSON (for progress)")
    return parser


def _csv(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def load_settings(argv: Sequence[str], environ: Mapping[str, str]) -> Settings:
    from .server.tools import TOOLS  # noqa: PLC0415

    args = build_parser().parse_args(argv)
    known = tuple(tool.name for tool in TOOLS)
    key = env_text(environ, "POSTHOG_PERSONAL_API_KEY")
    tools_value = args.tools if args.tools is not None else env_text(environ, "POSTHOG_MCP_TOOLS")
    read_only = args.read_only or parse_bool("POSTHOG_MCP_READ_ONLY", environ.get("POSTHOG_MCP_READ_ONLY", ""))
    timeout = args.timeout if args.timeout is not None else _seconds(env_text(environ, "POSTHOG_MCP_TIMEOUT") or "60")
    if timeout <= 0:
        raise SettingsError(f"the timeout must be a positive number of seconds, got {timeout:g}")
    port = args.port if args.port is not None else 8000
    if not 0 <= port <= 65535:
        raise SettingsError(f"--port must be between 0 and 65535, got {port}")
    token = env_text(environ, "MCP_AUTH_TOKEN")
    return Settings(
        api_key=key.strip() if key else None,  # type: ignore[arg-type]
        posthog_host=parse_host(args.posthog_host or env_text(environ, "POSTHOG_HOST") or DEFAULT_HOST),
        project_id=parse_project(args.project_id or env_text(environ, "POSTHOG_PROJECT_ID") or "@current"),
        route=parse_route(args.route or env_text(environ, "POSTHOG_ROUTE") or "projects"),
        transport=args.transport,
        bind_host=args.host or "127.0.0.1",
        port=port,
        sandbox=args.sandbox,
        read_only=bool(read_only),
        tools=None if tools_value is None else parse_tool_names(tools_value, known),
        log_level=args.log_level or _log_level(env_text(environ, "POSTHOG_MCP_LOG_LEVEL")),
        timeout_seconds=timeout,
        auth_mode=args.auth,
        mcp_auth_token=token,  # type: ignore[arg-type]
        allowed_hosts=_csv(args.allowed_hosts),
        allowed_origins=_csv(args.allowed_origins),
        workers=args.workers,
        sse=args.sse,
    )


def _seconds(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise SettingsError(f"POSTHOG_MCP_TIMEOUT must be a number of seconds, got {value!r}") from None


def _log_level(value: str | None) -> LogLevel:
    level = (value or "info").strip().lower()
    for known in get_args(LogLevel):
        if level == known:
            return known  # type: ignore[no-any-return]
    raise SettingsError(f"POSTHOG_MCP_LOG_LEVEL must be debug, info, warning or error, got {value!r}")


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then removes anything shaped like a PostHog key — tracebacks included, since an
    exception's message can carry a header value."""

    def format(self, record: logging.LogRecord) -> str:
        return LOOKS_LIKE_KEY.sub("[redacted]", super().format(record))


def configure_logging(level: str) -> None:
    # stdout belongs to the protocol on stdio: every log line goes to stderr.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Library chatter (request lines, session bookkeeping) only when debugging.
    for noisy in ("httpx2", "httpcore", "mcp", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if level == "debug" else logging.WARNING)


def main(argv: Sequence[str] | None = None) -> None:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["doctor"]:
        from .doctor import main as doctor_main  # noqa: PLC0415

        raise SystemExit(doctor_main(arguments[1:], default_environ()))
    if arguments[:1] == ["call"]:
        from .local_client import main as call_main  # noqa: PLC0415

        raise SystemExit(call_main(arguments[1:]))
    try:
        settings = load_settings(arguments, default_environ())
    except (SettingsError, ValueError) as exc:
        print(f"{PROG}: error: {_one_line(exc)}", file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(settings.log_level)
    from .server.run import serve  # noqa: PLC0415

    try:
        serve(settings)
    except KeyboardInterrupt:
        pass
    except SettingsError as exc:
        print(f"{PROG}: error: {_one_line(exc)}", file=sys.stderr)
        raise SystemExit(2) from None


def _one_line(exc: Exception) -> str:
    from pydantic import ValidationError  # noqa: PLC0415

    if isinstance(exc, ValidationError):
        first = exc.errors(include_url=False, include_input=False)[0]
        return f"{'.'.join(str(part) for part in first['loc'])}: {first['msg']}"
    return str(exc).splitlines()[0]
