"""Pydantic models of what the External Data Schemas API sends and accepts: its serializer and actions in
PostHog/posthog products/data_warehouse/backend/api/external_data_schema.py (commit 9f9237d3582d).

Responses are parsed leniently (unknown keys ignored, odd shapes of secondary fields tolerated): a new PostHog
field or a column object of a different shape must never make a whole answer unreadable. Requests are strict.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, field_validator
from pydantic_core import PydanticCustomError

from .enums import CdcTableMode, IncrementalFieldType, RowFilterOperator, SyncFrequency, SyncType


class _Response(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


def _columns_as_list(value: Any) -> Any:
    """PostHog's column serialization has changed shape over time (a list of objects, or a name→type mapping)."""
    if isinstance(value, dict):
        items: list[dict[str, Any]] = []
        for name, spec in value.items():  # pyright: ignore[reportUnknownVariableType]
            if isinstance(spec, dict):
                items.append({"name": name, **spec})
            else:
                items.append({"name": name, "type": spec})
        return items
    return value


class TableColumn(_Response):
    name: str
    type: str | None = None


class TableSummary(_Response):
    id: str
    name: str
    row_count: int | None = None


class SchemaTable(TableSummary):
    columns: Annotated[list[TableColumn], BeforeValidator(_columns_as_list)] = Field(default_factory=list[TableColumn])


class AvailableColumn(_Response):
    name: str
    data_type: str | None = None
    is_nullable: bool | None = None


class SchemaSource(_Response):
    id: str
    source_type: str
    access_method: str | None = None
    supports_column_selection: bool | None = None
    supports_row_filters: bool | None = None
    api_version: str | None = None
    supported_api_versions: list[str] | None = None


class ApiVersionDeprecation(_Response):
    version: str
    sunset_at: str | None = None
    default_version: str | None = None


class RowFilter(BaseModel):
    """One row filter of a SQL source: `column operator value`, applied at the source."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str = Field(min_length=1)
    operator: RowFilterOperator
    value: Annotated[
        str | float | list[str | float],
        # One type per branch (no type arrays), so single-type schema dialects accept it too.
        WithJsonSchema(
            {
                "anyOf": [
                    {"type": "string"},
                    {"type": "number"},
                    {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "number"}]}},
                ]
            }
        ),
    ] = Field(description="A list for IN / NOT IN.")


class SchemaListItem(_Response):
    """A schema as a list needs it. PostHog sends every list item in full, but parsing only these fields (its
    column definitions above all are skipped) makes a page several times cheaper; retrieve gives everything."""

    id: str
    name: str
    table: TableSummary | None = None
    should_sync: bool = False
    status: str | None = None
    latest_error: str | None = None
    last_synced_at: str | None = None
    sync_type: str | None = None
    sync_frequency: str | None = None
    sync_time_of_day: str | None = None
    incremental_field: str | None = None


class ExternalDataSchema(SchemaListItem):
    """One import schema (a table of a warehouse source), as PostHog's serializer represents it."""

    table: SchemaTable | None = None  # pyright: ignore[reportIncompatibleVariableOverride] - frozen, so narrowing is safe
    label: str | None = None
    description: str | None = None
    source: SchemaSource | None = None  # only on retrieve
    incremental: bool = False
    incremental_field_type: str | None = None
    incremental_field_lookback_seconds: int | None = None
    incremental_sync_blocked: str | None = None
    primary_key_columns: list[str] | None = None
    cdc_table_mode: str | None = None
    enabled_columns: list[str] | None = None
    row_filters: list[RowFilter] | None = None
    api_version: str | None = None
    api_version_deprecation: ApiVersionDeprecation | None = None
    available_columns: list[AvailableColumn] = Field(default_factory=list[AvailableColumn])
    source_column_metadata_available: bool | None = None


class SchemaPage(_Response):
    """A page of the list endpoint (DRF limit/offset pagination)."""

    count: int
    next: str | None = None
    previous: str | None = None
    results: list[SchemaListItem]


class IncrementalFieldCandidate(_Response):
    field: str
    field_type: str | None = None
    label: str | None = None
    type: str | None = None
    nullable: bool | None = None
    is_indexed: bool | None = None


class DiscoveredColumn(_Response):
    field: str
    type: str | None = None
    label: str | None = None
    nullable: bool | None = None


class IncrementalFields(_Response):
    """The answer of the `incremental_fields` action: what sync methods a table can use, and on which columns."""

    incremental_fields: list[IncrementalFieldCandidate] = Field(default_factory=list[IncrementalFieldCandidate])
    incremental_available: bool | None = None
    append_available: bool | None = None
    cdc_available: bool | None = None
    xmin_available: bool | None = None
    full_refresh_available: bool | None = None
    supports_webhooks: bool | None = None
    webhook_only: bool | None = None
    available_columns: list[DiscoveredColumn] = Field(default_factory=list[DiscoveredColumn])
    detected_primary_keys: list[str] | None = None


class LogEntry(_Response):
    """One sync log line (the schema's `logs` action): `instance_id` is the Temporal run id of the sync that wrote it."""

    timestamp: str
    level: str
    message: str
    instance_id: str | None = None


class LogPage(_Response):
    """The `logs` action's answer: newest first, at most `limit` entries; `next` is always null (page back with
    `before` = the oldest timestamp seen)."""

    count: int = 0
    results: list[LogEntry] = Field(default_factory=list[LogEntry])


_TIME_OF_DAY = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")


class SchemaUpdate(BaseModel):
    """The PATCH body: the twelve writable fields of PostHog's serializer.

    Omitted and explicit `null` stay different: only fields that were set (`model_fields_set`) are sent, so
    `SchemaUpdate(sync_time_of_day=None)` clears the time while `SchemaUpdate()` leaves it alone.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Not nullable upstream: typed `bool` with an unset default, so an explicit null is rejected here.
    should_sync: bool = Field(default=None, description="false pauses; a running sync finishes.")  # pyright: ignore[reportAssignmentType]
    sync_type: SyncType | None = Field(default=None, description="Sync method; call incremental-fields first.")
    incremental_field: str | None = Field(default=None, description="Cursor column for incremental/append.")
    incremental_field_type: IncrementalFieldType | None = Field(default=None, description="Type of the cursor column.")
    incremental_field_lookback_seconds: int | None = Field(
        default=None,
        ge=0,
        le=5_184_000,
        description="Seconds re-read behind the cursor.",
    )
    sync_frequency: SyncFrequency | None = Field(default=None, description="'never' pauses the schedule.")
    sync_time_of_day: str | None = Field(
        default=None,
        description="UTC HH:MM anchoring the frequency: 6hour at 03:00 runs 03,09,15,21.",
    )
    primary_key_columns: list[str] | None = Field(default=None, description="Columns that identify a row.")
    cdc_table_mode: CdcTableMode | None = Field(default=None, description="CDC sources: what the table holds.")
    enabled_columns: list[str] | None = Field(default=None, description="Columns to import; null imports all.")
    row_filters: list[RowFilter] | None = Field(default=None, description="SQL sources only; null clears.")
    api_version: str | None = Field(default=None, max_length=128, description="Vendor API version override.")

    @field_validator("sync_time_of_day")
    @classmethod
    def _time_of_day(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not _TIME_OF_DAY.match(value):
            # In words: agents (and people) act on a sentence, not on a regular expression.
            raise PydanticCustomError("time_of_day", "use HH:MM or HH:MM:SS, UTC (24-hour, e.g. 03:00 or 15:30:00)")
        # PostHog re-parses the raw value strictly as %H:%M:%S and rejects "15:30", so complete it here.
        return f"{value}:00" if len(value) == 5 else value

    def to_body(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)


class SchemaCreate(BaseModel):
    """The documented (but refused) create body: schemas are really created by source discovery."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, description="Source table name.")

    def to_body(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)


class PersonalApiKey(_Response):
    """`GET /api/personal_api_keys/@current/`: what the key itself may do (used by `doctor`)."""

    id: str | None = None
    label: str | None = None
    mask_value: str | None = None
    scopes: list[str] = Field(default_factory=list[str])
    scoped_teams: list[int] | None = None
    scoped_organizations: list[str] | None = None
