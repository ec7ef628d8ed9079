"""`posthog-external-data-mcp doctor`: diagnose the day-one failures in one command.

Checks, in order, that the host answers, the key is accepted, which of the two scopes the key has, that the
project resolves, and that a list call works — and prints one concrete fix per failure. The host check tells
apart what fails before any answer (a name that does not resolve, a closed port, TLS, a timeout) from a host that
answers but is not PostHog's API (a path in POSTHOG_HOST, another service); the region is blamed only when a
PostHog host refuses the key. Exit code 0 when every check passes, 1 otherwise, 2 for bad settings.
"""

from __future__ import annotations

import socket
import ssl
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, TextIO
from urllib.parse import urlsplit

import anyio
import httpx2

from .posthog_client import (
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    PersonalApiKey,
    PostHogClient,
    PostHogConnectionError,
    PostHogError,
    RetryPolicy,
    create_http_client,
)
from .posthog_client.errors import APIStatusError
from .posthog_client.scopes import ALL_SCOPES, Scope, key_grants
from .server.settings import PROG, SettingsError, build_parser, load_settings
from .server.tools import TOOLS
from .wiring import upstream_for

READ_SCOPE = Scope.READ
WRITE_SCOPE = Scope.WRITE
Status = Literal["ok", "warn", "FAIL", "skip"]


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    fix: str | None = None


@dataclass(frozen=True)
class Target:
    host: str
    key: str | None
    project: int | Literal["@current"]
    route: Literal["projects", "environments"]
    sandbox: bool
    transport: httpx2.AsyncBaseTransport | None = None  # None: the network


def parse_target(argv: Sequence[str], environ: Mapping[str, str]) -> Target:
    parser = build_parser(
        prog=f"{PROG} doctor",
        description="Check host, key, scopes, project and a list call; print a fix for each failure.",
    )
    settings = load_settings(argv, environ, parser)
    upstream = upstream_for(settings)
    return Target(
        host=upstream.base_url,
        key=upstream.server_key,
        project=settings.project_id,
        route=settings.route,
        sandbox=settings.sandbox,
        transport=upstream.transport,
    )


INGESTION_HOSTS = ("us.i.posthog.com", "eu.i.posthog.com", "app.posthog.com")


def _region_fix(host: str) -> str:
    """For a host that answers as PostHog but refuses the key: keys only work in their own region."""
    hostname = urlsplit(host).hostname or ""
    if hostname in INGESTION_HOSTS:
        region = "eu" if hostname.startswith("eu") else "us"
        return f"{host} is not PostHog's private API host: set POSTHOG_HOST=https://{region}.posthog.com"
    if hostname == "eu.posthog.com":
        return "if your PostHog account is in the US region, set POSTHOG_HOST=https://us.posthog.com (keys only work in their own region)"
    if hostname == "us.posthog.com":
        return "if your PostHog account is in the EU region, set POSTHOG_HOST=https://eu.posthog.com (keys only work in their own region)"
    return f"check that POSTHOG_HOST is your PostHog instance's URL and that the key was created there ({host})"


async def run_checks(target: Target, transport: httpx2.AsyncBaseTransport | None = None) -> list[Check]:
    checks: list[Check] = []
    async with create_http_client(
        transport=transport or target.transport, timeout=httpx2.Timeout(10.0, connect=5.0)
    ) as http:
        # Diagnosis reports the first answer rather than retrying: a retry would only hide what is wrong.
        client = PostHogClient(http=http, base_url=target.host, api_key=target.key, route=target.route,
                               project_id=target.project, retry=RetryPolicy(max_retries=0, total_timeout=20))  # fmt: skip
        reachable = await _check_host(http, target, checks)
        if not reachable:
            return checks
        key = await _check_key(client, target, checks)
        if key is None:
            return checks
        _check_scopes(key, checks)
        _check_project_scope(key, target, checks)
        await _check_list(client, target, checks)
    return checks


def _causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def network_failure(host: str, exc: httpx2.HTTPError) -> tuple[str, str]:
    """What went wrong before any HTTP answer (name, port, network, TLS), and its own fix: never the region."""
    parts = urlsplit(host)
    hostname = parts.hostname or host
    port = parts.port or (443 if parts.scheme == "https" else 80)
    causes = _causes(exc)
    if any(isinstance(cause, socket.gaierror) for cause in causes):
        return (
            f"the name {hostname} does not resolve (DNS lookup failed)",
            "check the spelling of POSTHOG_HOST (PostHog Cloud: https://us.posthog.com or https://eu.posthog.com) "
            "and that this machine can resolve names (network, VPN, DNS)",
        )
    if any(isinstance(cause, ConnectionRefusedError) for cause in causes):
        return (
            f"nothing accepts connections at {hostname}:{port} (connection refused)",
            "check the port in POSTHOG_HOST and that the instance is running there (PostHog Cloud needs no "
            "port: https://us.posthog.com or https://eu.posthog.com)",
        )
    if any(isinstance(cause, ssl.SSLError) for cause in causes):
        return (
            f"the TLS handshake with {hostname} failed ({one_line(exc)})",
            "for a self-hosted instance with its own certificate authority, set SSL_CERT_FILE to its CA bundle; "
            "otherwise check that POSTHOG_HOST is the https:// address PostHog is served at",
        )
    if isinstance(exc, httpx2.TimeoutException):
        return (
            f"no answer from {hostname}:{port} in time (network timeout)",
            "check the network path to POSTHOG_HOST (firewall, proxy, VPN); behind a proxy, set HTTPS_PROXY",
        )
    return (
        f"could not reach {hostname}:{port} ({type(exc).__name__}: {one_line(exc)})",
        "check the network path to POSTHOG_HOST (firewall, proxy, VPN)",
    )


def wrong_service(host: str, response: httpx2.Response) -> tuple[str, str]:
    """The host answered, but not as PostHog's API does: a path in POSTHOG_HOST, or another service."""
    parts = urlsplit(host)
    kind = response.headers.get("content-type", "no content type").split(";")[0]
    detail = f"{host} answered HTTP {response.status_code} ({kind}) where PostHog's API answers JSON"
    if parts.path not in ("", "/"):
        origin = f"{parts.scheme}://{parts.netloc}"
        return detail, f"POSTHOG_HOST must be the base URL without a path ({parts.path}): set POSTHOG_HOST={origin}"
    hostname = parts.hostname or ""
    if hostname in INGESTION_HOSTS:
        return detail, _region_fix(host)
    return (
        detail,
        "POSTHOG_HOST is not a PostHog instance: use the address you open PostHog at (PostHog Cloud: "
        "https://us.posthog.com or https://eu.posthog.com; self-hosted: your instance's URL)",
    )


def one_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:200]


async def _check_host(http: httpx2.AsyncClient, target: Target, checks: list[Check]) -> bool:
    started = time.perf_counter()
    try:
        # Unauthenticated on purpose: only reachability is tested here, no key leaves yet.
        response = await http.get(f"{target.host}/api/personal_api_keys/@current/")
    except httpx2.HTTPError as exc:
        checks.append(Check("host reachable", "FAIL", *network_failure(target.host, exc)))
        return False
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code not in (200, 401, 403) or "json" not in response.headers.get("content-type", ""):
        checks.append(Check("host reachable", "FAIL", *wrong_service(target.host, response)))
        return False
    checks.append(Check("host reachable", "ok", f"{target.host} answered in {elapsed:.0f} ms"))
    return True


async def _check_key(client: PostHogClient, target: Target, checks: list[Check]) -> PersonalApiKey | None:
    if not target.key:
        checks.append(Check("api key accepted", "FAIL", "POSTHOG_PERSONAL_API_KEY is not set",
                            "create a personal API key in PostHog (Settings → Personal API keys) with the "
                            f"{READ_SCOPE} and {WRITE_SCOPE} scopes and set POSTHOG_PERSONAL_API_KEY"))  # fmt: skip
        return None
    if not target.key.startswith("phx_"):
        checks.append(Check("api key accepted", "FAIL", "the key does not look like a personal API key (phx_…)",
                            "use a personal API key (phx_…), not a project API key (phc_…) or a secret key"))  # fmt: skip
        return None
    try:
        key = await client.current_personal_api_key()
    except AuthenticationError as exc:
        checks.append(
            Check("api key accepted", "FAIL", f"{target.host} refused the key: {exc.detail}", _region_fix(target.host))
        )
        return None
    except PostHogError as exc:
        checks.append(Check("api key accepted", "FAIL", _describe(exc), "retry; if it persists, check POSTHOG_HOST"))
        return None
    label = f"'{key.label}' ({key.mask_value})" if key.label else (key.mask_value or "key")
    checks.append(Check("api key accepted", "ok", label))
    return key


def _check_scopes(key: PersonalApiKey, checks: list[Check]) -> None:
    scopes = set(key.scopes)
    has_write = key_grants(scopes, WRITE_SCOPE)
    has_read = key_grants(scopes, READ_SCOPE)
    fix = "edit the key in PostHog (Settings → Personal API keys) and add the {scope} scope"
    if has_read:
        checks.append(Check("read scope", "ok", READ_SCOPE + (" (via *)" if ALL_SCOPES in scopes else "")))
    else:
        checks.append(
            Check(
                "read scope",
                "FAIL",
                f"missing {READ_SCOPE}; key scopes: {', '.join(sorted(scopes)) or 'none'}",
                fix.format(scope=READ_SCOPE),
            )
        )
    if has_write:
        checks.append(Check("write scope", "ok", WRITE_SCOPE + (" (via *)" if ALL_SCOPES in scopes else "")))
    else:
        # What the server will offer this key: it hides the tools a key's scopes cannot call (scope_fit.py), so
        # --read-only would change nothing here (it keeps incremental-fields, which needs the write scope).
        callable_tools = ", ".join(row.name for row in TOOLS if key_grants(scopes, row.scope))
        checks.append(Check("write scope", "warn", f"missing {WRITE_SCOPE}: the server offers this key only {callable_tools}",
                            fix.format(scope=WRITE_SCOPE) + " to change, sync or delete schemas (reading needs "
                            "nothing more)"))  # fmt: skip


def _check_project_scope(key: PersonalApiKey, target: Target, checks: list[Check]) -> None:
    teams = key.scoped_teams or []
    if teams and isinstance(target.project, int) and target.project not in teams:
        listed = ", ".join(str(team) for team in teams)
        checks.append(Check("project access", "FAIL", f"the key is limited to project(s) {listed}, not {target.project}",
                            f"set POSTHOG_PROJECT_ID to one of {listed}, or widen the key's projects in PostHog"))  # fmt: skip
    elif teams and target.project == "@current":
        checks.append(Check("project access", "warn", f"the key is limited to project(s) {', '.join(map(str, teams))} and "
                            "@current is your last-active project, which may be another one",
                            f"set POSTHOG_PROJECT_ID={teams[0]}"))  # fmt: skip


async def _check_list(client: PostHogClient, target: Target, checks: list[Check]) -> None:
    try:
        page = await client.list_schemas(limit=1)
    except NotFoundError as exc:
        checks.append(Check("project resolves", "FAIL", f"project {target.project}: {exc.detail}",
                            "set POSTHOG_PROJECT_ID to the number in your PostHog URL (…/project/<id>/…)"))  # fmt: skip
        return
    except PermissionDeniedError as exc:
        scope = exc.missing_scope
        fix = (f"add the {scope} scope to the key" if scope else
               "set POSTHOG_PROJECT_ID to a project the key can access, or widen the key's projects in PostHog")  # fmt: skip
        checks.append(Check("project resolves", "FAIL", f"project {target.project}: {exc.detail}", fix))
        return
    except (APIStatusError, PostHogConnectionError, PostHogError) as exc:
        checks.append(
            Check("list schemas", "FAIL", _describe(exc), "retry; if it persists, check https://status.posthog.com")
        )
        return
    checks.append(Check("project resolves", "ok", f"project {target.project}, {target.route} route"))
    checks.append(Check("list schemas", "ok", f"{page.count} schema(s) visible"))


def _describe(exc: PostHogError) -> str:
    return exc.message if not isinstance(exc, APIStatusError) else f"HTTP {exc.status_code}: {exc.detail}"


def render(checks: Sequence[Check], target: Target, out: TextIO) -> None:
    where = "the built-in sandbox (demo data)" if target.sandbox else target.host
    print(f"posthog-external-data-mcp doctor: {where}, project {target.project}, route {target.route}", file=out)
    width = max(len(check.name) for check in checks)
    for check in checks:
        print(f"  {check.name:<{width}}  {check.status:<4}  {check.detail}", file=out)
        if check.fix and check.status in ("FAIL", "warn"):
            print(f"  {'':<{width}}  {'':<4}  fix: {check.fix}", file=out)
    failed = sum(check.status == "FAIL" for check in checks)
    print("all checks passed" if not failed else f"{failed} check(s) failed", file=out)


def main(argv: Sequence[str], environ: Mapping[str, str]) -> int:
    try:
        target = parse_target(argv, environ)
    except SettingsError as exc:
        print(f"posthog-external-data-mcp doctor: error: {exc}", file=sys.stderr)
        return 2
    checks = anyio.run(run_checks, target)
    render(checks, target, sys.stdout)
    return 1 if any(check.status == "FAIL" for check in checks) else 0
