"""Why a sync fails, and what PostHog makes of the error: its non-retryable tables and friendly texts.

PostHog's workflow finalisation (``external_data_job.py``) matches the run's raw error against
``Any_Source_Errors`` and the source's ``get_non_retryable_errors()`` by substring. A match turns syncing
off (``should_sync = false``) and, when the table maps it to a text, stores that friendly text as
``latest_error``; a ``None`` value keeps the raw text. Anything unmatched is retryable: raw text kept,
syncing left on. The texts below are PostHog's (sources at the commits cited in docs/sandbox.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import DiscoveredTable, Schema, Source

DUPLICATE_PRIMARY_KEY_DISABLED_MESSAGE = (
    "The primary key set for this table isn't unique, so incremental syncing can't reliably match "
    "rows to update. Choose a unique primary key in the table's sync settings, or switch it to full "
    "table replication, then re-enable the sync."
)
MISSING_PRIMARY_KEY_DISABLED_MESSAGE = (
    "This table needs a primary key to sync incrementally, but none is set. Choose a primary key "
    "for the table in its sync settings, or switch it to full table replication, then re-enable the sync."
)

ANY_SOURCE_ERRORS: dict[str, str | None] = {
    "Could not establish session to SSH gateway": None,
    "SSHTunnel auth is not valid": (
        "Your SSH tunnel credentials are not valid. Check the SSH authentication details "
        "(private key, passphrase, or username and password) on the source's SSH tunnel "
        "configuration, then re-enable the sync."
    ),
    "Primary key required for incremental syncs": MISSING_PRIMARY_KEY_DISABLED_MESSAGE,
    "The primary keys for this table are not unique": DUPLICATE_PRIMARY_KEY_DISABLED_MESSAGE,
    "Integration matching query does not exist": (
        "The connected account for this source is no longer available — it may have been disconnected. "
        "Please reconnect the source's account."
    ),
    # The raw text already names the fix and the available columns (UNCONFIRMED whether a friendly text exists).
    "was not found in the data returned by the source": None,
}

_STRIPE_PERMISSIONS = (
    "Your Stripe credentials do not have permissions to access endpoint. "
    "Please check your configuration and permissions in Stripe, then try again."
)
_HUBSPOT_RECONNECT = "Please reconnect your HubSpot account and ensure it has the required permissions, then try again."

NON_RETRYABLE_ERRORS: dict[str, dict[str, str | None]] = {
    "Stripe": {
        "401 Client Error: Unauthorized for url: https://api.stripe.com": _STRIPE_PERMISSIONS,
        "403 Client Error: Forbidden for url: https://api.stripe.com": _STRIPE_PERMISSIONS,
        "Expired API Key provided": "Your Stripe API key has expired. Please create a new key and reconnect.",
        "Invalid API Key provided": None,
        "does not have the required permissions for this endpoint": None,
    },
    "Hubspot": {
        "missing or invalid refresh token": "Your HubSpot connection is invalid or expired. Please reconnect it.",
        "missing or unknown hub id": None,
        "401 Client Error: Unauthorized for url: https://api.hubapi.com": (
            f"Your HubSpot credentials are no longer authorized. {_HUBSPOT_RECONNECT}"
        ),
        "403 Client Error: Forbidden for url: https://api.hubapi.com": (
            f"Your HubSpot credentials do not have permission to access this data. {_HUBSPOT_RECONNECT}"
        ),
        "Hubspot refresh token not found": "Your HubSpot connection is missing its refresh token. Please reconnect it.",
        "Integration not found": "The linked HubSpot integration no longer exists. Please reconnect your HubSpot account.",
    },
    "Postgres": {
        "password authentication failed for user": None,
        "could not translate host name": None,
        "Connection refused": None,
        "does not exist": None,
        "NoSuchTableError": None,
        "No primary key defined for table": None,
    },
}


@dataclass(frozen=True)
class Classified:
    latest_error: str
    """What PostHog stores as the schema's (and job's) ``latest_error``."""
    disables: bool
    """True for a non-retryable error: PostHog turns syncing off."""
    friendly: str | None
    """The friendly text logged as a second ERROR line, when the table maps one."""


def classify(source_type: str, raw_error: str) -> Classified:
    """PostHog's matching: newlines flattened, first matching key wins (cross-source keys merged first)."""
    normalized = raw_error.replace("\n", " ").replace("\r", " ").replace("\t", " ")
    table = {**ANY_SOURCE_ERRORS, **NON_RETRYABLE_ERRORS.get(source_type, {})}
    friendly = next((text for key, text in table.items() if key in normalized), "unmatched")
    if friendly == "unmatched":
        return Classified(raw_error, disables=False, friendly=None)
    return Classified(friendly or raw_error, disables=True, friendly=friendly)


def run_error(source: Source, schema: Schema) -> str | None:
    """The raw error a sync of ``schema`` hits with the source as it is now, or None when it would succeed."""
    if source.sync_error is not None:
        return source.sync_error
    if schema.fail_with is not None:
        return schema.fail_with
    discovered = source.discovery.get(schema.name)
    if discovered is None:
        return None
    if discovered.sync_error is not None:
        return discovered.sync_error
    return _config_error(schema, discovered)


def _config_error(schema: Schema, discovered: DiscoveredTable) -> str | None:
    """Failures the schema's own configuration causes, so a PATCH can fix them."""
    columns = sorted(column.name for column in discovered.synced_columns if not column.name.startswith("_"))
    field = schema.incremental_field
    if schema.sync_type in ("incremental", "append") and field and columns and field not in columns:
        return (
            f'Incremental field "{field}" was not found in the data returned by the source. '
            "Edit the table's sync method and pick a valid incremental field. "
            f"Available columns: {', '.join(columns[:50])}"
        )
    keys = schema.primary_key_columns or []
    if schema.sync_type == "incremental" and keys and set(keys) <= set(discovered.duplicated_columns):
        return (
            "The primary keys for this table are not unique. We can't sync incrementally until the table "
            f"has a unique primary key. Primary keys being used are: {keys}"
        )
    return None
