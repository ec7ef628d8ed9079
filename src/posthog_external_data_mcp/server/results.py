"""What each tool returns: the structured result (validated against its output schema) and a short text.

List items are compact — no column definitions, errors cut short — so a full page stays far below the ~25,000
token cap some clients put on a tool result; `retrieve` gives everything about one schema.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pydantic import BaseModel, ConfigDict

from ..posthog_client import ActionOutcome, ExternalDataSchema, RowFilter, SchemaPage
from ..posthog_client.models import SchemaListItem
from .untrusted import clean, fence

# Errors are third-party text of any length; a list shows their start, retrieve shows them whole.
_LIST_ERROR_CHARS = 100
# Keys whose string values (or list items) come from outside PostHog's code — the source's table, column and
# label names and types, its errors, log lines, what users typed — and are fenced in text renderings.
UNTRUSTED_KEYS = frozenset(
    {
        "name",
        "label",
        "description",
        "latest_error",
        "error",
        "message",
        "prefix",
        "incremental_field",
        "primary_key_columns",
        "enabled_columns",
        "detected_primary_keys",
        "column",
        "value",
        "field",
        "type",
        "data_type",
    }
)


class _SyncState(BaseModel):
    """What every schema result starts with: which schema, whether and how it syncs."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    status: str | None = None
    should_sync: bool
    sync_type: str | None = None
    sync_frequency: str | None = None
    sync_time_of_day: str | None = None
    incremental_field: str | None = None


class SchemaSummary(_SyncState):
    """A list item. Fields that are null/unset upstream are left out."""

    last_synced_at: str | None = None
    latest_error: str | None = None
    table: str | None = None
    rows: int | None = None


class SchemaList(BaseModel):
    model_config = ConfigDict(frozen=True)

    count: int
    next_offset: int | None = None
    results: list[SchemaSummary]


class SchemaConfig(_SyncState):
    """What partial-update returns: the schema's sync config as PostHog now stores it, and its status."""

    incremental_field_type: str | None = None
    incremental_field_lookback_seconds: int | None = None
    primary_key_columns: list[str] | None = None
    cdc_table_mode: str | None = None
    enabled_columns: list[str] | None = None
    row_filters: list[RowFilter] | None = None
    api_version: str | None = None


class ActionResult(BaseModel):
    """The outcome of an action PostHog answers without a body."""

    model_config = ConfigDict(frozen=True)

    http_status: int
    detail: str | None = None
    next_step: str


def summarize(schema: SchemaListItem) -> SchemaSummary:
    error = schema.latest_error
    return SchemaSummary(
        id=schema.id,
        name=clean(schema.name),
        status=schema.status,
        should_sync=schema.should_sync,
        sync_type=schema.sync_type,
        sync_frequency=schema.sync_frequency,
        sync_time_of_day=schema.sync_time_of_day,
        incremental_field=schema.incremental_field,
        last_synced_at=schema.last_synced_at,
        latest_error=None if error is None else clean(error, _LIST_ERROR_CHARS),
        table=clean(schema.table.name) if schema.table else None,
        rows=schema.table.row_count if schema.table else None,
    )


def config_of(schema: ExternalDataSchema) -> SchemaConfig:
    return SchemaConfig.model_validate(schema.model_dump(include=set(SchemaConfig.model_fields)))


def next_offset(page: SchemaPage, offset: int) -> int | None:
    """The offset of the next page, read from PostHog's absolute `next` URL (None on the last page)."""
    if page.next is None:
        return None
    values = parse_qs(urlsplit(page.next).query).get("offset")
    if values and values[0].isdigit():
        return int(values[0])
    return offset + len(page.results)


def schema_list(page: SchemaPage, offset: int) -> SchemaList:
    return SchemaList(
        count=page.count, next_offset=next_offset(page, offset), results=[summarize(item) for item in page.results]
    )


def action_result(outcome: ActionOutcome, next_step: str) -> ActionResult:
    return ActionResult(http_status=outcome.status, detail=outcome.detail, next_step=next_step)


def structured(result: BaseModel) -> dict[str, Any]:
    # A null only ever means "not set" here, so unset fields are left out rather than spent as tokens
    # (the output schemas say so: no field is nullable). E.g. no sync_frequency = never scheduled.
    return result.model_dump(mode="json", exclude_none=True)


# Text renderers. The text block is what models see in clients that show only text, so it carries the same
# facts as the structured result, compactly; some clients pass both to the model, so together they stay small.
# Third-party strings in it are fenced (untrusted.fence); the runner adds the line saying what fences mean.


def list_text(content: dict[str, Any]) -> str:
    return "\n".join(_summary_line(item) for item in content["results"])


def _summary_line(item: dict[str, Any]) -> str:
    parts = [f"- {fence(item['name'])} [{item.get('status', 'no status')}] id={item['id']}"]
    if "sync_type" in item:
        parts.append(item["sync_type"])
    parts.append(f"every {item['sync_frequency']}" if "sync_frequency" in item else "not scheduled")
    if not item.get("should_sync"):
        parts.append("paused")
    if "last_synced_at" in item:
        parts.append(f"last synced {item['last_synced_at']}")
    if "rows" in item:
        parts.append(f"{item['rows']} rows")
    line = ", ".join(parts)
    if "latest_error" in item:
        line += f"; error: {fence(item['latest_error'])}"  # already cut to _LIST_ERROR_CHARS
    return line


def schema_text(content: dict[str, Any]) -> str:
    """The schema as JSON without its column lists, then the columns once, as `name type` pairs."""
    table = content.get("table")
    slim = {key: value for key, value in content.items() if key != "available_columns"}
    if isinstance(table, dict):
        slim["table"] = {key: value for key, value in table.items() if key != "columns"}  # pyright: ignore[reportUnknownVariableType]
    columns = [
        f"{column['name']} {column.get('data_type', '')}".strip() for column in content.get("available_columns", [])
    ]
    if not columns and isinstance(table, dict):
        columns = [f"{column['name']} {column.get('type', '')}".strip() for column in table.get("columns", [])]  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    text = json_text(slim)
    # The names and types all come from the source: one fence around the whole list (cheaper than one each).
    listed = ", ".join(clean(column, 200) for column in columns)
    return f"{text}\ncolumns ({len(columns)}): {fence(listed, len(listed) + 1)}" if columns else text


def json_text(content: dict[str, Any]) -> str:
    """Compact JSON of a result, with the values of third-party keys (UNTRUSTED_KEYS) fenced."""
    return compact_json(_fenced(content))


def _fenced(value: Any, key: str | None = None) -> Any:
    if isinstance(value, dict):
        fields: dict[str, Any] = value  # pyright: ignore[reportUnknownVariableType] - JSON objects have str keys
        return {name: _fenced(item, name) for name, item in fields.items()}
    if isinstance(value, list):
        return [_fenced(item, key) for item in value]  # pyright: ignore[reportUnknownVariableType]
    if isinstance(value, str) and key in UNTRUSTED_KEYS:
        return fence(value, len(value) + 1)  # bounded already (the runner cleans every result first)
    return value


def compact_json(content: dict[str, Any]) -> str:
    return json.dumps(content, separators=(",", ":"), ensure_ascii=False)
