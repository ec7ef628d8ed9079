"""Streamable HTTP: stateless (any request on any worker or replica), one PostHog key per request.

Who pays for a request is decided here, before any tool runs, and never shared between requests:

* passthrough — the request's bearer is a PostHog personal API key (`phx_…`): it is used for that request's
  upstream calls only, and never stored or logged.
* server key — with POSTHOG_PERSONAL_API_KEY set, other requests use the server's key: freely on a loopback
  bind, elsewhere only when the bearer is the shared secret MCP_AUTH_TOKEN.
* `--auth passthrough` turns the server key off for HTTP entirely.

Headers can narrow a request (`x-posthog-project-id` pins the project, `x-posthog-readonly` hides writes,
`x-posthog-confirm-destructive` tightens the confirmation policy) but never widen what the operator allowed.
"""

from __future__ import annotations

import hmac
import logging
import signal
import sys
import time
from collections.abc import Generator, Mapping, Sequence
from contextlib import contextmanager
from types import FrameType
from typing import Any

from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import __version__
from ..sockets import listening_socket
from .access import ACCESS_STATE_KEY, TOOL_CALL_LOG_KEY, Access, selected_tools
from .app import build_server
from .confirmation import tighter
from .http_exchange import BodyTooLarge, ClientLeft, read_body, serve_until_disconnect
from .settings import ConfirmPolicy, Settings, SettingsError, parse_bool, parse_confirm_policy, parse_project
from .upstream import Upstream

logger = logging.getLogger("posthog_external_data_mcp.http")

MCP_PATH = "/mcp"
MAX_REQUEST_BYTES = 1024 * 1024  # tool arguments are small; anything near this is abuse
PASSTHROUGH_PREFIX = "phx_"


def check_startup(settings: Settings, upstream: Upstream) -> None:
    """Refuse configurations that would expose the server key or fail every request."""
    if settings.loopback:
        return
    # The demo sandbox's keys are public: serving them on any address exposes nothing.
    if settings.auth_mode == "auto" and upstream.server_key and not upstream.demo and not settings.mcp_auth_token:
        raise SettingsError(
            f"refusing to serve the server's PostHog key on {settings.bind_host} without client authentication: "
            "set MCP_AUTH_TOKEN (clients send it as their bearer), use --auth passthrough (clients bring their "
            "own phx_ keys), or bind 127.0.0.1"
        )
    if not settings.allowed_hosts:
        raise SettingsError(
            f"binding {settings.bind_host} needs --allowed-hosts with the Host names clients use "
            "(e.g. mcp.example.com,mcp.example.com:443), or --allowed-hosts '*' to turn the DNS-rebinding check off"
        )


def describe_auth(settings: Settings, upstream: Upstream) -> str:
    modes = ["passthrough: requests bearing a phx_ personal API key use that key"]
    if settings.auth_mode == "passthrough":
        modes.append("the server key is never used (--auth passthrough)")
    elif upstream.server_key and settings.mcp_auth_token:
        modes.append("server key: requests bearing MCP_AUTH_TOKEN use the server's key")
    elif upstream.server_key:
        modes.append("server key: any loopback client without a phx_ key uses the server's key")
    else:
        modes.append("no server key: requests without a phx_ key are refused (401)")
    return "; ".join(modes)


def security_settings(settings: Settings) -> TransportSecuritySettings:
    hosts = list(settings.allowed_hosts)
    origins = list(settings.allowed_origins)
    if settings.loopback:
        hosts += ["127.0.0.1:*", "localhost:*", "[::1]:*", "127.0.0.1", "localhost", "[::1]"]
        origins += ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection="*" not in hosts, allowed_hosts=hosts, allowed_origins=origins
    )


# The request headers the gate reads, picked out of the ASGI scope in one pass (the first of each, as Starlette's
# `Headers.get` would).
_GATE_HEADERS = frozenset(
    {
        b"host",
        b"origin",
        b"authorization",
        b"content-length",
        b"x-posthog-project-id",
        b"x-posthog-readonly",
        b"x-posthog-read-only",
        b"x-posthog-confirm-destructive",
    }
)


def gate_headers(scope: Scope) -> dict[bytes, str]:
    found: dict[bytes, str] = {}
    for name, value in scope["headers"]:
        if name in _GATE_HEADERS and name not in found:
            found[name] = value.decode("latin-1")
    return found


class AccessGate:
    """The one ASGI layer in front of /mcp: Host/Origin checks, who pays, header narrowing, the body limit (the
    body is read here, once), the client's disconnect (it stops the call), and one access-log line.

    Requests for /mcp go straight to the SDK's endpoint: the Starlette app around it (error pages, routing) adds
    nothing for them. Everything else — /health, unknown paths, the lifespan — goes to that Starlette app.
    """

    def __init__(
        self, app: Starlette, settings: Settings, upstream: Upstream, security: TransportSecuritySettings
    ) -> None:
        self.app = app
        self.endpoint = _mcp_endpoint(app)
        self.settings = settings
        self.server_key = upstream.server_key
        self.tools = selected_tools(settings)
        self.security = security

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path != MCP_PATH and path.rstrip("/") != MCP_PATH:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = gate_headers(scope)
        status: list[int] = []

        async def send_and_record(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        decision = self._decide(headers)
        if isinstance(decision, Response):
            await decision(scope, receive, send_and_record)
            self._log(scope, status, started, "refused")
            return
        scope.setdefault("state", {})[ACCESS_STATE_KEY] = decision
        left = False
        try:
            body = await read_body(receive, headers.get(b"content-length"), MAX_REQUEST_BYTES)
            if isinstance(body, BodyTooLarge):
                await PlainTextResponse("Request body too large", status_code=413)(scope, receive, send_and_record)
            elif isinstance(body, ClientLeft):
                left = True
            else:
                # "/mcp/" goes through Starlette, which redirects it to /mcp as before.
                target = self.endpoint if path == MCP_PATH else self.app
                left = await serve_until_disconnect(target, scope, body, receive, send_and_record)
        finally:
            self._log(scope, status, started, decision.label, left=left)

    def _decide(self, headers: Mapping[bytes, str]) -> Access | Response:
        refusal = self._check_host_and_origin(headers)
        if refusal is not None:
            return refusal
        narrowing = _narrowing(headers, self.settings)
        if isinstance(narrowing, Response):
            return narrowing
        pinned, read_only, policy = narrowing
        bearer = _bearer(headers.get(b"authorization", ""))
        if bearer is not None and bearer.startswith(PASSTHROUGH_PREFIX):
            return Access(
                bearer,
                pinned,
                read_only,
                "the Authorization header of your MCP client",
                "passthrough",
                self.tools,
                confirm_policy=policy,
            )
        if self.settings.auth_mode == "passthrough" or not self.server_key:
            return _unauthorized("Send your PostHog personal API key as 'Authorization: Bearer phx_...'.")
        token = self.settings.mcp_auth_token
        if token is not None:
            if bearer is None or not hmac.compare_digest(bearer.encode(), token.get_secret_value().encode()):
                return _unauthorized("Send MCP_AUTH_TOKEN, or your own phx_ personal API key, as the bearer token.")
        elif bearer is not None or not self.settings.loopback:
            # An unknown bearer is a misconfigured client: say so rather than silently using the server key.
            return _unauthorized("Unknown bearer token: send a phx_ personal API key, or no Authorization header.")
        return Access(
            self.server_key,
            pinned,
            read_only,
            "the server's POSTHOG_PERSONAL_API_KEY",
            "server-key",
            self.tools,
            confirm_policy=policy,
        )

    def _check_host_and_origin(self, headers: Mapping[bytes, str]) -> Response | None:
        security = self.security
        if not security.enable_dns_rebinding_protection:
            return None
        if not _matches(headers.get(b"host", ""), security.allowed_hosts):
            return JSONResponse({"error": "invalid_host", "error_description": "Host not allowed"}, status_code=421)
        origin = headers.get(b"origin")
        if origin and not _matches(origin, security.allowed_origins):
            return JSONResponse({"error": "invalid_origin", "error_description": "Origin not allowed"}, status_code=403)
        return None

    def _log(self, scope: Scope, status: list[int], started: float, auth: str, *, left: bool = False) -> None:
        # One line per request (with the tool call's fields when it was one); headers, bodies and keys never.
        if not logger.isEnabledFor(logging.INFO):
            return
        client = scope.get("client")
        tool_call = scope.get("state", {}).get(TOOL_CALL_LOG_KEY)
        logger.info(
            "http %s %s status=%s auth=%s client=%s duration_ms=%.1f%s%s",
            scope["method"],
            scope["path"],
            status[0] if status else "-",
            auth,
            client[0] if client else "-",
            (time.perf_counter() - started) * 1000,
            " disconnected" if left else "",
            f" {tool_call}" if tool_call else "",
        )


def _mcp_endpoint(app: Starlette) -> ASGIApp:
    for route in app.routes:
        if isinstance(route, Route) and route.path == MCP_PATH:
            return route.app
    raise RuntimeError(f"the SDK's app has no {MCP_PATH} route")  # pragma: no cover - a wiring bug


def _matches(value: str, allowed: Sequence[str]) -> bool:
    if value in allowed:
        return True
    return any(pattern.endswith(":*") and value.startswith(pattern[:-1]) for pattern in allowed)


def _bearer(header: str) -> str | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def _narrowing(headers: Mapping[bytes, str], settings: Settings) -> tuple[Any, bool, ConfirmPolicy] | Response:
    pinned_header = headers.get(b"x-posthog-project-id")
    read_only_header = headers.get(b"x-posthog-readonly") or headers.get(b"x-posthog-read-only")
    confirm_header = headers.get(b"x-posthog-confirm-destructive")
    try:
        pinned = None if pinned_header is None else parse_project(pinned_header)
        read_only = settings.read_only or (
            read_only_header is not None and parse_bool("x-posthog-readonly", read_only_header)
        )
        # Only ever tighter than the operator's policy: a header asking for less confirmation is ignored.
        policy = settings.confirm_destructive
        if confirm_header is not None:
            policy = tighter(policy, parse_confirm_policy("x-posthog-confirm-destructive", confirm_header))
    except SettingsError as exc:
        return JSONResponse({"error": "invalid_request", "error_description": str(exc)}, status_code=400)
    return pinned, read_only, policy


def _unauthorized(description: str) -> Response:
    return JSONResponse(
        {"error": "invalid_token", "error_description": description},
        status_code=401,
        headers={
            "WWW-Authenticate": f'Bearer realm="posthog-external-data-mcp", error="invalid_token", error_description="{description}"'
        },
    )


async def _health(_: Request) -> Response:
    return JSONResponse({"status": "ok", "version": __version__})


def create_http_app(settings: Settings, upstream: Upstream) -> ASGIApp:
    server = build_server(settings, upstream)
    security = security_settings(settings)
    inner = server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        json_response=not settings.sse,
        stateless_http=True,
        transport_security=security,
        host=settings.bind_host,
        max_request_body_size=MAX_REQUEST_BYTES,
        custom_starlette_routes=[Route("/health", _health, methods=["GET"])],
    )
    return AccessGate(inner, settings, upstream, security)


def serve_http(settings: Settings, upstream: Upstream, *, worker_factory: str) -> None:
    """Serve on one process, or on `settings.workers` processes that each build their app by calling
    `worker_factory` ("module:function", which re-reads the operator's flags: see `wiring.py`)."""
    import uvicorn  # noqa: PLC0415

    check_startup(settings, upstream)
    print(
        f"posthog-external-data-mcp: streamable HTTP on http://{settings.bind_host}:{settings.port}{MCP_PATH} "
        f"({settings.workers} worker(s), stateless). Auth: {describe_auth(settings, upstream)}.",
        file=sys.stderr,
        flush=True,
    )
    common: dict[str, Any] = {
        "host": settings.bind_host,
        "port": settings.port,
        "log_level": "warning",
        "access_log": False,  # AccessGate logs one line per request, without secrets
        "timeout_keep_alive": 15,
        "timeout_graceful_shutdown": 10,
    }
    if settings.workers > 1:
        from uvicorn.supervisors import Multiprocess  # noqa: PLC0415

        config = uvicorn.Config(worker_factory, factory=True, workers=settings.workers, **common)
        Multiprocess(config, sockets=[listening_socket(settings.bind_host, settings.port)]).run()
    else:
        with _signals_end_cleanly():
            uvicorn.run(create_http_app(settings, upstream), **common)


@contextmanager
def _signals_end_cleanly() -> Generator[None]:
    """On SIGTERM/SIGINT uvicorn drains — stops accepting, lets the requests in flight finish (at most
    `timeout_graceful_shutdown`), runs the lifespan's shutdown — and then raises the signal again for the handler
    it found. With the default handler the process would die of it (exit -15) after a clean drain; with this
    one, which does nothing, it exits 0."""

    def drained(signum: int, frame: FrameType | None) -> None:
        return None

    previous = signal.signal(signal.SIGTERM, drained)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
