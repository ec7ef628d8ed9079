"""The ExternalDataSchemaSerializer representation (serializers.py), key order included."""

from __future__ import annotations

from typing import Any

from .clock import format_datetime
from .columns import user_facing_columns
from .models import Schema, Table, seconds_to_frequency
from .sources import get_source_kind, resolve_api_version
from .store import SandboxState
from .tables import HIDDEN_COLUMNS

_BILLING_STATUS_LABELS = {
    "BillingLimitReached": "Billing limits",
    "BillingLimitTooLow": "Billing limits too low",
}


def display_status(stored: str | None) -> str | None:
    """PostHog's ``schema_display_status``: billing statuses get friendly labels."""
    return _BILLING_STATUS_LABELS.get(stored or "", stored)


def serialize_schema(state: SandboxState, schema: Schema, *, include_source: bool = False) -> dict[str, Any]:
    """``include_source`` is PostHog's retrieve-only ``include_source`` context."""
    source = state.sources[schema.source_id]
    config = schema.sync_type_config
    return {
        "id": schema.id,
        "name": schema.name,
        "label": schema.label,
        "table": serialize_table(schema.table, source.user_access_level),
        "should_sync": schema.should_sync,
        "last_synced_at": format_datetime(schema.last_synced_at),
        "latest_error": schema.latest_error,
        "incremental": schema.sync_type == "incremental",
        "status": display_status(schema.status),
        "sync_type": schema.sync_type,
        "incremental_field": config.get("incremental_field"),
        "incremental_field_type": config.get("incremental_field_type"),
        "incremental_field_lookback_seconds": schema.incremental_field_lookback_seconds,
        "sync_frequency": seconds_to_frequency(schema.sync_frequency_interval),
        "sync_time_of_day": schema.sync_time_of_day.isoformat() if schema.sync_time_of_day else None,
        "description": schema.description,
        "primary_key_columns": schema.primary_key_columns,
        "cdc_table_mode": schema.cdc_table_mode,
        "enabled_columns": schema.enabled_columns,
        "row_filters": schema.row_filters,
        "available_columns": available_columns(schema, source.prefix),
        "source_column_metadata_available": _metadata_columns(schema) is not None,
        "source": serialize_source_summary(state, schema) if include_source else None,
        "api_version": schema.api_version,
        "api_version_deprecation": api_version_deprecation(source.source_type, schema.api_version),
        "user_access_level": source.user_access_level,
    }


def serialize_table(table: Table | None, user_access_level: str) -> dict[str, Any] | None:
    if table is None or table.deleted:
        return None
    return {
        "id": table.id,
        "name": table.name,
        "hogql_name": table.hogql_name,
        # SimpleTableSerializer.get_columns -> SerializedField; only plain columns, no lazy joins.
        "columns": [
            {
                "key": column.name,
                "name": column.name,
                "type": column.hogql_type,
                "schema_valid": True,
                "fields": None,
                "table": None,
                "chain": None,
            }
            for column in table.columns
            if column.name not in HIDDEN_COLUMNS
        ],
        "row_count": table.row_count,
        "user_access_level": user_access_level,
    }


def _metadata_columns(schema: Schema) -> list[Any] | None:
    metadata = schema.schema_metadata
    if isinstance(metadata, dict):
        columns = metadata.get("columns")
        if isinstance(columns, list):
            return list(columns)  # pyright: ignore[reportUnknownArgumentType]
    return None


def available_columns(schema: Schema, prefix: str | None) -> list[dict[str, Any]]:
    """SQL sources: discovered source columns; otherwise the synced table's user-facing columns; else ``[]``."""
    columns: list[dict[str, Any]] = []
    for column in _metadata_columns(schema) or []:
        if isinstance(column, dict):
            entry: dict[str, Any] = column  # pyright: ignore[reportUnknownVariableType]
            if isinstance(entry.get("name"), str):
                columns.append(
                    {
                        "name": entry["name"],
                        "data_type": entry.get("data_type"),
                        "is_nullable": entry.get("is_nullable"),
                    }
                )
    if columns:
        return columns
    if schema.table is None:
        return []
    return user_facing_columns(schema.table, prefix)


def serialize_schema_list_item(schema: Schema) -> dict[str, Any]:
    """``ExternalDataSchemaListSerializer``: the trimmed shape a source list embeds."""
    table = schema.table if schema.table is not None and not schema.table.deleted else None
    return {
        "id": schema.id,
        "name": schema.name,
        "label": schema.label,
        "should_sync": schema.should_sync,
        "status": display_status(schema.status),
        "sync_type": schema.sync_type,
        "last_synced_at": format_datetime(schema.last_synced_at),
        "latest_error": schema.latest_error,
        "table": {"id": table.id, "name": table.name, "row_count": table.row_count} if table else None,
    }


def serialize_source_summary(state: SandboxState, schema: Schema) -> dict[str, Any]:
    source = state.sources[schema.source_id]
    kind = get_source_kind(source.source_type)
    return {
        "id": source.id,
        "source_type": source.source_type,
        "access_method": source.access_method,
        "supports_column_selection": kind is not None and not kind.managed_hogql_schema,
        "supports_row_filters": kind is not None and kind.supports_row_filters,
        "requires_exact_column_metadata": kind is not None and kind.supports_column_selection,
        "user_access_level": source.user_access_level,
        "api_version": resolve_api_version(kind, source.api_version) if kind else None,
        "supported_api_versions": list(kind.supported_api_versions) if kind else [],
    }


def api_version_deprecation(source_type: str, override: str | None) -> dict[str, Any] | None:
    """Only a deprecated schema-level override is reported (a deprecated source pin shows on the source)."""
    kind = get_source_kind(source_type)
    if not override or kind is None or override not in kind.deprecated_api_versions:
        return None
    return {
        "version": override,
        "sunset_at": kind.deprecated_api_versions[override],
        "default_version": kind.default_api_version,
    }
