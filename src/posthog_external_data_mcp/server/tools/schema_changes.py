"""Rows of the tools that change a schema's configuration, or try to create one."""

from __future__ import annotations

from ...posthog_client import Scope
from .. import failures, results
from ..arguments import CreateArguments, PartialUpdateArguments
from ..tool_names import ToolName
from .rows import Output, ToolCall, ToolRow


async def _partial_update(call: ToolCall, args: PartialUpdateArguments) -> Output:
    schema = await call.client.update_schema(args.id, args.update(), project_id=args.project_id)
    return Output(f"Updated schema '{schema.name}' ({schema.status or 'no status'}).", results.config_of(schema))


def _something_to_change(args: PartialUpdateArguments) -> failures.Failure | None:
    return None if args.update().model_fields_set else failures.nothing_to_update()


async def _create(call: ToolCall, args: CreateArguments) -> Output:
    # Sent as documented; PostHog refuses (403/405) and the refusal reaches the agent with the hint below.
    schema = await call.client.create_schema(args.create(), project_id=args.project_id)
    return Output(f"Created schema '{schema.name}' ({schema.status or 'no status'}).", schema, results.schema_text)


_HOW_SCHEMAS_ARE_CREATED = (
    "PostHog creates schemas only by discovering a source's tables: connect the source in PostHog (Data pipeline → "
    "Sources) or refresh an existing source's tables there, then find the new schema with "
    f"{ToolName.LIST} and enable it with {ToolName.PARTIAL_UPDATE} (should_sync=true)."
)

PARTIAL_UPDATE = ToolRow(
    name=ToolName.PARTIAL_UPDATE,
    title="Update a schema's sync config",
    description=(
        "Change sync config: only fields passed change, null clears. should_sync=true needs a sync_type. "
        "Choose sync_type/incremental_field from incremental-fields-create. Applies next sync; reload runs now."
    ),
    scope=Scope.WRITE,
    read_only=False,
    destructive=False,
    idempotent=True,
    arguments=PartialUpdateArguments,
    output=results.SchemaConfig,
    run=_partial_update,
    precheck=_something_to_change,
)

CREATE = ToolRow(
    name=ToolName.CREATE,
    title="Create a schema (refused by PostHog)",
    description=(
        "PostHog refuses to create schemas by API: they come from source discovery. Sends the documented "
        "request and reports the refusal with how to add a table instead."
    ),
    scope=Scope.WRITE,
    read_only=False,
    destructive=False,
    idempotent=False,
    arguments=CreateArguments,
    output=None,
    run=_create,
    hints={403: _HOW_SCHEMAS_ARE_CREATED, 405: _HOW_SCHEMAS_ARE_CREATED},
)
