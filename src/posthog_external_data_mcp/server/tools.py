"""The ten tools, as a table: name, guidance for agents, annotations, scope, arguments, result, and the one
client call each makes. Everything an agent sees about a tool is defined here and nowhere else."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from ..posthog_client import ExternalDataSchema, IncrementalFields, PostHogClient
from . import results
from .arguments import CreateArguments, ListArguments, PartialUpdateArguments, SchemaArguments

Scope = Literal["external_data_source:read", "external_data_source:write"]
READ: Scope = "external_data_source:read"
WRITE: Scope = "external_data_source:write"


@dataclass(frozen=True)
class Output:
    headline: str
    result: BaseModel
    # Renders the structured content (as sent) into the text block, below the headline.
    render: Callable[[dict[str, Any]], str] = results.compact_json


@dataclass(frozen=True)
class ToolSpec:
    name: str
    title: str
    description: str
    scope: Scope
    read_only: bool
    destructive: bool
    idempotent: bool
    arguments: type[BaseModel]
    output: type[BaseModel] | None
    run: Callable[[PostHogClient, Any], Awaitable[Output]]
    # How many levels of objects the output schema types (list items need two: the page and its items).
    output_depth: int = 1
    # Status code → how to fix it, where this tool knows better than the generic advice.
    hints: Mapping[int, str] = field(default_factory=dict[int, str])


def _schema_output(verb: str, schema: ExternalDataSchema) -> Output:
    return Output(f"{verb} schema '{schema.name}' ({schema.status or 'no status'}).", schema, results.schema_text)


async def _list(client: PostHogClient, args: ListArguments) -> Output:
    page = await client.list_schemas(
        limit=args.limit, offset=args.offset, search=args.search, project_id=args.project_id
    )
    listing = results.schema_list(page, args.offset)
    more = f"; next_offset={listing.next_offset}" if listing.next_offset is not None else "; last page"
    headline = f"{len(listing.results)} of {listing.count} schemas from offset {args.offset}{more}."
    return Output(headline, listing, results.list_text)


async def _retrieve(client: PostHogClient, args: SchemaArguments) -> Output:
    return _schema_output("Retrieved", await client.retrieve_schema(args.id, project_id=args.project_id))


async def _partial_update(client: PostHogClient, args: PartialUpdateArguments) -> Output:
    schema = await client.update_schema(args.id, args.update(), project_id=args.project_id)
    return Output(f"Updated schema '{schema.name}' ({schema.status or 'no status'}).", results.config_of(schema))


async def _incremental_fields(client: PostHogClient, args: SchemaArguments) -> Output:
    found = await client.incremental_fields(args.id, project_id=args.project_id)
    methods = [
        name
        for name, available in (
            ("full_refresh", found.full_refresh_available),
            ("incremental", found.incremental_available),
            ("append", found.append_available),
            ("cdc", found.cdc_available),
            ("xmin", found.xmin_available),
            ("webhook", found.supports_webhooks),
        )
        if available
    ]
    headline = (
        f"Sync methods available: {', '.join(methods) or 'none'}; {len(found.incremental_fields)} candidate fields."
    )
    return Output(headline, found)


def _action(
    name: Literal["reload", "resync", "cancel", "delete_data", "destroy"], headline: str, next_step: str
) -> Callable[[PostHogClient, SchemaArguments], Awaitable[Output]]:
    async def run(client: PostHogClient, args: SchemaArguments) -> Output:
        call = getattr(client, name)
        outcome = await call(args.id, project_id=args.project_id)
        result = results.action_result(outcome, next_step)
        return Output(outcome.detail or headline, result)

    return run


async def _create(client: PostHogClient, args: CreateArguments) -> Output:
    # Sent as documented; PostHog refuses (403/405) and the refusal reaches the agent with the hint below.
    return _schema_output("Created", await client.create_schema(args.create(), project_id=args.project_id))


_BILLING_LIMIT_HINT = "If the billing limit is reached, raise it in PostHog's billing settings; otherwise retry later."
_POLL_UNTIL_DONE = "Call external-data-schemas-retrieve until status is Completed or Failed."
_HOW_SCHEMAS_ARE_CREATED = (
    "PostHog creates schemas only by discovering a source's tables: connect the source in PostHog (Data pipeline → "
    "Sources) or refresh an existing source's tables there, then find the new schema with "
    "external-data-schemas-list and enable it with external-data-schemas-partial-update (should_sync=true)."
)

TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="external-data-schemas-list",
        title="List data warehouse table schemas",
        description=(
            "List warehouse import schemas (one per source table): status, sync type, frequency, last sync, "
            "error. Page with limit/offset (next_offset); search matches names. Retrieve gives full config."
        ),
        scope=READ,
        read_only=True,
        destructive=False,
        idempotent=True,
        arguments=ListArguments,
        output=results.SchemaList,
        run=_list,
        output_depth=2,
    ),
    ToolSpec(
        name="external-data-schemas-retrieve",
        title="Get a data warehouse table schema",
        description=(
            "Get one schema's full config and state: sync type, incremental field, primary keys, columns, row "
            "filters, source capabilities, latest error."
        ),
        scope=READ,
        read_only=True,
        destructive=False,
        idempotent=True,
        arguments=SchemaArguments,
        output=ExternalDataSchema,
        run=_retrieve,
    ),
    ToolSpec(
        name="external-data-schemas-partial-update",
        title="Update a schema's sync config",
        description=(
            "Change sync config: only fields passed change, null clears. should_sync=true needs a sync_type. "
            "Choose sync_type/incremental_field from incremental-fields-create. Applies next sync; reload runs now."
        ),
        scope=WRITE,
        read_only=False,
        destructive=False,
        idempotent=True,
        arguments=PartialUpdateArguments,
        output=results.SchemaConfig,
        run=_partial_update,
    ),
    ToolSpec(
        name="external-data-schemas-incremental-fields-create",
        title="Inspect a table's sync options",
        description=(
            "Inspect the source table live: available sync methods, candidate incremental fields, columns and "
            "detected primary keys. Changes nothing (POST upstream; needs the write scope)."
        ),
        scope=WRITE,
        read_only=True,
        destructive=False,
        idempotent=True,
        arguments=SchemaArguments,
        output=IncrementalFields,
        run=_incremental_fields,
    ),
    ToolSpec(
        name="external-data-schemas-reload",
        title="Sync a table now",
        description="Start a sync of this table now with its configured method. Poll retrieve until status leaves Running.",
        scope=WRITE,
        read_only=False,
        destructive=False,
        idempotent=False,
        arguments=SchemaArguments,
        output=results.ActionResult,
        run=_action(
            "reload",
            "Sync started; status is Running.",
            _POLL_UNTIL_DONE,
        ),
        hints={400: _BILLING_LIMIT_HINT},
    ),
    ToolSpec(
        name="external-data-schemas-cancel",
        title="Cancel a running sync",
        description="Stop this table's running sync. Fails if none runs: check status with retrieve first.",
        scope=WRITE,
        read_only=False,
        destructive=False,
        idempotent=True,
        arguments=SchemaArguments,
        output=results.ActionResult,
        run=_action("cancel", "Sync cancelled.", "Call external-data-schemas-retrieve to see the new status."),
        hints={400: "Nothing is running for this schema (status is not Running): there is nothing to cancel."},
    ),
    ToolSpec(
        name="external-data-schemas-resync",
        title="Resync a table from scratch",
        description=(
            "Destructive: reset this table's sync state and re-import all rows, cancelling a running sync. Prefer "
            "reload unless data is wrong or a sync setting changed."
        ),
        scope=WRITE,
        read_only=False,
        destructive=True,
        idempotent=False,
        arguments=SchemaArguments,
        output=results.ActionResult,
        run=_action(
            "resync",
            "Full resync started; status is Running.",
            _POLL_UNTIL_DONE,
        ),
        hints={400: _BILLING_LIMIT_HINT},
    ),
    ToolSpec(
        name="external-data-schemas-delete-data",
        title="Delete a table's synced data",
        description=(
            "Destructive: delete this table's imported data; the schema and config stay. The next sync imports "
            "everything again."
        ),
        scope=WRITE,
        read_only=False,
        destructive=True,
        idempotent=True,
        arguments=SchemaArguments,
        output=results.ActionResult,
        run=_action(
            "delete_data",
            "Synced data deleted.",
            "The table is empty until the next sync; reload to re-import now.",
        ),
    ),
    ToolSpec(
        name="external-data-schemas-destroy",
        title="Delete a schema",
        description=(
            "Destructive: delete the schema and its imported table. To stop syncing but keep data, use "
            "partial-update with should_sync=false instead."
        ),
        scope=WRITE,
        read_only=False,
        destructive=True,
        idempotent=True,
        arguments=SchemaArguments,
        output=results.ActionResult,
        run=_action(
            "destroy",
            "Schema deleted.",
            "Gone from external-data-schemas-list; refreshing the source's tables in PostHog can add it back.",
        ),
    ),
    ToolSpec(
        name="external-data-schemas-create",
        title="Create a schema (refused by PostHog)",
        description=(
            "PostHog refuses to create schemas by API: they come from source discovery. Sends the documented "
            "request and reports the refusal with how to add a table instead."
        ),
        scope=WRITE,
        read_only=False,
        destructive=False,
        idempotent=False,
        arguments=CreateArguments,
        output=None,
        run=_create,
        hints={403: _HOW_SCHEMAS_ARE_CREATED, 405: _HOW_SCHEMAS_ARE_CREATED},
    ),
)
