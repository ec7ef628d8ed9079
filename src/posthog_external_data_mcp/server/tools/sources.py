"""The row of the sources tool: each warehouse source with its tables (schemas), one line each, in one request.

PostHog's source list embeds every schema of a source, but not their frequency (its list serializer); frequency is
shown when PostHog sends it, and the text says where to find it otherwise. Nothing of a source's configuration
(`job_inputs`: where its credentials live) is read at all.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from pydantic import BaseModel, ConfigDict

from ...posthog_client import Scope, Source, SourcePage, SourceSchema
from .. import untrusted
from ..diagnosis import diagnose
from ..read_arguments import SourcesArguments
from ..tool_names import ToolName
from .rows import Output, ToolCall, ToolRow

_ERROR_CHARS = 200
# Tables shown per page, shared fairly among its sources (problems first): a page stays well under the
# ~25,000-token cap of some clients even for sources with hundreds of tables.
_TABLE_BUDGET = 100
_MIN_TABLES_PER_SOURCE = 3
_HEALTHY = frozenset({"Completed", "Running"})


class SourceTable(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    status: str | None = None
    should_sync: bool
    sync_type: str | None = None
    sync_frequency: str | None = None
    last_synced_at: str | None = None
    table: str | None = None
    rows: int | None = None
    latest_error: str | None = None
    cause: str | None = None
    fix: str | None = None


class SourceSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    source_type: str
    status: str | None = None
    prefix: str | None = None
    last_run_at: str | None = None
    latest_error: str | None = None
    tables: int
    omitted: int | None = None  # tables left out of `schemas` to keep the page small
    schemas: list[SourceTable]


class SourceList(BaseModel):
    model_config = ConfigDict(frozen=True)

    count: int
    next_offset: int | None = None
    results: list[SourceSummary]


def _table(schema: SourceSchema, source_type: str) -> SourceTable:
    cause = diagnose(schema.latest_error, source_type)
    return SourceTable(
        id=schema.id,
        name=untrusted.clean(schema.name, 120),
        status=schema.status,
        should_sync=schema.should_sync,
        sync_type=schema.sync_type,
        sync_frequency=schema.sync_frequency,
        last_synced_at=schema.last_synced_at,
        table=untrusted.clean(schema.table.name, 120) if schema.table else None,
        rows=schema.table.row_count if schema.table else None,
        latest_error=untrusted.clean(schema.latest_error, _ERROR_CHARS) if schema.latest_error else None,
        cause=cause.kind if cause else None,
        fix=cause.fix if cause else None,
    )


def _summary(source: Source, shown: int) -> SourceSummary:
    # Problems first, then PostHog's order (by name): a cut page still shows what needs attention.
    ordered = sorted(source.schemas, key=lambda schema: schema.status in _HEALTHY and not schema.latest_error)
    omitted = max(0, len(ordered) - shown)
    return SourceSummary(
        id=source.id,
        source_type=untrusted.clean(source.source_type, 60),
        status=source.status,
        prefix=untrusted.clean(source.prefix, 120) if source.prefix else None,
        last_run_at=source.last_run_at,
        latest_error=untrusted.clean(source.latest_error, _ERROR_CHARS) if source.latest_error else None,
        tables=len(ordered),
        omitted=omitted or None,
        schemas=[_table(schema, source.source_type) for schema in ordered[:shown]],
    )


def _next_offset(page: SourcePage, offset: int) -> int | None:
    if page.next is None:
        return None
    values = parse_qs(urlsplit(page.next).query).get("offset")
    return int(values[0]) if values and values[0].isdigit() else offset + len(page.results)


async def _list_sources(call: ToolCall, args: SourcesArguments) -> Output:
    page = await call.client.list_sources(
        limit=args.limit, offset=args.offset, search=args.search, project_id=args.project_id
    )
    share = max(_MIN_TABLES_PER_SOURCE, _TABLE_BUDGET // max(1, len(page.results)))
    listing = SourceList(
        count=page.count,
        next_offset=_next_offset(page, args.offset),
        results=[_summary(source, share) for source in page.results],
    )
    more = f"; next_offset={listing.next_offset}" if listing.next_offset is not None else ""
    tables = sum(source.tables for source in listing.results)
    headline = f"{len(listing.results)} of {listing.count} warehouse sources with {tables} tables{more}."
    return Output(headline, listing, sources_text)


def sources_text(content: dict[str, Any]) -> str:
    lines: list[str] = []
    frequency_seen = False
    for source in content["results"]:
        head = f"{source['source_type']} source id={source['id']} [{source.get('status', 'no status')}]"
        if "prefix" in source:
            head += f" prefix {untrusted.fence(source['prefix'])}"
        head += f", {source['tables']} tables"
        if "last_run_at" in source:
            head += f", last run {source['last_run_at']}"
        if "latest_error" in source:
            head += f"; error {untrusted.fence(source['latest_error'], _ERROR_CHARS)}"
        lines.append(head)
        for table in source["schemas"]:
            frequency_seen = frequency_seen or "sync_frequency" in table
            lines.append(_table_line(table))
        if "omitted" in source:
            lines.append(f"  …and {source['omitted']} more: {ToolName.LIST} with search=<name> shows any table.")
    if lines and not frequency_seen:
        lines.append(f"PostHog's source list has no sync frequency; {ToolName.LIST} shows it.")
    return "\n".join(lines)


def _table_line(table: dict[str, Any]) -> str:
    parts = [f"- {untrusted.fence(table['name'])} [{table.get('status', 'never synced')}] id={table['id']}"]
    parts.append(table.get("sync_type", "no sync type"))
    parts.append("on" if table["should_sync"] else "off")
    if "sync_frequency" in table:
        parts.append(f"every {table['sync_frequency']}")
    parts.append(f"last sync {table['last_synced_at']}" if "last_synced_at" in table else "never synced")
    if "rows" in table:
        parts.append(f"{table['rows']} rows")
    line = ", ".join(parts)
    if "latest_error" in table:
        line += f"; error {untrusted.fence(table['latest_error'], _ERROR_CHARS)}"
    if "fix" in table:
        line += f"; fix: {table['fix']}"
    return line


SOURCES_LIST = ToolRow(
    name=ToolName.SOURCES_LIST,
    title="List data warehouse sources",
    description=(
        "List warehouse sources (Stripe, Postgres, …) with every table they sync: status, on/off, last sync, "
        "error and its fix. No credentials."
    ),
    scope=Scope.READ,
    read_only=True,
    destructive=False,
    idempotent=True,
    arguments=SourcesArguments,
    output=SourceList,
    run=_list_sources,
)
