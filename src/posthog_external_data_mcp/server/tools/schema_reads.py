"""Rows of the tools that read schemas: list, retrieve, and the live inspection of a table's sync options."""

from __future__ import annotations

from ...posthog_client import IncrementalFields, Scope
from .. import results, wait_results
from ..arguments import ListArguments, SchemaArguments, WaitArguments
from ..tool_names import ToolName
from .rows import Output, ToolCall, ToolRow
from .sync_runs import retrieve


async def _list(call: ToolCall, args: ListArguments) -> Output:
    page = await call.client.list_schemas(
        limit=args.limit, offset=args.offset, search=args.search, project_id=args.project_id
    )
    listing = results.schema_list(page, args.offset)
    more = f"; next_offset={listing.next_offset}" if listing.next_offset is not None else "; last page"
    headline = f"{len(listing.results)} of {listing.count} schemas from offset {args.offset}{more}."
    return Output(headline, listing, results.list_text)


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
        "One table's full sync config and state (columns, keys, filters, latest error). wait_seconds waits while "
        "it is Running."
    ),
    scope=Scope.READ,
    read_only=True,
    destructive=False,
    idempotent=True,
    arguments=WaitArguments,
    output=wait_results.SchemaShape,
    run=retrieve,
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
    # PostHog asks the source live and ignores any body: a 400 here is the source (or its connection) refusing.
    hints={
        400: "PostHog could not inspect the table at the source: fix the source's connection in PostHog (Data "
        "pipeline → Sources: reconnect it, grant read access to the table, allow PostHog's IP addresses), then "
        "call again."
    },
)
