"""PATCH/PUT of a schema: PostHog's validation rules as small functions, run in PostHog's order.

Rules 1-5 are DRF's field validation (:mod:`.fields`); rule 6 is the serializer's ``validate()``; the rest
follow ``ExternalDataSchemaSerializer.update``. Rule numbers are those of the fidelity ledger in
docs/sandbox.md. Every rule reads and writes one :class:`PatchContext`, which holds a *copy* of the
schema: the copy is committed only when every rule passed, the way PostHog's request transaction rolls
back on a 400.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from .errors import validation_error
from .fields import validate_fields
from .models import (
    FLOOR_SYNC_FREQUENCY,
    INCREMENTAL_STYLE_SYNC_TYPES,
    LEGACY_SUB_FLOOR_SYNC_FREQUENCIES,
    Schema,
    frequency_to_seconds,
    seconds_to_frequency,
)
from .patch_context import (
    PK_CHANGE_MESSAGE,
    PatchContext,
    apply_cdc_table_mode,
    apply_primary_key_columns,
    cdc_table_mode_needs_resnapshot,
    metadata_columns,
    simulated_max_value,
)
from .patch_effects import create_webhook, run_side_effects
from .row_filters import RowFilterValidationError, validate_row_filters
from .sources import get_source_kind
from .store import SandboxState
from .tables import HIDDEN_COLUMNS

Rule = Callable[[PatchContext], None]


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

    instance = copy.deepcopy(schema)
    source = state.sources[instance.source_id]
    ctx = PatchContext(
        state=state,
        instance=instance,
        data=body,
        validated=validated,
        source=source,
        kind=get_source_kind(source.source_type),
        team=state.teams[instance.team_id],
        previous_cdc_table_mode=instance.cdc_table_mode,
        sync_frequency=body.get("sync_frequency"),
    )
    for rule in RULES:
        rule(ctx)
    if ctx.effects.create_webhook:
        create_webhook(ctx.source, ctx.kind, ctx.discovered())  # rule 25; a failure rolls the whole update back

    state.schemas[instance.id] = instance
    run_side_effects(state, instance, ctx.effects, now=now, sync_seconds=sync_seconds)
    return instance


# --- validate() ---------------------------------------------------------------------------------


def rule_06_api_version(ctx: PatchContext) -> None:
    instance, attrs = ctx.instance, ctx.validated
    override = attrs.get("api_version", instance.api_version)
    if not override:
        return
    if attrs.get("sync_type", instance.sync_type) == "webhook":
        raise validation_error(
            "API version overrides are not available for webhook-sync schemas — "
            "webhook payload versions are configured on the source at the vendor.",
            attr="api_version",
        )
    # An unchanged (even retired) override is never re-validated, so full-object PATCHes keep working.
    if "api_version" in attrs and override != instance.api_version:
        if ctx.kind is None:
            raise validation_error("API version overrides are not supported for this source type.", attr="api_version")
        if override not in ctx.kind.supported_api_versions:
            raise validation_error(
                f"'{override}' is not a supported {ctx.source.source_type} API version. "
                f"Supported versions: {', '.join(ctx.kind.supported_api_versions)}",
                attr="api_version",
            )


# --- update(): refusals -------------------------------------------------------------------------


def changed_api_version_cancels_import(ctx: PatchContext) -> None:
    ctx.effects.cancel_running = (
        "api_version" in ctx.validated and ctx.validated["api_version"] != ctx.instance.api_version
    )


def rule_07_cdc_table_mode_billing_gate(ctx: PatchContext) -> None:
    if (
        ctx.instance.sync_type == "cdc"
        and "cdc_table_mode" in ctx.data
        and cdc_table_mode_needs_resnapshot(ctx.previous_cdc_table_mode, ctx.data.get("cdc_table_mode"))
        and ctx.state.billing_limit_reached(ctx.instance.team_id)
    ):
        raise validation_error(
            "Monthly sync limit reached. Please increase your billing limit before changing "
            "the CDC table mode — a full re-snapshot would be required."
        )


def rule_08_enabled_columns(ctx: PatchContext) -> None:
    enabled_columns = ctx.enabled_columns
    if enabled_columns is None:
        return
    if ctx.kind is None or ctx.kind.managed_hogql_schema:
        raise validation_error("Column selection is not supported for this source type.")
    known = {column.get("name") for column in metadata_columns(ctx.instance)}
    if known:
        unknown = [column for column in enabled_columns if column not in known]
        if unknown:
            raise validation_error(
                f"Unknown columns in enabled_columns: {sorted(unknown)}. "
                "Run `Pull new schemas` to refresh available columns."
            )
    elif ctx.enabled_columns_changed and enabled_columns and ctx.kind.supports_column_selection:
        raise validation_error(
            "Column metadata is unavailable. Run `Pull new schemas` before selecting source columns."
        )


def rule_09_row_filters(ctx: PatchContext) -> None:
    if ctx.validated.get("row_filters") is None:
        return
    if ctx.kind is None or not ctx.kind.supports_row_filters:
        raise validation_error("Row filters are not supported for this source type.")
    target_is_cdc = ctx.sync_type == "cdc" if "sync_type" in ctx.data else ctx.instance.is_cdc
    if ctx.source.access_method == "direct":
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
        validate_row_filters(ctx.validated["row_filters"], ctx.instance.schema_metadata)
    except RowFilterValidationError as error:
        raise validation_error(f"Invalid row filter: {error}") from None


def rule_10_cdc_needs_team_flag(ctx: PatchContext) -> None:
    if ctx.sync_type == "cdc" and not ctx.team.cdc_enabled:
        raise validation_error("CDC is not enabled for this team")


def rule_11_xmin_needs_capable_source_and_table(ctx: PatchContext) -> None:
    if ctx.sync_type != "xmin":
        return
    if ctx.kind is None or not ctx.kind.supports_xmin:
        raise validation_error("xmin replication is only available for Postgres sources.")
    discovered = ctx.discovered()
    if discovered is None or not discovered.supports_xmin:
        raise validation_error(
            f"xmin replication is not available for table '{ctx.instance.name}'. "
            "It requires a Postgres heap table or materialized view on PostgreSQL 13+."
        )


def rule_12_webhook_only_table(ctx: PatchContext) -> None:
    if "sync_type" in ctx.data and ctx.sync_type != "webhook":
        discovered = ctx.discovered()
        if discovered is not None and discovered.webhook_only:
            raise validation_error(
                f"{ctx.instance.name} can only be synced via webhooks — pick the Webhook sync method."
            )


def rule_13_bare_config_edit(ctx: PatchContext) -> None:
    resulting = ctx.resulting_sync_type
    if "sync_type" in ctx.data or resulting in INCREMENTAL_STYLE_SYNC_TYPES:
        return
    names = ("incremental_field", "incremental_field_type", "incremental_field_lookback_seconds", "primary_key_columns")
    unappliable = [name for name in names if name in ctx.data and ctx.data.get(name) is not None]
    if unappliable:
        raise validation_error(
            f"{', '.join(unappliable)} cannot be applied to a schema with sync type "
            f"{resulting or 'not set'} on its own. "
            "Include sync_type in the same request to change the sync type."
        )


# --- update(): the sync-method branches (exactly one applies) -----------------------------------


def rule_14_incremental_config(ctx: PatchContext) -> None:
    resulting, data, payload, instance = ctx.resulting_sync_type, ctx.data, ctx.payload, ctx.instance
    if resulting not in INCREMENTAL_STYLE_SYNC_TYPES:
        return
    if "primary_key_columns" in data:
        new_pk = data.get("primary_key_columns")
        old_pk = payload.get("primary_key_columns")
        if resulting == "incremental" and old_pk and new_pk != old_pk and instance.table is not None:
            raise validation_error(PK_CHANGE_MESSAGE)
        payload["primary_key_columns"] = new_pk
    incremental_field = data.get("incremental_field")
    incremental_field_changed = False
    if resulting in ("incremental", "append") and "incremental_field" in data:
        incremental_field_changed = (
            payload.get("incremental_field") != incremental_field or payload.get("incremental_field_last_value") is None
        )
    # For webhook targets a null means "not applicable", not "clear the cursor".
    is_webhook_target = resulting == "webhook"
    if "incremental_field" in data and not (is_webhook_target and incremental_field is None):
        payload["incremental_field"] = incremental_field
    if "incremental_field_type" in data and not (is_webhook_target and data.get("incremental_field_type") is None):
        payload["incremental_field_type"] = data.get("incremental_field_type")
    if resulting == "incremental" and "incremental_field_lookback_seconds" in data:
        payload["incremental_field_lookback_seconds"] = ctx.validated.get("incremental_field_lookback_seconds")
    if incremental_field_changed and instance.table is not None and isinstance(incremental_field, str):
        # PostHog reads the new cursor column's max from the synced table; when it can't (here: the
        # column isn't in the table), it resets the watermark and refreshes.
        max_value = None
        if any(column.name == incremental_field for column in instance.table.columns):
            max_value = simulated_max_value(instance, data.get("incremental_field_type"))
        if max_value:
            payload["incremental_field_last_value"] = max_value
        else:
            payload["incremental_field_last_value"] = None
            ctx.effects.trigger_refresh = True


def rule_15_cdc_config(ctx: PatchContext) -> None:
    if ctx.sync_type != "cdc":
        return
    if ctx.payload.get("cdc_mode") is None:
        ctx.payload["cdc_mode"] = "snapshot"
    apply_cdc_table_mode(ctx)
    apply_primary_key_columns(ctx, "CDC")


def rule_16_xmin_config(ctx: PatchContext) -> None:
    if ctx.sync_type == "xmin":
        apply_primary_key_columns(ctx, "xmin replication")


def rule_17_cdc_table_mode_alone(ctx: PatchContext) -> None:
    if (
        ctx.resulting_sync_type not in INCREMENTAL_STYLE_SYNC_TYPES
        and ctx.sync_type not in ("cdc", "xmin")
        and ctx.instance.sync_type == "cdc"
        and "cdc_table_mode" in ctx.data
    ):
        apply_cdc_table_mode(ctx)


# --- update(): cadence and enabling -------------------------------------------------------------


def rule_18_legacy_frequency_clamp(ctx: PatchContext) -> None:
    resulting_frequency = ctx.sync_frequency
    if not resulting_frequency and ctx.instance.sync_frequency_interval is not None:
        resulting_frequency = seconds_to_frequency(ctx.instance.sync_frequency_interval)
    if resulting_frequency in LEGACY_SUB_FLOOR_SYNC_FREQUENCIES and ctx.resulting_sync_type != "cdc":
        ctx.sync_frequency = FLOOR_SYNC_FREQUENCY


def rule_19_sync_frequency(ctx: PatchContext) -> None:
    # A truthy frequency sets the interval ("never" -> null); a null frequency changes nothing.
    if ctx.sync_frequency:
        ctx.instance.sync_frequency_interval = frequency_to_seconds(ctx.sync_frequency)


def rule_20_sync_time_of_day(ctx: PatchContext) -> None:
    # The raw value must parse as %H:%M:%S; an explicit null clears it.
    raw = ctx.data.get("sync_time_of_day")
    if raw is not None:
        try:
            ctx.instance.sync_time_of_day = datetime.strptime(str(raw), "%H:%M:%S").time()
        except ValueError:
            raise validation_error("Invalid sync time of day") from None
    elif "sync_time_of_day" in ctx.data:
        ctx.instance.sync_time_of_day = None


def rule_21_enabling_requires_sync_type(ctx: PatchContext) -> None:
    # Direct-query sources have no schedule, so they are exempt.
    supports_scheduled_sync = ctx.source.access_method != "direct"
    if supports_scheduled_sync and ctx.should_sync is True and ctx.sync_type is None and ctx.instance.sync_type is None:
        raise validation_error("Sync type must be set up first before enabling schema")


def rule_22_reenabling_cdc_requires_primary_key(ctx: PatchContext) -> None:
    instance = ctx.instance
    effective_sync_type = ctx.sync_type or instance.sync_type
    if (
        ctx.should_sync is True
        and not instance.should_sync
        and effective_sync_type == "cdc"
        and not instance.primary_key_columns
    ):
        raise validation_error(
            f"CDC requires a primary key on table '{instance.name}'. Add a primary key on the source table and retry."
        )


def rule_23_xmin_boundary(ctx: PatchContext) -> None:
    # Crossing the xmin boundary rebuilds the table, so it is refused over the billing limit.
    instance, sync_type = ctx.instance, ctx.sync_type
    if "sync_type" not in ctx.data or sync_type == instance.sync_type or "xmin" not in (sync_type, instance.sync_type):
        return
    if ctx.state.billing_limit_reached(instance.team_id):
        raise validation_error(
            "Monthly sync limit reached. Please increase your billing limit before changing "
            "the sync type — a full re-sync would be required."
        )
    ctx.payload["reset_pipeline"] = True
    if ctx.should_sync if ctx.should_sync is not None else instance.should_sync:
        ctx.effects.trigger_refresh = True


def rule_24_reenabling_webhook_refills(ctx: PatchContext) -> None:
    instance = ctx.instance
    if (
        ctx.should_sync is True
        and instance.should_sync is False
        and instance.is_webhook
        and instance.initial_sync_complete
    ):
        ctx.payload["reset_pipeline"] = True
        ctx.effects.trigger_refresh = True


# --- update(): the save -------------------------------------------------------------------------


def rule_08_disabled_columns_hidden_at_once(ctx: PatchContext) -> None:
    # Warehouse mode hides newly disabled columns right away; restoring them waits for the next sync.
    instance, enabled_columns = ctx.instance, ctx.enabled_columns
    if (
        ctx.enabled_columns_changed
        and instance.table is not None
        and instance.should_sync
        and enabled_columns is not None
    ):
        keep = set(enabled_columns) | set(instance.primary_key_columns or []) | {instance.incremental_field}
        keep |= HIDDEN_COLUMNS
        instance.table.columns = [column for column in instance.table.columns if column.name in keep]


def cdc_table_mode_change_resnapshots(ctx: PatchContext) -> None:
    is_cdc = ctx.sync_type == "cdc" or (ctx.sync_type is None and ctx.instance.sync_type == "cdc")
    if (
        is_cdc
        and "cdc_table_mode" in ctx.data
        and cdc_table_mode_needs_resnapshot(ctx.previous_cdc_table_mode, ctx.data.get("cdc_table_mode"))
    ):
        ctx.effects.resnapshot = True


def rule_25_webhook_sync_sets_up_the_webhook(ctx: PatchContext) -> None:
    ctx.effects.create_webhook = ctx.sync_type == "webhook"


def refresh_resets_the_pipeline(ctx: PatchContext) -> None:
    if ctx.effects.trigger_refresh:
        ctx.payload["reset_pipeline"] = True


def schedule_reissued(ctx: PatchContext) -> None:
    # A new cadence, time of day or re-enable re-issues the Temporal schedule: its next run is one
    # interval from now (or the next time-of-day slot).
    reenabled = ctx.should_sync is True and not ctx.instance.should_sync
    if ctx.sync_frequency or "sync_time_of_day" in ctx.data or reenabled:
        ctx.instance.next_run_at = None


def save_fields_in_request(ctx: PatchContext) -> None:
    # Only fields present in the request change.
    instance = ctx.instance
    if "sync_type" in ctx.data:
        instance.sync_type = ctx.sync_type
    if ctx.should_sync is not None:
        instance.should_sync = ctx.should_sync
    for name in ("enabled_columns", "row_filters", "api_version"):
        if name in ctx.validated:
            setattr(instance, name, ctx.validated[name])


RULES: tuple[Rule, ...] = (
    rule_06_api_version,
    changed_api_version_cancels_import,
    rule_07_cdc_table_mode_billing_gate,
    rule_08_enabled_columns,
    rule_09_row_filters,
    rule_10_cdc_needs_team_flag,
    rule_11_xmin_needs_capable_source_and_table,
    rule_12_webhook_only_table,
    rule_13_bare_config_edit,
    rule_14_incremental_config,
    rule_15_cdc_config,
    rule_16_xmin_config,
    rule_17_cdc_table_mode_alone,
    rule_18_legacy_frequency_clamp,
    rule_19_sync_frequency,
    rule_20_sync_time_of_day,
    rule_21_enabling_requires_sync_type,
    rule_22_reenabling_cdc_requires_primary_key,
    rule_23_xmin_boundary,
    rule_24_reenabling_webhook_refills,
    rule_08_disabled_columns_hidden_at_once,
    cdc_table_mode_change_resnapshots,
    rule_25_webhook_sync_sets_up_the_webhook,
    refresh_resets_the_pipeline,
    schedule_reissued,
    save_fields_in_request,
)
"""PostHog's order: ``validate()``, then ``update()`` top to bottom."""
