"""Settings from the environment and command-line flags (flags win), checked once at start: the parser,
`load_settings` and every value parser live here, and nowhere else.

A malformed setting stops the server before it serves anything (exit code 2, one line on stderr). A missing key
does not: clients and registries start servers just to list their tools, so calls report it instead.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Mapping, Sequence
from typing import Literal, get_args
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from .. import __version__
from ..posthog_client import ProjectRef, Route
from .tool_names import ToolName

PROG = "posthog-external-data-mcp"
DEFAULT_HOST = "https://us.posthog.com"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

Transport = Literal["stdio", "http"]
AuthMode = Literal["auto", "passthrough"]
LogLevel = Literal["debug", "info", "warning", "error"]
# How destructive calls are confirmed (see confirmation.py); listed from loosest to strictest.
ConfirmPolicy = Literal["off", "auto", "strict"]
CONFIRM_POLICIES: tuple[ConfirmPolicy, ...] = ("off", "auto", "strict")
STATE_KEY_MIN_BYTES = 32


class SettingsError(ValueError):
    """A setting that cannot work; its message is the one line printed at start."""


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    api_key: SecretStr | None = None
    posthog_host: str = DEFAULT_HOST
    project_id: ProjectRef = "@current"
    route: Route = "projects"
    transport: Transport = "stdio"
    bind_host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    sandbox: bool = False
    read_only: bool = False
    tools: tuple[str, ...] | None = None
    log_level: LogLevel = "info"
    timeout_seconds: float = Field(default=60.0, gt=0)
    confirm_destructive: ConfirmPolicy = "auto"
    # Seal the request state of 2026-07-28 confirmations: the first seals, all unseal. Empty: a key per process.
    state_keys: tuple[SecretStr, ...] = ()
    # HTTP transport only.
    auth_mode: AuthMode = "auto"
    mcp_auth_token: SecretStr | None = None
    allowed_hosts: tuple[str, ...] = ()
    allowed_origins: tuple[str, ...] = ()
    workers: int = Field(default=1, ge=1, le=64)
    sse: bool = False  # JSON responses by default: cheaper, and what stateless load balancing wants

    @property
    def loopback(self) -> bool:
        return self.bind_host in LOOPBACK_HOSTS


def parse_host(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(
            f"POSTHOG_HOST must be an http(s) base URL such as https://us.posthog.com or https://eu.posthog.com, got {value!r}"
        )
    if parts.query or parts.fragment:
        raise SettingsError(f"POSTHOG_HOST must not have a query or fragment, got {value!r}")
    return value.strip().rstrip("/")


def parse_project(value: str) -> ProjectRef:
    text = value.strip()
    if text == "@current":
        return "@current"
    if re.fullmatch(r"[1-9][0-9]{0,17}", text):
        return int(text)
    raise SettingsError(f"POSTHOG_PROJECT_ID must be a positive integer or '@current', got {value!r}")


def parse_route(value: str) -> Route:
    text = value.strip().lower()
    if text == "projects":
        return "projects"
    if text == "environments":
        return "environments"
    raise SettingsError(f"POSTHOG_ROUTE must be 'projects' or 'environments', got {value!r}")


def parse_tool_names(value: str, known: tuple[str, ...] = tuple(ToolName)) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(name.strip() for name in value.split(",") if name.strip()))
    unknown = [name for name in names if name not in known]
    if unknown:
        raise SettingsError(f"unknown tool(s) in --tools: {', '.join(unknown)}; known tools: {', '.join(known)}")
    if not names:
        raise SettingsError("--tools needs at least one tool name")
    return names


def parse_bool(name: str, value: str) -> bool:
    text = value.strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise SettingsError(f"{name} must be true or false, got {value!r}")


def env_text(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name)
    return value if value and value.strip() else None


def default_environ() -> Mapping[str, str]:
    return os.environ


def parse_seconds(name: str, value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise SettingsError(f"{name} must be a number of seconds, got {value!r}") from None
    if seconds <= 0:
        raise SettingsError(f"the timeout must be a positive number of seconds, got {seconds:g}")
    return seconds


def parse_log_level(value: str | None) -> LogLevel:
    level = (value or "info").strip().lower()
    for known in get_args(LogLevel):
        if level == known:
            return known  # type: ignore[no-any-return]
    raise SettingsError(f"POSTHOG_MCP_LOG_LEVEL must be debug, info, warning or error, got {value!r}")


def parse_csv(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def parse_confirm_policy(name: str, value: str) -> ConfirmPolicy:
    text = value.strip().lower()
    for known in CONFIRM_POLICIES:
        if text == known:
            return known
    raise SettingsError(f"{name} must be auto, strict or off, got {value!r}")


def parse_state_keys(value: str | None) -> tuple[SecretStr, ...]:
    """POSTHOG_MCP_STATE_KEYS: comma-separated secrets of at least 32 bytes each (never echoed back)."""
    keys = parse_csv(value)
    for position, key in enumerate(keys, start=1):
        if len(key.encode()) < STATE_KEY_MIN_BYTES:
            raise SettingsError(
                f"POSTHOG_MCP_STATE_KEYS: key {position} is {len(key.encode())} bytes, at least "
                f"{STATE_KEY_MIN_BYTES} are needed; generate one with: "
                'python -c "import secrets; print(secrets.token_hex(32))"'
            )
    if len(set(keys)) != len(keys):
        raise SettingsError("POSTHOG_MCP_STATE_KEYS lists the same key twice")
    return tuple(SecretStr(key) for key in keys)


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
  POSTHOG_MCP_CONFIRM_DESTRUCTIVE
                            auto (default), strict or off: how destroy, delete-data and resync are confirmed
  POSTHOG_MCP_STATE_KEYS    comma-separated secrets (>= 32 bytes each; the first seals, all unseal) shared by
                            every worker and replica, for confirmations of 2026-07-28 clients
  MCP_AUTH_TOKEN            HTTP only: shared secret clients send as their bearer to use the server's key
  POSTHOG_SANDBOX_*         sandbox fault switches, see docs/sandbox.md

commands:
  {PROG} [flags]                         serve MCP (stdio by default)
  {PROG} doctor [--sandbox]              check host, key, scopes and project, with a fix per failure
  {PROG} call [flags] [TOOL [JSON]]      call the tools from a terminal (interactive without TOOL)
  {PROG} config CLIENT [--sandbox]       print the config for claude-desktop, claude-code, cursor or vscode

examples:
  {PROG} --sandbox                       stdio server on built-in demo data (no account needed)
  {PROG} --transport http --port 8000    streamable HTTP at http://127.0.0.1:8000/mcp
  {PROG} call --sandbox external-data-schemas-list '{{"limit": 3}}'
"""


def build_parser(
    prog: str = PROG,
    description: str = "MCP server for PostHog data-warehouse import schemas (External Data Schemas API).",
    *,
    serving: bool = True,
    epilog: str = ENVIRONMENT_HELP,
) -> argparse.ArgumentParser:
    """The flags; `serving=False` leaves out the transport and HTTP ones (for commands that serve nothing)."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description=description,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    if serving:
        parser.add_argument("--transport", choices=("stdio", "http"), default="stdio", help="stdio (default) or http")
        parser.add_argument("--host", help="HTTP bind address (default 127.0.0.1)")
        parser.add_argument("--port", type=int, help="HTTP port (default 8000)")
    parser.add_argument("--sandbox", action="store_true", help="serve the built-in demo PostHog instead of a real one")
    parser.add_argument("--read-only", action="store_true", default=None, help="expose only read-only tools")
    parser.add_argument("--tools", help="comma-separated tools to expose: " + ", ".join(ToolName))
    parser.add_argument("--posthog-host", help="PostHog base URL (overrides POSTHOG_HOST)")
    parser.add_argument("--project-id", help="default project id or @current (overrides POSTHOG_PROJECT_ID)")
    parser.add_argument("--route", help="projects or environments (overrides POSTHOG_ROUTE)")
    parser.add_argument("--log-level", choices=("debug", "info", "warning", "error"), help="stderr log level")
    parser.add_argument("--timeout", type=float, help="seconds one tool call may take, retries included")
    parser.add_argument(
        "--confirm-destructive",
        choices=CONFIRM_POLICIES,
        help="auto (default): ask when the client can; strict: also require confirm=<schema name>; off: never ask",
    )
    if not serving:
        defaults = {"transport": "stdio", "host": None, "port": None, "auth": "auto", "workers": 1, "sse": False}
        parser.set_defaults(**defaults, allowed_hosts=None, allowed_origins=None)
        return parser
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


def load_settings(
    argv: Sequence[str] | argparse.Namespace, environ: Mapping[str, str], parser: argparse.ArgumentParser | None = None
) -> Settings:
    # A namespace is flags a command has parsed itself (`call` takes positionals between its flags).
    args = argv if isinstance(argv, argparse.Namespace) else (parser or build_parser()).parse_args(argv)
    key = env_text(environ, "POSTHOG_PERSONAL_API_KEY")
    tools_value = args.tools if args.tools is not None else env_text(environ, "POSTHOG_MCP_TOOLS")
    read_only = args.read_only or parse_bool("POSTHOG_MCP_READ_ONLY", environ.get("POSTHOG_MCP_READ_ONLY", ""))
    if args.timeout is not None:
        timeout = parse_seconds("--timeout", str(args.timeout))
    else:
        timeout = parse_seconds("POSTHOG_MCP_TIMEOUT", env_text(environ, "POSTHOG_MCP_TIMEOUT") or "60")
    port = args.port if args.port is not None else 8000
    if not 0 <= port <= 65535:
        raise SettingsError(f"--port must be between 0 and 65535, got {port}")
    if args.sandbox and args.workers > 1:
        raise SettingsError(
            "--sandbox with --workers above 1 would give each worker its own demo data (a call could see a "
            "sync another worker started, or not): use one worker, or run posthog-external-data-sandbox once and "
            "point the workers at it with POSTHOG_HOST"
        )
    token = env_text(environ, "MCP_AUTH_TOKEN")
    confirm_value = args.confirm_destructive or env_text(environ, "POSTHOG_MCP_CONFIRM_DESTRUCTIVE") or "auto"
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
        tools=None if tools_value is None else parse_tool_names(tools_value),
        log_level=args.log_level or parse_log_level(env_text(environ, "POSTHOG_MCP_LOG_LEVEL")),
        timeout_seconds=timeout,
        confirm_destructive=parse_confirm_policy("POSTHOG_MCP_CONFIRM_DESTRUCTIVE", confirm_value),
        state_keys=parse_state_keys(env_text(environ, "POSTHOG_MCP_STATE_KEYS")),
        auth_mode=args.auth,
        mcp_auth_token=token,  # type: ignore[arg-type]
        allowed_hosts=parse_csv(args.allowed_hosts),
        allowed_origins=parse_csv(args.allowed_origins),
        workers=args.workers,
        sse=args.sse,
    )
