"""Why a sync failed, and what the user must do about it: a pure function of PostHog's `latest_error` text (and
the source's type).

PostHog itself classifies a failed run by substring: the raw error is matched against a cross-source list, then
the source's own list, and the first match wins; its `latest_error` becomes the matched friendly text (or stays
raw) and the schema is switched off (`should_sync=false`), because retrying would not fix it. The rules below
match both the raw keys and the friendly texts of those lists (PostHog/posthog
`products/warehouse_sources/backend/temporal/data_imports/external_data_job.py` @00c583e1 and the Stripe
@01dc8162, Postgres @819e9cba and Hubspot @04bf68b1 `sources/*/source.py`), plus the transient failures PostHog
rewrites but never switches off. The fixes say what to change in PostHog's own words; the hints of other tools
and the waiting loop reuse them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .tool_names import ToolName

CauseKind = Literal[
    "credentials",
    "permissions",
    "missing_primary_key",
    "duplicate_primary_key",
    "incremental_field",
    "schema_drift",
    "unreachable",
    "timeout",
    "source_outage",
]


@dataclass(frozen=True)
class Cause:
    kind: CauseKind
    summary: str  # a few words, for a group title
    fix: str  # the one next step, in PostHog's words
    turns_sync_off: bool  # PostHog switches syncing off when a run fails this way


@dataclass(frozen=True)
class _Rule:
    needles: tuple[str, ...]  # lower-case substrings; any one matches
    cause: Cause
    source_types: frozenset[str] | None = None  # None: any source


_SOURCES = "PostHog (Data pipeline → Sources)"
_CHECK_TABLE = f"{ToolName.INCREMENTAL_FIELDS} shows what the table has now"


def _rule(
    needles: tuple[str, ...],
    kind: CauseKind,
    summary: str,
    fix: str,
    *,
    off: bool = True,
    sources: tuple[str, ...] | None = None,
) -> _Rule:
    return _Rule(needles, Cause(kind, summary, fix, off), None if sources is None else frozenset(sources))


_RECONNECT_HUBSPOT = f"Reconnect the HubSpot account in {_SOURCES}."

# Order matters: the first rule that matches wins, as in PostHog (specific texts before generic ones).
_RULES: tuple[_Rule, ...] = (
    # Cross-source (PostHog's Any_Source_Errors)
    _rule(
        (
            "primary key required for incremental",
            "needs a primary key",
            "no primary key defined",
            "requires a primary key",
        ),
        "missing_primary_key",
        "no primary key",
        f"Set primary_key_columns (with sync_type) via {ToolName.PARTIAL_UPDATE}, or switch to full_refresh.",
    ),
    _rule(
        ("are not unique", "isn't unique"),
        "duplicate_primary_key",
        "primary key not unique",
        f"Pick a unique key (detected_primary_keys of {ToolName.INCREMENTAL_FIELDS}); PostHog allows the change "
        f"only after {ToolName.DELETE_DATA}. Or switch to full_refresh.",
    ),
    _rule(
        (
            "integration matching query does not exist",
            "integration not found",
            "missing integration id",
            "no longer available",
            "integration no longer exists",
        ),
        "credentials",
        "connected account gone",
        f"Reconnect the source's account in {_SOURCES}.",
    ),
    _rule(
        ("sshtunnel auth is not valid", "ssh tunnel credentials are not valid"),
        "credentials",
        "SSH tunnel login",
        f"Fix the SSH tunnel's login in {_SOURCES}.",
    ),
    _rule(
        ("could not establish session to ssh gateway",),
        "unreachable",
        "SSH gateway unreachable",
        f"Check the SSH tunnel's host and port in {_SOURCES}; allow PostHog's IP addresses.",
    ),
    _rule(
        ("was not found in the data returned by the source",),
        "incremental_field",
        "incremental field missing",
        f"Choose a field {ToolName.INCREMENTAL_FIELDS} lists and set it with {ToolName.PARTIAL_UPDATE}.",
    ),
    _rule(
        ("source column type changed",),
        "schema_drift",
        "column type changed",
        f"Re-import the table from scratch with {ToolName.RESYNC}.",
    ),
    # Stripe
    _rule(
        ("expired api key provided", "api key has expired"),
        "credentials",
        "Stripe key expired",
        f"Create a new Stripe API key and reconnect the source in {_SOURCES}.",
        sources=("Stripe",),
    ),
    _rule(
        (
            "invalid api key provided",
            "rejected the api key",
            "missing stripe api key",
            "stripe access token not found",
            "reconnect your stripe account",
            "update the source configuration",
        ),
        "credentials",
        "Stripe key invalid",
        f"Enter a valid restricted Stripe key (rk_live_…) or reconnect Stripe in {_SOURCES}.",
        sources=("Stripe",),
    ),
    _rule(
        ("does not allow requests from your ip address", "restricts requests by ip address"),
        "unreachable",
        "Stripe key IP-restricted",
        "Remove the key's IP restriction in Stripe or allow PostHog's IP addresses.",
        sources=("Stripe",),
    ),
    _rule(
        ("does not have the required permissions for this endpoint",),
        "permissions",
        "Stripe key lacks a permission",
        "Add the read permission the error names (rak_…_read) to the Stripe key.",
        sources=("Stripe",),
    ),
    _rule(
        ("only stripe connect platforms", "does not have access to account", "configured stripe account"),
        "credentials",
        "wrong Stripe account",
        f"Fix the source's Account id in {_SOURCES} (OAuth: reconnect Stripe).",
        sources=("Stripe",),
    ),
    _rule(
        ("for url: https://api.stripe.com", "do not have permissions to access endpoint"),
        "permissions",
        "Stripe denied access",
        "Give the Stripe key read access to this resource (and check the Stripe plan includes it).",
        sources=("Stripe",),
    ),
    # Hubspot
    _rule(
        (
            "refresh token",
            "connection is invalid or expired",
            "unknown hub id",
            "no longer authorized",
            "unauthorized for url: https://api.hubapi.com",
        ),
        "credentials",
        "HubSpot login expired",
        _RECONNECT_HUBSPOT,
        sources=("Hubspot",),
    ),
    _rule(
        ("forbidden for url: https://api.hubapi.com", "permission to access this data", "required scopes"),
        "permissions",
        "HubSpot scopes missing",
        f"Reconnect HubSpot in {_SOURCES} and grant every scope it asks for.",
        sources=("Hubspot",),
    ),
    # Postgres (and other databases that speak its errors)
    _rule(
        (
            "password authentication failed",
            "sasl authentication failed",
            "rejected the credentials",
            "no tenant identifier provided",
            "(enotfound) tenant/user",
        ),
        "credentials",
        "database login refused",
        f"Fix the database user and password in {_SOURCES} (Supabase poolers: user postgres.<project-ref>).",
    ),
    _rule(
        ("could not translate host name", "name or service not known", "no address associated with hostname"),
        "unreachable",
        "host name unknown",
        f"Fix the source's host in {_SOURCES}: it does not resolve.",
    ),
    _rule(
        ("connection refused", "no route to host", "network is unreachable", "timeout expired"),
        "unreachable",
        "database unreachable",
        "Allow PostHog's IP addresses in the database firewall; check host and port.",
    ),
    _rule(
        (
            "server closed the connection unexpectedly",
            "lost its connection to your source",
            "could not receive data from server",
            "connection timed out",
        ),
        "unreachable",
        "connection lost",
        f"Usually transient: {ToolName.RELOAD} later; if it repeats, check the source's network.",
        off=False,
    ),
    _rule(
        ("ssl negotiation", "sslrequirederror", "speaking ssl"),
        "unreachable",
        "SSL mismatch",
        f"Point host and port at a PostgreSQL server with SSL in {_SOURCES}.",
    ),
    _rule(
        ("permission denied for", "isn't allowed to read", "insufficientprivilege"),
        "permissions",
        "database role lacks access",
        "Grant the connecting role SELECT on the table (and USAGE on its schema).",
    ),
    _rule(
        ("querytimeoutexception", "has an appropriate index", "statement timeout"),
        "timeout",
        "query timed out",
        "Add an index on the incremental field at the source, or raise its statement timeout.",
    ),
    _rule(
        ("does not exist", "nosuchtableerror"),
        "schema_drift",
        "table or column gone",
        f"{_CHECK_TABLE}: update the schema with {ToolName.PARTIAL_UPDATE}, or delete it ({ToolName.DESTROY}).",
    ),
    # Transient failures PostHog rewrites but never switches off
    _rule(
        ("502 server error", "503 server error", "504 server error", "temporarily unavailable", "(retryable)"),
        "source_outage",
        "source API unavailable",
        f"The source's API was down: {ToolName.RELOAD} later.",
        off=False,
    ),
    _rule(
        ("ran longer than posthog allows", "timed out"),
        "timeout",
        "sync timed out",
        "Sync less per run: incremental sync, fewer columns or row filters.",
        off=False,
    ),
    # Generic HTTP answers of any API source
    _rule(
        ("401 client error", "unauthorized", "authentication failed", "invalid credentials"),
        "credentials",
        "credentials refused",
        f"Reconnect the source with valid credentials in {_SOURCES}.",
        off=False,
    ),
    _rule(
        ("403 client error", "forbidden"),
        "permissions",
        "access denied",
        f"Give the source's credentials access to this data (a missing scope or permission) in {_SOURCES}.",
        off=False,
    ),
)


def diagnose(latest_error: str | None, source_type: str | None = None) -> Cause | None:
    """The classified cause of a failure text, or None when no rule knows it (then its logs say more)."""
    if not latest_error:
        return None
    text = latest_error.lower()
    for rule in _RULES:
        if rule.source_types is not None and source_type is not None and source_type not in rule.source_types:
            continue
        if any(needle in text for needle in rule.needles):
            return rule.cause
    return None
