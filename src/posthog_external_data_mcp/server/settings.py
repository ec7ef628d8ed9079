"""Settings from the environment and command-line flags (flags win), checked once at start.

A malformed setting stops the server before it serves anything (exit code 2, one line on stderr). A missing key
does not: clients and registries start servers just to list their tools, so calls report it instead.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from ..posthog_client import ProjectRef, Route

DEFAULT_HOST = "https://us.posthog.com"
SANDBOX_BASE_URL = "http://sandbox.posthog.invalid"
SANDBOX_DEFAULT_KEY = "phx_sandbox_all"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
# PostHog personal (phx_), OAuth (pha_) and project secret (phs_) tokens: never shown, wherever they turn up.
LOOKS_LIKE_KEY = re.compile(r"ph[xas]_[A-Za-z0-9_\-]{8,}")

Transport = Literal["stdio", "http"]
AuthMode = Literal["auto", "passthrough"]
LogLevel = Literal["debug", "info", "warning", "error"]


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
    # HTTP transport only.
    auth_mode: AuthMode = "auto"
    mcp_auth_token: SecretStr | None = None
    allowed_hosts: tuple[str, ...] = ()
    allowed_origins: tuple[str, ...] = ()
    workers: int = Field(default=1, ge=1, le=64)
    sse: bool = False  # JSON responses by default: cheaper, and what stateless load balancing wants

    @property
    def base_url(self) -> str:
        return SANDBOX_BASE_URL if self.sandbox else self.posthog_host

    @property
    def server_key(self) -> str | None:
        """The key this process uses for calls that bring none of their own."""
        if self.sandbox:
            key = self.api_key.get_secret_value() if self.api_key else ""
            # Only demo keys go to the demo backend; a real key is never needed (nor sent) there.
            return key if key.startswith("phx_sandbox_") else SANDBOX_DEFAULT_KEY
        return self.api_key.get_secret_value() if self.api_key else None

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


def parse_tool_names(value: str, known: tuple[str, ...]) -> tuple[str, ...]:
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
