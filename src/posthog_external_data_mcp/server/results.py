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

# Errors are third-party text of any length; a list shows their start, retrieve shows them whole. A page shares
# one error budget among its failing items: up to 5 get 240 characters (HubSpot's raw "…hasn't been granted all
# required scopes" is ~170 in; the texts PostHog stores for errors it classifies say the cause in the first 100),
# and a page of 100 long failures stays under clients' 25,000-token cap.
# The classified cause and its fix per table are in the sources list and the health report.
_LIST_ERROR_BUDGET = 1200
_LIST_ERROR_CHARS = (60, 240)
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


def summarize(schema: SchemaListItem, error_chars: int = _LIST_ERROR_CHARS[1]) -> SchemaSummary:
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
        # Whole seconds: the microseconds PostHog sends say nothing and cost 4 tokens per item.
        last_synced_at=_to_the_second(schema.last_synced_at),
        latest_error=None if error is None else clean(error, error_chars),
        table=clean(schema.table.name) if schema.table else None,
        rows=schema.table.row_count if schema.table else None,
    )


def _to_the_second(moment: str | None) -> str | None:
    if moment is None or len(moment) < 20 or moment[19] != ".":
        return moment
    zone = moment[19:].lstrip(".0123456789")
    return moment[:19] + zone


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
    failing = sum(item.latest_error is not None for item in page.results)
    low, high = _LIST_ERROR_CHARS
    share = max(low, min(high, _LIST_ERROR_BUDGET // max(failing, 1)))
    return SchemaList(
        count=page.count,
        next_offset=next_offset(page, offset),
        results=[summarize(item, share) for item in page.results],
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


# One header, then a row per item: labels once instead of on every row, cells split by single spaces (none has
# one). PostHog's own values first; everything from the source inside one fence per row (a fence costs 4 tokens:
# one per value would cost 16). A 30-item page stays within 5,000 tokens, text and structured together.
LIST_HEADER = f"status id sync_type schedule(UTC) last_synced rows {fence('name; table; cursor; error')}"


def list_text(content: dict[str, Any]) -> str:
    return "\n".join([LIST_HEADER, *(_summary_line(item) for item in content["results"])])


def _summary_line(item: dict[str, Any]) -> str:
    schedule = item.get("sync_frequency", "never")
    if "sync_time_of_day" in item:
        schedule += f"@{item['sync_time_of_day'][:5]}"
    if not item.get("should_sync"):
        schedule += ",paused"
    synced = f"{item['last_synced_at'][:16]}Z" if "last_synced_at" in item else "never"
    status = item.get("status", "-").replace(" ", "_")  # "Billing limits" stays one cell
    cells = [status, item["id"], item.get("sync_type", "-"), schedule, synced, str(item.get("rows", "-"))]
    quoted = [item["name"], *(item.get(key, "-") for key in ("table", "incremental_field", "latest_error"))]
    while quoted[-1] == "-":
        quoted.pop()
    # Cleaned and cut already (summarize); the fence only quotes them.
    return f"{' '.join(cells)} {fence('; '.join(quoted), 10**6)}"


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
