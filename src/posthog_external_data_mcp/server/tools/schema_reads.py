"""Rows of the tools that read schemas: list, retrieve, and the live inspection of a table's sync options."""

from __future__ import annotations

from ...posthog_client import ExternalDataSchema, IncrementalFields, Scope
from .. import results
from ..arguments import ListArguments, SchemaArguments
from ..tool_names import ToolName
from .rows import Output, ToolCall, ToolRow


async def _list(call: ToolCall, args: ListArguments) -> Output:
    page = await call.client.list_schemas(
        limit=args.limit, offset=args.offset, search=args.search, project_id=args.project_id
    )
    listing = results.schema_list(page, args.offset)
    more = f"; next_offset={listing.next_offset}" if listing.next_offset is not None else "; last page"
    headline = f"{len(listing.results)} of {listing.count} schemas from offset {args.offset}{more}."
    return Output(headline, listing, results.list_text)


async def _retrieve(call: ToolCall, args: SchemaArguments) -> Output:
    schema = await call.client.retrieve_schema(args.id, project_id=args.project_id)
    return Output(f"Retrieved schema '{schema.name}' ({schema.status or 'no status'}).", schema, results.schema_text)


async def _incremental_fields(call: ToolCall, args: SchemaArguments) -> Output:
    found = await call.client.incremental_fields(args.id, project_id=args.project_id)
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


LIST = ToolRow(
    name=ToolName.LIST,
    title="List data warehouse table schemas",
    description=(
        "List warehouse import schemas (one per source table): status, sync type, frequency, last sync, "
        "error. Page with limit/offset (next_offset); search matches names. Retrieve gives full config."
    ),
    scope=Scope.READ,
    read_only=True,
    destructive=False,
    idempotent=True,
    arguments=ListArguments,
    output=results.SchemaList,
    run=_list,
    output_depth=2,
)

RETRIEVE = ToolRow(
    name=ToolName.RETRIEVE,
    title="Get a data warehouse table schema",
    description=(
        "Get one schema's full config and state: sync type, incremental field, primary keys, columns, row "
        "filters, source capabilities, latest error."
    ),
    scope=Scope.READ,
    read_only=True,
    destructive=False,
    idempotent=True,
    arguments=SchemaArguments,
    output=ExternalDataSchema,
    run=_retrieve,
)

INCREMENTAL_FIELDS = ToolRow(
    name=ToolName.INCREMENTAL_FIELDS,
    title="Inspect a table's sync options",
    description=(
        "Inspect the source table live: available sync methods, candidate incremental fields, columns and "
        "detected primary keys. Changes nothing (POST upstream; needs the write scope)."
    ),
    scope=Scope.WRITE,
    read_only=True,
    destructive=False,
    idempotent=True,
    arguments=SchemaArguments,
    output=IncrementalFields,
    run=_incremental_fields,
)
