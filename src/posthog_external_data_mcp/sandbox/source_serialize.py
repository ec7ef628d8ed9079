"""``ExternalDataSourceSerializers`` (source_setup.py): field order, derived status and error, safe job inputs.

Credentials never leave: ``job_inputs`` keeps only what the source type declares non-sensitive (secrets
and undeclared keys are *removed*, not masked), and the source's ``latest_error`` is redacted of the
source's own secret values and of secret-looking patterns.
"""

from __future__ import annotations

import re
from typing import Any

from .clock import format_datetime
from .models import Schema, Source
from .serialize import api_version_deprecation, display_status, serialize_schema, serialize_schema_list_item
from .sources import get_source_kind
from .store import SandboxState

# What each source type's config declares non-sensitive; a nested dict is a container walked the same way.
# `selection`/`enabled` are kept in every container; any other key is dropped.
_KEEP = None
_VISIBLE_JOB_INPUTS: dict[str, dict[str, Any]] = {
    "Stripe": {"auth_method": {"stripe_integration_id": _KEEP}, "stripe_account_id": _KEEP},
    "Postgres": {
        "host": _KEEP,
        "port": _KEEP,
        "database": _KEEP,
        "user": _KEEP,
        "schema": _KEEP,
        "ssh_tunnel": {"host": _KEEP, "port": _KEEP, "auth": {"username": _KEEP}, "require_tls": _KEEP},
    },
    "Hubspot": {"hubspot_integration_id": _KEEP, "custom_properties": _KEEP},
}
_META_KEYS = frozenset({"selection", "enabled"})
# Non-secret CDC settings the UI needs, kept although they are not form fields.
_CDC_KEYS = frozenset(
    {
        "cdc_enabled",
        "cdc_management_mode",
        "cdc_slot_name",
        "cdc_publication_name",
        "cdc_auto_drop_slot",
        "cdc_lag_warning_threshold_mb",
        "cdc_lag_critical_threshold_mb",
        "cdc_consistent_point",
    }
)
_SECRET_KEYS = frozenset({"password", "passphrase", "private_key", "stripe_secret_key", "api_key", "client_secret"})
_MIN_REDACTED_LENGTH = 4
_REDACTION_PATTERNS = (
    (re.compile(r"(://[^:/@\s]+:)[^@\s]+(@)"), r"\1***\2"),
    (re.compile(r"(?i)\b((?:password|passwd|pwd|secret|token|api[_-]?key)=)[^\s&;,]+"), r"\1***"),
    (re.compile(r'(?i)("(?:password|secret|token|api_key)"\s*:\s*")[^"]*(")'), r"\1***\2"),
    (re.compile(r"\b(Bearer|Basic|Token) [A-Za-z0-9._~+/=-]{8,}"), r"\1 ***"),
)


def serialize_source(state: SandboxState, source: Source, *, schemas_list_only: bool) -> dict[str, Any]:
    """One item of the list (``schemas_list_only``: the trimmed embedded schemas) or a retrieve body."""
    schemas = sorted(state.source_schemas(source.id), key=lambda schema: schema.name)
    kind = get_source_kind(source.source_type)
    embedded = (
        [serialize_schema_list_item(schema) for schema in schemas]
        if schemas_list_only
        else [serialize_schema(state, schema) for schema in schemas]
    )
    return {
        "id": source.id,
        "created_at": format_datetime(source.created_at),
        "created_by": source.created_by,
        "created_via": source.created_via,
        "status": source_status(source, schemas),
        "source_type": source.source_type,
        "latest_error": _latest_error(source, schemas),
        "prefix": source.prefix,
        "description": source.description,
        "access_method": source.access_method,
        "direct_query_enabled": False,
        "auto_sync_new_schemas": False,
        "auto_sync_schema_patterns": None,
        "engine": None,
        "last_run_at": _last_run_at(state, schemas),
        "schemas": embedded,
        "job_inputs": visible_job_inputs(source.source_type, source.job_inputs),
        "revenue_analytics_config": {"enabled": source.source_type == "Stripe", "include_invoiceless_charges": True},
        "user_access_level": source.user_access_level,
        "supports_webhooks": kind is not None and kind.is_webhook_source,
        "supports_column_selection": kind is not None and not kind.managed_hogql_schema,
        "api_version": source.api_version,
        "api_version_deprecation": api_version_deprecation(source.source_type, source.api_version),
    }


def source_status(source: Source, schemas: list[Schema]) -> str | None:
    """``get_status``: failures of enabled schemas first, then billing, then any active schema's state."""
    active = [schema for schema in schemas if schema.should_sync or schema.latest_error is not None]
    syncing = [schema for schema in active if schema.should_sync]
    if any(schema.status == "Failed" for schema in syncing):
        return "Failed"
    if any(schema.status == "BillingLimitReached" for schema in syncing):
        return display_status("BillingLimitReached")
    if any(schema.status == "BillingLimitTooLow" for schema in syncing):
        return display_status("BillingLimitTooLow")
    for status in ("Paused", "Running", "Completed"):
        if any(schema.status == status for schema in active):
            return status
    # Nothing decides: the model's own column (a source with no active schema reads "Running").
    return source.stored_status


def _latest_error(source: Source, schemas: list[Schema]) -> str | None:
    """The first schema by name (disabled ones too) with an error, redacted."""
    error = next((schema.latest_error for schema in schemas if schema.latest_error is not None), None)
    return redact_error(error, _secret_values(source.job_inputs)) if error is not None else None


def _last_run_at(state: SandboxState, schemas: list[Schema]) -> str | None:
    """``created_at`` of the source's newest Completed job, rendered by Python's ``isoformat()``."""
    completed = [job for schema in schemas for job in state.schema_jobs(schema.id) if job.status == "Completed"]
    if not completed:
        return None
    return max(job.created_at for job in completed).isoformat()


def visible_job_inputs(source_type: str, job_inputs: dict[str, Any] | None) -> dict[str, Any] | None:
    if job_inputs is None:
        return None
    spec = _VISIBLE_JOB_INPUTS.get(source_type)
    if spec is None:
        # A type the registry doesn't know: nothing is shown.
        return {}
    visible = _strip(job_inputs, spec)
    for key in _CDC_KEYS & job_inputs.keys():
        visible[key] = job_inputs[key]
    tunnel = visible.get("ssh_tunnel")
    if isinstance(tunnel, dict) and "require_tls" not in tunnel:
        tunnel["require_tls"] = {"enabled": True}
    return visible


def _strip(values: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for key, value in values.items():
        if key in _META_KEYS:
            kept[key] = value
        elif key in spec:
            nested = spec[key]
            kept[key] = _strip(value, nested) if isinstance(nested, dict) and isinstance(value, dict) else value  # pyright: ignore[reportUnknownArgumentType]
    return kept


def _secret_values(job_inputs: dict[str, Any] | None) -> set[str]:
    found: set[str] = set()

    def walk(value: Any, key: str | None) -> None:
        if isinstance(value, dict):
            for child_key, child in value.items():  # pyright: ignore[reportUnknownVariableType]
                walk(child, str(child_key))  # pyright: ignore[reportUnknownArgumentType]
        elif isinstance(value, str) and key in _SECRET_KEYS and len(value) >= _MIN_REDACTED_LENGTH:
            found.add(value)

    walk(job_inputs or {}, None)
    return found


def redact_error(message: str, secrets: set[str]) -> str:
    """Stored secret values become ``***``, then secret-looking patterns (URL passwords, ``key=value``, tokens)."""
    for secret in sorted(secrets, key=len, reverse=True):
        message = message.replace(secret, "***")
    for pattern, replacement in _REDACTION_PATTERNS:
        message = pattern.sub(replacement, message)
    return message
