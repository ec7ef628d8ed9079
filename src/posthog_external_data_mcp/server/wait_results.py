"""What reload, resync and retrieve return, with or without a wait: the sync's state as the call last saw it.

After a wait that ran out the status is Running with `next_poll_after_seconds` — an answer, not an error; after a
run that failed, its error and the most recent ERROR log lines come along.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ..posthog_client import ActionOutcome, ExternalDataSchema
from . import results
from .diagnosis import diagnose
from .tool_names import ToolName
from .untrusted import fence
from .waiting import Waited

_WAIT_AGAIN = f"Call {ToolName.RETRIEVE} with wait_seconds to wait for the end."


class _WaitFields(BaseModel):
    waited_seconds: float | None = None
    next_poll_after_seconds: int | None = None
    error_logs: list[str] | None = None
    wait_note: str | None = None


class WaitedSchema(ExternalDataSchema, _WaitFields):
    """retrieve's result: the schema in full, plus how a wait ended when one was asked for."""


class SyncRun(results.ActionResult, _WaitFields):
    """reload's and resync's result: PostHog's answer, then the sync's state when the call returned."""

    status: str | None = None
    last_synced_at: str | None = None
    latest_error: str | None = None
    rows: int | None = None


# The output schemas declare the fields programs branch on, typed; the results carry every field besides (the
# schemas are open), since each declared property costs every agent tokens in tools/list.


class SchemaShape(BaseModel):
    id: str
    name: str
    status: str | None = None
    should_sync: bool | None = None
    sync_type: str | None = None
    incremental_field: str | None = None
    last_synced_at: str | None = None
    latest_error: str | None = None
    table: dict[str, Any] | None = None
    next_poll_after_seconds: int | None = None
    error_logs: list[str] | None = None


class SyncRunShape(BaseModel):
    status: str | None = None
    next_step: str
    next_poll_after_seconds: int | None = None
    error_logs: list[str] | None = None


def _wait_fields(waited: Waited) -> dict[str, Any]:
    return {
        "waited_seconds": waited.waited_seconds,
        "next_poll_after_seconds": waited.next_poll_after_seconds,
        "error_logs": list(waited.error_logs) or None,
        "wait_note": waited.note,
    }


def waited_schema(schema: ExternalDataSchema, waited: Waited | None) -> WaitedSchema:
    final = schema if waited is None or waited.schema is None else waited.schema
    extra = {} if waited is None else _wait_fields(waited)
    return WaitedSchema.model_validate({**final.model_dump(), **extra})


def sync_started(outcome: ActionOutcome) -> SyncRun:
    # PostHog answers 200 only once the run is triggered, and sets the status to Running before it does.
    return SyncRun(http_status=outcome.status, detail=outcome.detail, next_step=_WAIT_AGAIN, status="Running")


def sync_run(outcome: ActionOutcome, waited: Waited) -> SyncRun:
    schema = waited.schema
    table = schema.table if schema is not None else None
    if waited.still_running:
        next_step = _WAIT_AGAIN
    elif waited.status == "Failed":
        next_step = _fix_for(schema)
    else:
        next_step = f"Done. {ToolName.RETRIEVE} shows the table's config and columns."
    return SyncRun(
        http_status=outcome.status,
        detail=outcome.detail,
        next_step=next_step,
        status=waited.status,
        last_synced_at=schema.last_synced_at if schema is not None else None,
        latest_error=schema.latest_error if schema is not None else None,
        rows=table.row_count if table is not None else None,
        **_wait_fields(waited),
    )


def _fix_for(schema: ExternalDataSchema | None) -> str:
    error = schema.latest_error if schema is not None else None
    source = schema.source.source_type if schema is not None and schema.source is not None else None
    cause = diagnose(error, source)
    if cause is None:
        return f"Fix what the error says, then reload; {ToolName.LOGS} shows the whole run."
    return f"{cause.summary}: {cause.fix}"


def waited_headline(name: str, waited: Waited) -> str:
    if waited.still_running:
        return (
            f"{name}: still Running after {waited.waited_seconds:g} s ({waited.polls} polls); "
            f"poll again in {waited.next_poll_after_seconds} s."
        )
    return f"{name}: {waited.status or 'no status'} after {waited.waited_seconds:g} s ({waited.polls} polls)."


def _error_lines(content: dict[str, Any]) -> tuple[dict[str, Any], str]:
    logs: list[str] = content.get("error_logs", [])
    slim = {key: value for key, value in content.items() if key != "error_logs"}
    lines = "".join(f"\n  {fence(line, len(line) + 1)}" for line in logs)
    return slim, f"\nERROR log lines, newest first:{lines}" if logs else ""


def sync_run_text(content: dict[str, Any]) -> str:
    slim, logs = _error_lines(content)
    return results.json_text(slim) + logs


def waited_schema_text(content: dict[str, Any]) -> str:
    slim, logs = _error_lines(content)
    return results.schema_text(slim) + logs
