"""PATCH/PUT of a schema: PostHog's validation pipeline in its order, then the save and its side effects.

The rule numbers in comments are those of contract §1.3. The update works on a copy of the schema and
is committed only when every rule passed, the way PostHog's request transaction rolls back on a 400.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from . import lifecycle
from .errors import ApiError, validation_error
from .fields import validate_fields
from .models import (
    FLOOR_SYNC_FREQUENCY,
    INCREMENTAL_STYLE_SYNC_TYPES,
    LEGACY_SUB_FLOOR_SYNC_FREQUENCIES,
    Schema,
    frequency_to_seconds,
    seconds_to_frequency,
)
from .row_filters import RowFilterValidationError, validate_row_filters
from .sources import get_source_kind
from .store import SandboxState

PK_CHANGE_MESSAGE = "Primary key cannot be changed after data has been synced. Delete the synced data first, then change the primary key."
_CDC_WRITE_TARGETS = {
    "consolidated": {"consolidated"},
    "cdc_only": {"cdc_history"},
    "both": {"consolidated", "cdc_history"},
}


def cdc_table_mode_needs_resnapshot(old_mode: str | None, new_mode: Any) -> bool:
    """True when the new mode adds a physical write target (contract §1.5)."""
    if old_mode == new_mode:
        return False
    old_targets = _CDC_WRITE_TARGETS.get(old_mode or "", set())
    new_targets = _CDC_WRITE_TARGETS.get(new_mode if isinstance(new_mode, str) else "", set())
    return bool(new_targets - old_targets)


@dataclass
class _SideEffects:
    trigger_refresh: bool = False
    cancel_running: bool = False
    resnapshot: bool = False
    create_webhook: bool = False


def update_schema(state: SandboxState, schema: Schema, data: Any, *, now: datetime, sync_seconds: float) -> Schema:
    """Validate ``data`` against ``schema`` and apply it; raises :class:`ApiError` (400) on the first failure."""
    if not isinstance(data, Mapping):
        raise validation_error(f"Invalid data. Expected a dictionary, but got {type(data).__name__}.")
    body: Mapping[str, Any] = data  # pyright: ignore[reportUnknownVariableType]

    # Rules 1-5: field-level validation, first failing field in Meta.fields order.
    validated, field_error = validate_fields(body)
    if field_error is not None:
        name, error = field_error
        attr = "__".join([name, *(str(part) for part in error.path)])
        raise validation_error(error.message, attr=attr, code=error.code)

    _validate_api_version(state, schema, validated)  # rule 6

    instance = copy.deepcopy(schema)
    effects = _update(state, instance, body, validated)
    if effects.create_webhook:
        _create_webhook(state, instance)  # rule 25; a failure rolls the whole update back

    state.schemas[instance.id] = instance
    _run_side_effects(state, instance, effects, now=now, sync_seconds=sync_seconds)
    return instance


def _validate_api_version(state: SandboxState, instance: Schema, attrs: dict[str, Any]) -> None:
    override = attrs.get("api_version", instance.api_version)
    if not override:
        return
    sync_type = attrs.get("sync_type", instance.sync_type)
    if sync_type == "webhook":
        raise validation_error(
            "API version overrides are not available for webhook-sync schemas — "
            "webhook payload versions are configured on the source at the vendor.",
            attr="api_version",
        )
    # An unchanged (even retired) override is never re-validated, so full-object PATCHes keep working.
    if "api_version" in attrs and override != instance.api_version:
        source_type = state.sources[instance.source_id].source_type
        kind = get_source_kind(source_type)
        if kind is None:
            raise validation_error("API version overrides are not supported for this source type.", attr="api_version")
        if override not in kind.supported_api_versions:
            raise validation_error(
                f"'{override}' is not a supported {source_type} API version. "
                f"Supported versions: {', '.join(kind.supported_api_versions)}",
                attr="api_version",
            )


def _update(state: SandboxState, instance: Schema, data: Mapping[str, Any], validated: dict[str, Any]) -> _SideEffects:
    """PostHog's ``ExternalDataSchemaSerializer.update``; mutates ``instance`` (a copy)."""
    effects = _SideEffects()
    source = state.sources[instance.source_id]
    kind = get_source_kind(source.source_type)
    team = state.teams[instance.team_id]
    previous_cdc_table_mode = instance.cdc_table_mode
    effects.cancel_running = "api_version" in validated and validated["api_version"] != instance.api_version

    # Rule 7: a CDC table-mode change that needs a re-snapshot is refused over the billing limit.
    if (
        instance.sync_type == "cdc"
        and "cdc_table_mode" in data
        and cdc_table_mode_needs_resnapshot(previous_cdc_table_mode, data.get("cdc_table_mode"))
        and state.billing_limit_reached(instance.team_id)
    ):
        raise validation_error(
            "Monthly sync limit reached. Please increase your billing limit before changing "
            "the CDC table mode — a full re-snapshot would be required."
        )

    # Rule 8: enabled_columns.
    enabled_columns_changed = (
        "enabled_columns" in validated and validated["enabled_columns"] != instance.enabled_columns
    )
    enabled_columns: list[str] | None = validated.get("enabled_columns")
    if enabled_columns is not None:
        if kind is None or kind.managed_hogql_schema:
            raise validation_error("Column selection is not supported for this source type.")
        known = {column.get("name") for column in _metadata_columns(instance)}
        if known:
            unknown = [column for column in enabled_columns if column not in known]
            if unknown:
                raise validation_error(
                    f"Unknown columns in enabled_columns: {sorted(unknown)}. "
                    "Run `Pull new schemas` to refresh available columns."
                )
        elif enabled_columns_changed and enabled_columns and kind.supports_column_selection:
            raise validation_error(
                "Column metadata is unavailable. Run `Pull new schemas` before selecting source columns."
            )

    # Rule 9: row_filters.
    if validated.get("row_filters") is not None:
        if kind is None or not kind.supports_row_filters:
            raise validation_error("Row filters are not supported for this source type.")
        target_is_cdc = data.get("sync_type") == "cdc" if "sync_type" in data else instance.is_cdc
        if source.access_method == "direct":
            raise validation_error(
                "Row filters are not supported for direct-query sources — "
                "tables are queried live and filters cannot be enforced at the source."
            )
        if target_is_cdc:
            raise validation_error(
                "Row filters are not supported for CDC schemas — change-stream rows are "
                "replicated without these predicates, so filtered rows would still sync."
            )
        try:
            validate_row_filters(validated["row_filters"], instance.schema_metadata)
        except RowFilterValidationError as error:
            raise validation_error(f"Invalid row filter: {error}") from None

    sync_type = data.get("sync_type")

    # Rule 10: CDC needs the team's feature flag.
    if sync_type == "cdc" and not team.cdc_enabled:
        raise validation_error("CDC is not enabled for this team")

    # Rule 11: xmin needs a Postgres source and a table that has a physical xmin.
    if sync_type == "xmin":
        if kind is None or not kind.supports_xmin:
            raise validation_error("xmin replication is only available for Postgres sources.")
        discovered = _discovered(state, instance)
        if discovered is None or not discovered.supports_xmin:
            raise validation_error(
                f"xmin replication is not available for table '{instance.name}'. "
                "It requires a Postgres heap table or materialized view on PostgreSQL 13+."
            )

    # Rule 12: webhook-only tables accept no other sync method.
    if "sync_type" in data and sync_type != "webhook":
        discovered = _discovered(state, instance)
        if discovered is not None and discovered.webhook_only:
            raise validation_error(f"{instance.name} can only be synced via webhooks — pick the Webhook sync method.")

    new_sync_type: str | None = instance.sync_type
    if "sync_type" in data:
        new_sync_type = sync_type
    resulting_sync_type = new_sync_type

    # Rule 13: a bare edit of incremental config on a schema whose sync type cannot apply it.
    if "sync_type" not in data and resulting_sync_type not in INCREMENTAL_STYLE_SYNC_TYPES:
        unappliable = [
            name
            for name in (
                "incremental_field",
                "incremental_field_type",
                "incremental_field_lookback_seconds",
                "primary_key_columns",
            )
            if name in data and data.get(name) is not None
        ]
        if unappliable:
            raise validation_error(
                f"{', '.join(unappliable)} cannot be applied to a schema with sync type "
                f"{resulting_sync_type or 'not set'} on its own. "
                "Include sync_type in the same request to change the sync type."
            )

    payload = instance.sync_type_config
    if resulting_sync_type in INCREMENTAL_STYLE_SYNC_TYPES:
        # Rule 14.
        if "primary_key_columns" in data:
            new_pk = data.get("primary_key_columns")
            old_pk = payload.get("primary_key_columns")
            if resulting_sync_type == "incremental" and old_pk and new_pk != old_pk and instance.table is not None:
                raise validation_error(PK_CHANGE_MESSAGE)
            payload["primary_key_columns"] = new_pk
        incremental_field = data.get("incremental_field")
        incremental_field_changed = False
        if resulting_sync_type in ("incremental", "append") and "incremental_field" in data:
            incremental_field_changed = (
                payload.get("incremental_field") != incremental_field
                or payload.get("incremental_field_last_value") is None
            )
        # For webhook targets a null means "not applicable", not "clear the cursor".
        is_webhook_target = resulting_sync_type == "webhook"
        if "incremental_field" in data and not (is_webhook_target and incremental_field is None):
            payload["incremental_field"] = incremental_field
        if "incremental_field_type" in data and not (is_webhook_target and data.get("incremental_field_type") is None):
            payload["incremental_field_type"] = data.get("incremental_field_type")
        if resulting_sync_type == "incremental" and "incremental_field_lookback_seconds" in data:
            payload["incremental_field_lookback_seconds"] = validated.get("incremental_field_lookback_seconds")
        if incremental_field_changed and instance.table is not None and isinstance(incremental_field, str):
            # PostHog reads the new cursor column's max from the synced table; when it can't (here: the
            # column isn't in the table), it resets the watermark and refreshes.
            max_value = None
            if any(column.name == incremental_field for column in instance.table.columns):
                max_value = _simulated_max_value(instance, data.get("incremental_field_type"))
            if max_value:
                payload["incremental_field_last_value"] = max_value
            else:
                payload["incremental_field_last_value"] = None
                effects.trigger_refresh = True
    elif sync_type == "cdc":
        # Rule 15.
        if payload.get("cdc_mode") is None:
            payload["cdc_mode"] = "snapshot"
        cdc_table_mode = data.get("cdc_table_mode")
        if cdc_table_mode in ("consolidated", "cdc_only", "both"):
            payload["cdc_table_mode"] = cdc_table_mode
        _apply_primary_key_columns(data, payload, instance, "CDC")
    elif sync_type == "xmin":
        # Rule 16.
        _apply_primary_key_columns(data, payload, instance, "xmin replication")
    elif instance.sync_type == "cdc" and "cdc_table_mode" in data:
        # Rule 17.
        cdc_table_mode = data.get("cdc_table_mode")
        if cdc_table_mode in ("consolidated", "cdc_only", "both"):
            payload["cdc_table_mode"] = cdc_table_mode

    should_sync: bool | None = validated.get("should_sync")
    sync_frequency = data.get("sync_frequency")
    sync_time_of_day_in_payload = "sync_time_of_day" in data
    sync_time_of_day = data.get("sync_time_of_day")

    # Rule 18: a legacy sub-floor cadence is clamped when the schema is not CDC.
    resulting_frequency = sync_frequency
    if not resulting_frequency and instance.sync_frequency_interval is not None:
        resulting_frequency = seconds_to_frequency(instance.sync_frequency_interval)
    if resulting_frequency in LEGACY_SUB_FLOOR_SYNC_FREQUENCIES and resulting_sync_type != "cdc":
        sync_frequency = FLOOR_SYNC_FREQUENCY

    # Rule 19: a truthy frequency sets the interval ("never" -> null); a null frequency changes nothing.
    if sync_frequency:
        instance.sync_frequency_interval = frequency_to_seconds(sync_frequency)

    # Rule 20: the raw value must parse as %H:%M:%S; an explicit null clears it.
    if sync_time_of_day is not None:
        try:
            instance.sync_time_of_day = datetime.strptime(str(sync_time_of_day), "%H:%M:%S").time()
        except ValueError:
            raise validation_error("Invalid sync time of day") from None
    elif sync_time_of_day_in_payload:
        instance.sync_time_of_day = None

    # Rule 21: enabling needs a sync type (direct-query sources have no schedule, so are exempt).
    supports_scheduled_sync = source.access_method != "direct"
    if supports_scheduled_sync and should_sync is True and sync_type is None and instance.sync_type is None:
        raise validation_error("Sync type must be set up first before enabling schema")

    # Rule 22: re-enabling a CDC schema needs a primary key.
    effective_sync_type = sync_type or instance.sync_type
    if (
        should_sync is True
        and not instance.should_sync
        and effective_sync_type == "cdc"
        and not instance.primary_key_columns
    ):
        raise validation_error(
            f"CDC requires a primary key on table '{instance.name}'. Add a primary key on the source table and retry."
        )

    # Rule 23: crossing the xmin boundary rebuilds the table, so it is refused over the billing limit.
    if "sync_type" in data and sync_type != instance.sync_type and "xmin" in (sync_type, instance.sync_type):
        if state.billing_limit_reached(instance.team_id):
            raise validation_error(
                "Monthly sync limit reached. Please increase your billing limit before changing "
                "the sync type — a full re-sync would be required."
            )
        payload["reset_pipeline"] = True
        if should_sync if should_sync is not None else instance.should_sync:
            effects.trigger_refresh = True

    # Rule 24: re-enabling a webhook schema after its initial sync refills the gap.
    if should_sync is True and instance.should_sync is False and instance.is_webhook and instance.initial_sync_complete:
        payload["reset_pipeline"] = True
        effects.trigger_refresh = True

    # Warehouse mode hides newly disabled columns right away; restoring them waits for the next sync.
    if enabled_columns_changed and instance.table is not None and instance.should_sync and enabled_columns is not None:
        keep = set(enabled_columns) | set(instance.primary_key_columns or []) | {instance.incremental_field}
        instance.table.columns = [column for column in instance.table.columns if column.name in keep]

    is_cdc = sync_type == "cdc" or (sync_type is None and instance.sync_type == "cdc")
    if (
        is_cdc
        and "cdc_table_mode" in data
        and cdc_table_mode_needs_resnapshot(previous_cdc_table_mode, data.get("cdc_table_mode"))
    ):
        effects.resnapshot = True
    effects.create_webhook = sync_type == "webhook"

    if effects.trigger_refresh:
        payload["reset_pipeline"] = True

    # The save: only fields present in the request change.
    if "sync_type" in data:
        instance.sync_type = new_sync_type
    if should_sync is not None:
        instance.should_sync = should_sync
    for name in ("enabled_columns", "row_filters", "api_version"):
        if name in validated:
            setattr(instance, name, validated[name])
    return effects


def _simulated_max_value(instance: Schema, field_type: Any) -> Any:
    """Stands in for ``table.get_max_value_for_column``: the sandbox keeps no rows, only counts and times."""
    if field_type in ("integer", "numeric") and instance.table is not None:
        return instance.table.row_count
    return instance.last_synced_at.isoformat() if instance.last_synced_at else None


def _apply_primary_key_columns(data: Mapping[str, Any], payload: dict[str, Any], instance: Schema, label: str) -> None:
    new_pk = data.get("primary_key_columns")
    if new_pk:
        if new_pk != payload.get("primary_key_columns") and instance.table is not None:
            raise validation_error(PK_CHANGE_MESSAGE)
        payload["primary_key_columns"] = new_pk
    elif not payload.get("primary_key_columns"):
        raise validation_error(
            f"{label} requires a primary key on table '{instance.name}'. "
            "Provide primary_key_columns or refresh schema discovery to pick one up."
        )


def _create_webhook(state: SandboxState, instance: Schema) -> None:
    """Rule 25: switching to webhook sync sets up (once) and registers the source's webhook."""
    source = state.sources[instance.source_id]
    kind = get_source_kind(source.source_type)
    if not source.job_inputs or kind is None or not kind.is_webhook_source:
        return
    discovered = _discovered(state, instance)
    if discovered is None or not discovered.supports_webhooks:
        return
    if source.webhook_setup_error is not None:
        raise validation_error(
            f"Failed to set up webhook: {source.webhook_setup_error or 'Unknown error'}. "
            "You can set up the webhook manually from the Webhook tab."
        )
    if not source.webhook_created:
        if source.webhook_register_error is not None:
            raise validation_error(
                f"Failed to register webhook on your source: {source.webhook_register_error or 'Unknown error'}. "
                "You can set up the webhook manually from the Webhook tab."
            )
        source.webhook_created = True


def _run_side_effects(
    state: SandboxState, instance: Schema, effects: _SideEffects, *, now: datetime, sync_seconds: float
) -> None:
    if effects.cancel_running:
        # A version repin invalidates the in-flight import.
        job = lifecycle.running_job(state, instance.id)
        if job is not None:
            lifecycle.cancel_job(job)
            instance.status = "Failed"
            instance.latest_error = job.latest_error
    try:
        if effects.trigger_refresh:
            lifecycle.start_job(state, instance, now, sync_seconds, full_reload=True)
        if effects.resnapshot:
            job = lifecycle.running_job(state, instance.id)
            if job is not None:
                lifecycle.cancel_job(job)
            instance.sync_type_config.update({"reset_pipeline": True, "cdc_mode": "snapshot"})
            instance.initial_sync_complete = False
            lifecycle.start_job(state, instance, now, sync_seconds, full_reload=True)
    except lifecycle.TemporalUnavailableError:
        # PostHog logs and leaves the status alone when a post-save trigger cannot reach Temporal.
        pass


def _metadata_columns(instance: Schema) -> list[dict[str, Any]]:
    metadata = instance.schema_metadata
    if not isinstance(metadata, dict):
        return []
    columns = metadata.get("columns")
    if not isinstance(columns, list):
        return []
    return [column for column in columns if isinstance(column, dict)]  # pyright: ignore[reportUnknownVariableType]


def _discovered(state: SandboxState, instance: Schema) -> Any:
    """The live-discovery record of the schema's table, or None when discovery can't run or find it."""
    source = state.sources[instance.source_id]
    if not source.job_inputs or get_source_kind(source.source_type) is None:
        return None
    discovered = source.discovery.get(instance.name)
    if discovered is None or discovered.discovery_error is not None:
        return None
    return discovered


__all__ = ["ApiError", "cdc_table_mode_needs_resnapshot", "update_schema"]
