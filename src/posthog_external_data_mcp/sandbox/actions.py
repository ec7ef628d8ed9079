"""The schema viewset (viewset.py): list/retrieve/update/destroy and the custom actions."""

from __future__ import annotations

from collections.abc import Callable

from . import lifecycle
from .context import Reply, RequestContext, can_view
from .errors import detail_body, message_body, method_not_allowed, server_error, validation_error
from .listing import apply_search, page_from_query, paginate
from .logs_api import logs_page
from .patch_rules import update_schema
from .serialize import serialize_schema
from .sources import get_source_kind

BILLING_LIMIT_MESSAGE = "Monthly sync limit reached. Please increase your billing limit to resume syncing."
TRIGGER_FAILED_DETAIL = "Couldn't start the sync. Try again in a few minutes."


# --- ModelViewSet routes -----------------------------------------------------------------------


def list_schemas(ctx: RequestContext) -> Reply:
    state = ctx.state
    schemas = [
        schema
        for schema in state.team_schemas(ctx.team.id)
        if can_view(state.sources[schema.source_id].user_access_level)
    ]
    schemas.sort(key=lambda schema: schema.created_at, reverse=True)
    schemas = apply_search(schemas, ctx.query.get("search"), lambda schema: schema.name)
    page = paginate(schemas, page_from_query(ctx.query), ctx.absolute_url)
    page["results"] = [serialize_schema(state, schema) for schema in page["results"]]
    return Reply(200, page)


def create_schema(ctx: RequestContext) -> Reply:
    # Only reachable for non-key auth in PostHog; personal keys are refused earlier (403).
    raise method_not_allowed("POST")


def list_level_patch(ctx: RequestContext) -> Reply:
    raise method_not_allowed(ctx.method)


def retrieve_schema(ctx: RequestContext, pk: str) -> Reply:
    schema = ctx.get_schema(pk)
    return Reply(200, serialize_schema(ctx.state, schema, include_source=True))


def update(ctx: RequestContext, pk: str) -> Reply:
    schema = ctx.get_schema(pk)
    updated = update_schema(ctx.state, schema, ctx.data, now=ctx.now, sync_seconds=ctx.config.sync_seconds)
    return Reply(200, serialize_schema(ctx.state, updated))


def destroy(ctx: RequestContext, pk: str) -> Reply:
    schema = ctx.get_schema(pk)
    if schema.table is not None:
        schema.table.deleted = True
    schema.deleted = True
    return Reply(204)


# --- Custom actions ----------------------------------------------------------------------------


def reload(ctx: RequestContext, pk: str) -> Reply:
    schema = ctx.get_schema(pk)
    if ctx.state.billing_limit_reached(ctx.team.id):
        raise message_body(400, BILLING_LIMIT_MESSAGE)
    try:
        lifecycle.start_job(ctx.state, schema, ctx.now, ctx.config.sync_seconds)
    except lifecycle.TemporalUnavailableError:
        # Running is only painted once the trigger succeeded.
        raise detail_body(400, TRIGGER_FAILED_DETAIL) from None
    if schema.schedule_stalled:
        # A reload creates the schedule when Temporal lost it, which is what ends a #82900-style stall;
        # the new schedule's first run is one interval away.
        schema.schedule_stalled = False
        schema.next_run_at = None
    return Reply(200)


def resync(ctx: RequestContext, pk: str) -> Reply:
    schema = ctx.get_schema(pk)
    if ctx.state.billing_limit_reached(ctx.team.id):
        raise message_body(400, BILLING_LIMIT_MESSAGE)
    current = lifecycle.running_job(ctx.state, schema.id)
    if current is not None:
        # A resync never refuses a running sync: it cancels it first.
        lifecycle.cancel_job(current)
    schema.sync_type_config["reset_pipeline"] = True
    if schema.is_cdc:
        schema.sync_type_config["cdc_mode"] = "snapshot"
        for key in ("cdc_last_log_position", "cdc_deferred_runs"):
            schema.sync_type_config.pop(key, None)
        schema.initial_sync_complete = False
    try:
        lifecycle.start_job(ctx.state, schema, ctx.now, ctx.config.sync_seconds, full_reload=True)
    except lifecycle.TemporalUnavailableError:
        # The reset stays (the intent is still "resync next run"); the status is left alone.
        raise detail_body(400, TRIGGER_FAILED_DETAIL) from None
    return Reply(200)


def cancel(ctx: RequestContext, pk: str) -> Reply:
    schema = ctx.get_schema(pk)
    latest = ctx.state.latest_job(schema.id)
    if latest is None or latest.status != "Running":
        # A schema stuck on Running with no running job is repainted from its latest job.
        if schema.status == "Running":
            if latest is not None:
                schema.status = latest.status
                schema.latest_error = latest.latest_error
            else:
                schema.status = "Failed"
            return Reply(200, {"detail": "No sync was running. The sync status has been updated."})
        raise detail_body(400, "No running sync to cancel.")
    if latest.pipeline_version != lifecycle.PIPELINE_V3:
        # v1/v2: the workflow cancel is the whole operation, so an RPC failure leaves the job running.
        if not ctx.state.temporal_available:
            raise detail_body(400, "Could not cancel the running sync. Please try again.")
        lifecycle.cancel_job(latest)
        schema.status = "Failed"
        schema.latest_error = latest.latest_error
        return Reply(200)
    # v3: the durable Failed marker comes first; a failing workflow cancel is tolerated.
    lifecycle.cancel_job(latest)
    schema.status = "Failed"
    schema.latest_error = latest.latest_error
    return Reply(200)


def delete_data(ctx: RequestContext, pk: str) -> Reply:
    schema = ctx.get_schema(pk)
    source = ctx.state.sources[schema.source_id]
    if source.access_method == "direct":
        # Direct-query: the table is only hidden and the schema disabled.
        if schema.table is not None:
            schema.table.deleted = True
        schema.should_sync = False
        return Reply(200)
    if schema.table is not None:
        schema.table.deleted = True
    schema.table = None
    schema.last_synced_at = None
    schema.status = None
    schema.initial_sync_complete = False
    schema.sync_type_config.pop("incremental_field_last_value", None)
    return Reply(200)


def incremental_fields(ctx: RequestContext, pk: str) -> Reply:
    schema = ctx.get_schema(pk)
    source = ctx.state.sources[schema.source_id]
    if not source.job_inputs:
        raise message_body(400, "Missing job inputs")
    if not source.source_type:
        raise message_body(400, "Missing source type")
    kind = get_source_kind(source.source_type)
    if kind is None:
        # PostHog's ExternalDataSourceType(...) raises an unhandled ValueError here.
        raise server_error()
    if source.credentials_error is not None:
        raise message_body(400, source.credentials_error or "Invalid credentials")
    discovered = source.discovery.get(schema.name)
    if discovered is not None and discovered.discovery_error is not None:
        raise message_body(400, discovered.discovery_error)
    if discovered is None:
        if kind.is_sql:
            # SQL discovery honours the name filter, so a missing table yields nothing at all.
            raise message_body(
                400,
                f"Could not discover schema {schema.name}. The connection may be missing SELECT or "
                "schema access privileges, or discovery may not support this relation type. Check that the "
                "relation exists, restore read privileges, or expose it as a supported table or view, then try again.",
            )
        raise message_body(400, f"Schema with name {schema.name} not found")
    cdc_available = discovered.supports_cdc if ctx.team.cdc_enabled and source.cdc_enabled else None
    return Reply(
        200,
        {
            "incremental_fields": [dict(item) for item in discovered.incremental_fields],
            "incremental_available": discovered.supports_incremental,
            "append_available": discovered.supports_append,
            "cdc_available": cdc_available,
            "xmin_available": discovered.supports_xmin if kind.supports_xmin else None,
            "full_refresh_available": not discovered.webhook_only,
            "supports_webhooks": discovered.supports_webhooks,
            "webhook_only": discovered.webhook_only,
            "available_columns": [
                {"field": name, "label": name, "type": column_type, "nullable": nullable}
                for name, column_type, nullable in discovered.columns
            ],
            "detected_primary_keys": discovered.detected_primary_keys,
        },
    )


def logs(ctx: RequestContext, pk: str) -> Reply:
    schema = ctx.get_schema(pk)
    return Reply(200, logs_page(ctx.state.logs.get(schema.id, []), ctx.query, ctx.absolute_url))


def destinations(ctx: RequestContext, pk: str) -> Reply:
    ctx.get_schema(pk)
    if ctx.method in ("GET", "HEAD"):
        return Reply(200, {"destination_ids": None, "inherits_from_source": True, "effective_destination_ids": []})
    data = ctx.data
    destination_ids = data.get("destination_ids") if isinstance(data, dict) else None  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    if destination_ids:
        # The sandbox has no warehouse destinations, so any id is unknown (DRF's related-field message).
        raise validation_error(
            f'Invalid pk "{destination_ids[0]}" - object does not exist.', attr="destination_ids", code="does_not_exist"
        )
    attached: list[str] | None = None if destination_ids is None else []
    return Reply(200, {"destination_ids": attached, "inherits_from_source": attached is None})


ActionHandler = Callable[[RequestContext, str], Reply]
DETAIL_HANDLERS: dict[str, ActionHandler] = {
    "retrieve": retrieve_schema,
    "update": update,
    "partial_update": update,
    "destroy": destroy,
    "reload": reload,
    "resync": resync,
    "cancel": cancel,
    "delete_data": delete_data,
    "incremental_fields": incremental_fields,
    "logs": logs,
    "destinations": destinations,
}
LIST_HANDLERS: dict[str, Callable[[RequestContext], Reply]] = {
    "list": list_schemas,
    "create": create_schema,
    "patch": list_level_patch,
}
