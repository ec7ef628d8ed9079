"""What the sources list sends (PostHog/posthog products/data_warehouse/backend/api/external_data_source.py,
commit f68496638e50): each warehouse source with its schemas, for read-only use.

Parsed leniently like every response. Deliberately not modelled: `job_inputs` (the source's configuration,
where credentials live even after PostHog's masking), `created_by` (an email) and the other setup fields, so
that nothing of them can ever reach a result.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from .models import TableSummary


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class SourceSchema(_Lenient):
    """A schema as embedded in a source. The list view (A8.3) has no frequency; retrieve and older versions do."""

    id: str
    name: str
    label: str | None = None
    should_sync: bool = False
    status: str | None = None
    sync_type: str | None = None
    sync_frequency: str | None = None
    last_synced_at: str | None = None
    latest_error: str | None = None
    table: TableSummary | None = None


class Source(_Lenient):
    id: str
    source_type: str
    status: str | None = None
    prefix: str | None = None
    latest_error: str | None = None  # PostHog redacts secrets in it (A8.2)
    last_run_at: str | None = None
    schemas: list[SourceSchema] = Field(default_factory=list[SourceSchema])


class SourcePage(_Lenient):
    """A page of the sources list (DRF limit/offset pagination, 100 sources by default)."""

    count: int
    next: str | None = None
    previous: str | None = None
    results: list[Source]
