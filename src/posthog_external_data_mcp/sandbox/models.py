"""In-memory records of the sandbox, shaped after PostHog's models (teams, keys, sources, schemas, jobs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any, Literal

# ExternalDataSchema.SyncType
SYNC_TYPES = ("full_refresh", "incremental", "append", "webhook", "cdc", "xmin")
INCREMENTAL_STYLE_SYNC_TYPES = ("incremental", "append", "webhook")
# IncrementalFieldType
INCREMENTAL_FIELD_TYPES = ("integer", "numeric", "datetime", "date", "timestamp", "objectid", "xid")
CDC_TABLE_MODES = ("consolidated", "cdc_only", "both")
# The serializer's input choices (the 5-minute floor: "1min" is readable but no longer accepted).
SYNC_FREQUENCY_CHOICES = ("never", "5min", "15min", "30min", "1hour", "6hour", "12hour", "24hour", "7day", "30day")
SYNC_FREQUENCY_SECONDS: dict[str, int | None] = {
    "never": None,
    "1min": 60,
    "5min": 5 * 60,
    "15min": 15 * 60,
    "30min": 30 * 60,
    "1hour": 3600,
    "6hour": 6 * 3600,
    "12hour": 12 * 3600,
    "24hour": 24 * 3600,
    "7day": 7 * 86400,
    "30day": 30 * 86400,
}
LEGACY_SUB_FLOOR_SYNC_FREQUENCIES = ("1min",)
FLOOR_SYNC_FREQUENCY = "5min"

StoredStatus = Literal["Running", "Paused", "Failed", "Completed", "BillingLimitReached", "BillingLimitTooLow"]
JobStatus = Literal["Running", "Failed", "Completed", "BillingLimitReached", "BillingLimitTooLow"]
AccessLevel = Literal["none", "viewer", "editor", "manager"]


def frequency_to_seconds(frequency: str) -> int | None:
    return SYNC_FREQUENCY_SECONDS[frequency]


def seconds_to_frequency(seconds: int | None) -> str | None:
    if seconds is None:
        return None
    for name, value in SYNC_FREQUENCY_SECONDS.items():
        if value == seconds:
            return name
    raise ValueError(f"Unknown sync frequency interval: {seconds} seconds")


@dataclass
class Organization:
    id: str
    name: str


@dataclass
class Team:
    """A PostHog project (team); its id is the ``{project_id}`` of the URLs."""

    id: int
    name: str
    organization_id: str
    cdc_enabled: bool
    """The per-team ``dwh-postgres-cdc`` feature flag."""


@dataclass
class User:
    uuid: str
    email: str
    first_name: str
    current_team_id: int
    team_ids: list[int]
    """Projects the user is a member of."""


@dataclass
class PersonalApiKey:
    id: str
    label: str
    value: str
    scopes: list[str]
    scoped_teams: list[int] | None
    scoped_organizations: list[str] | None
    created_at: datetime
    last_used_at: datetime | None = None


@dataclass
class DiscoveredTable:
    """What live schema discovery (``get_schemas``) reports for one source table."""

    name: str
    columns: list[tuple[str, str, bool]]
    """(name, incremental-field type or column type, nullable)."""
    incremental_fields: list[dict[str, Any]] = field(default_factory=lambda: [])
    supports_incremental: bool = False
    supports_append: bool = False
    supports_cdc: bool = False
    supports_xmin: bool = False
    supports_webhooks: bool = False
    webhook_only: bool = False
    detected_primary_keys: list[str] | None = None
    discovery_error: str | None = None
    """Raised by discovery for this table (answered as ``{"message": ...}`` by incremental_fields)."""
    synced_columns: list[Column] = field(default_factory=lambda: [])
    """The warehouse columns a sync of this table writes (empty: a lone ``id`` column)."""
    sync_error: str | None = None
    """Raised by every sync of this table (a source-side fault, e.g. a missing OAuth scope)."""
    duplicated_columns: list[str] = field(default_factory=lambda: [])
    """Columns whose values repeat at the source: a primary key made only of these is not unique."""


@dataclass
class SourceKind:
    """Capabilities of a source type, as PostHog's SourceRegistry describes them."""

    source_type: str
    managed_hogql_schema: bool
    """Stripe, Paddle, Zendesk: canonical HogQL schema, so no column selection."""
    supports_row_filters: bool
    supports_column_selection: bool
    """Column names go into a source-side query (SQL sources) and need exact metadata."""
    supports_xmin: bool
    supports_cdc: bool
    is_webhook_source: bool
    supported_api_versions: list[str]
    default_api_version: str | None
    deprecated_api_versions: dict[str, str]
    """version -> sunset date (ISO) for vendor-deprecated versions."""
    is_sql: bool


@dataclass
class Source:
    id: str
    team_id: int
    source_type: str
    prefix: str | None
    job_inputs: dict[str, Any] | None
    api_version: str | None = None
    access_method: Literal["warehouse", "direct"] = "warehouse"
    cdc_enabled: bool = False
    is_system_managed: bool = False
    credentials_error: str | None = None
    """When set, credential validation fails with this text."""
    sync_error: str | None = None
    """When set, every sync of every schema of this source fails with this raw error (e.g. an expired key)."""
    created_at: datetime | None = None
    created_by: str | None = None
    """The creator's email."""
    created_via: str | None = "web"
    description: str | None = None
    stored_status: str = "Running"
    """The model's own ``status`` column, shown only when no schema decides the derived status."""
    discovery: dict[str, DiscoveredTable] = field(default_factory=lambda: {})
    webhook_created: bool = False
    webhook_setup_error: str | None = None
    """Simulated failure of the hog-function setup for webhook sync (rule 25)."""
    webhook_register_error: str | None = None
    """Simulated failure registering the webhook at the vendor (rule 25)."""
    user_access_level: AccessLevel = "editor"
    """The demo user's access-control level on this source and its tables."""


@dataclass
class Column:
    name: str
    hogql_type: str
    """DatabaseSerializedFieldType: integer, float, decimal, string, datetime, date, boolean, json, array."""
    clickhouse_type: str
    """As ClickHouse describes it, ``Nullable(...)``/``LowCardinality(...)`` and parameters included."""
    nullable: bool = True


@dataclass
class Table:
    id: str
    name: str
    hogql_name: str
    columns: list[Column]
    row_count: int
    deleted: bool = False


@dataclass
class Job:
    id: str
    schema_id: str
    status: JobStatus
    created_at: datetime
    finishes_at: datetime | None
    """When the run settles; None for a run that hangs until someone cancels it."""
    outcome: Literal["Completed", "Failed"]
    latest_error: str | None
    rows_synced: int
    workflow_id: str
    workflow_run_id: str = ""
    """The Temporal run id: every log line of this run carries it as ``instance_id``."""
    raw_error: str | None = None
    """The error the run hits (before PostHog's classification turns it into ``latest_error``)."""
    pipeline_version: str = "v3-kafka-s3"
    full_reload: bool = False
    """A resync or reset: the table is rebuilt rather than appended to."""


@dataclass(frozen=True)
class LogEntry:
    """One row of PostHog's ``log_entries`` for a schema (``log_source = "external_data_jobs"``)."""

    log_source_id: str
    instance_id: str
    timestamp: datetime
    level: str
    message: str


@dataclass
class Schema:
    id: str
    team_id: int
    source_id: str
    name: str
    created_at: datetime
    should_sync: bool
    status: StoredStatus | None
    sync_type: str | None
    sync_type_config: dict[str, Any]
    sync_frequency_interval: int | None
    """Seconds between syncs, or None for ``never``."""
    sync_time_of_day: time | None = None
    latest_error: str | None = None
    last_synced_at: datetime | None = None
    table: Table | None = None
    label: str | None = None
    description: str | None = None
    enabled_columns: list[str] | None = None
    row_filters: Any = None
    api_version: str | None = None
    schema_metadata: dict[str, Any] | None = None
    """SQL sources: ``{"columns": [{name, data_type, is_nullable}]}`` from the last schema refresh."""
    initial_sync_complete: bool = False
    deleted: bool = False
    fail_with: str | None = None
    """Sandbox only: every sync of this schema fails with this raw error."""
    source_rows: int = 1000
    """Sandbox only: rows the source table holds now; a rebuild imports all of them."""
    growth_per_sync: int = 0
    """Sandbox only: rows the source gains between two syncs (what an incremental sync adds)."""
    next_run_at: datetime | None = None
    """Sandbox only: the schedule's next fire time (None: computed from the cadence when next needed)."""
    schedule_stalled: bool = False
    """Sandbox only: the Temporal schedule silently stopped firing (PostHog issue #82900)."""

    @property
    def primary_key_columns(self) -> list[str] | None:
        return self.sync_type_config.get("primary_key_columns")

    @property
    def incremental_field(self) -> str | None:
        return self.sync_type_config.get("incremental_field")

    @property
    def incremental_field_lookback_seconds(self) -> int | None:
        return self.sync_type_config.get("incremental_field_lookback_seconds")

    @property
    def cdc_table_mode(self) -> str:
        # The model property defaults to "consolidated", even for schemas that are not CDC.
        return self.sync_type_config.get("cdc_table_mode") or "consolidated"

    @property
    def is_cdc(self) -> bool:
        return self.sync_type == "cdc"

    @property
    def is_webhook(self) -> bool:
        return self.sync_type == "webhook"
