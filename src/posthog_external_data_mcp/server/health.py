"""The warehouse health audit as a pure function: every schema (and source) in, what needs attention out,
grouped, each group with its one next step.

Rules, each schema in the first group that claims it:
- failed: status Failed, or syncing off with an error left (PostHog switches a schema off after an error
  retrying would not fix); split by the classified cause (diagnosis.py).
- billing_limited: enabled, status "Billing limits" / "Billing limits too low".
- running_long: Running although the last success is older than max(3 × interval, 2 h).
- stalled: not Running and no run for max(3 × interval, 2 h) — PostHog's stalled-schedule rule
  (PostHog/posthog `products/warehouse_sources/backend/stalled_schedules.py` @1e3c393b). The API shows no jobs,
  so "no run" is read from `last_synced_at`: it moves only on success, and a Completed status says the newest
  run succeeded, so it is when the newest run ended. (PostHog's sweep also counts `last_full_run_at`, which the
  API does not expose.)
- stale: the last success is older than twice the interval, strictly — PostHog's rule
  (`products/data_warehouse/backend/sync_status.py` @05a2100a).
- never_synced: enabled, not Running, never synced.
Not problems: schemas switched off by choice (no error), Paused, or not scheduled (`never`) are "paused".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict

from ..posthog_client import Source
from ..posthog_client.models import SchemaListItem
from . import untrusted
from .diagnosis import Cause, diagnose
from .tool_names import ToolName

Problem = Literal["failed", "billing_limited", "running_long", "stalled", "stale", "never_synced", "source_error"]

# What a report shows of each group: a few examples (the counts are always complete), or one group in full.
ITEMS_PER_GROUP = 3
ITEMS_PER_REPORT = 15
ITEMS_IN_FOCUS = 100
_ERROR_CHARS = 150
_BILLING = frozenset({"Billing limits", "Billing limits too low"})
_INTERVALS = {
    "1min": timedelta(minutes=1),
    "5min": timedelta(minutes=5),
    "15min": timedelta(minutes=15),
    "30min": timedelta(minutes=30),
    "1hour": timedelta(hours=1),
    "6hour": timedelta(hours=6),
    "12hour": timedelta(hours=12),
    "24hour": timedelta(days=1),
    "7day": timedelta(days=7),
    "30day": timedelta(days=30),
}
_STALL_FLOOR = timedelta(hours=2)

_NEXT_STEPS: dict[Problem, str] = {
    "billing_limited": "Raise the data warehouse billing limit in PostHog (Billing); syncs resume on schedule.",
    "running_long": f"Read this run's logs ({ToolName.LOGS}); if it is stuck, {ToolName.CANCEL} then {ToolName.RELOAD}.",
    "stalled": f"Its schedule stopped (PostHog issue #82900): {ToolName.RELOAD} syncs now and restarts it.",
    "stale": f"Check recent runs with {ToolName.LOGS}; {ToolName.RELOAD} syncs now.",
    "never_synced": f"Start the first sync with {ToolName.RELOAD}.",
    "source_error": f"Open the source in PostHog (Data pipeline → Sources) and fix or reconnect it; {ToolName.LOGS} "
    "of its tables say more.",
}
_ORDER: tuple[Problem, ...] = (
    "failed",
    "source_error",
    "billing_limited",
    "running_long",
    "stalled",
    "stale",
    "never_synced",
)
_UNCLASSIFIED_STEP = f"Read the error and the run's ERROR lines with {ToolName.LOGS} (level=ERROR)."


class HealthItem(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    source: str | None = None  # the source type, e.g. Stripe
    sync_frequency: str | None = None  # for the groups judged by it
    last_synced_at: str | None = None  # the last success
    syncing_off: bool | None = None  # failed only: true when should_sync is false
    error: str | None = None  # failed only, when it differs from the group's error


class HealthGroup(BaseModel):
    model_config = ConfigDict(frozen=True)

    problem: Problem
    cause: str | None = None  # failed: the classified cause kind, or "unclassified"
    summary: str | None = None
    count: int
    syncing_off: int | None = None  # failed: how many have syncing switched off
    error: str | None = None  # failed: the first one's error, cleaned and cut
    next_step: str
    items: list[HealthItem]  # the first few; all (up to ITEMS_IN_FOCUS) when this group was asked for


class HealthReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    checked_at: str
    schemas: int
    healthy: int
    paused: int
    needs_attention: int
    total: int | None = None  # set when fewer schemas were read than the project has
    groups: list[HealthGroup]


@dataclass(frozen=True)
class _Finding:
    problem: Problem
    cause: Cause | None = None


def audit(
    schemas: Sequence[SchemaListItem],
    sources: Sequence[Source],
    now: datetime,
    *,
    total: int | None = None,
    focus: Problem | None = None,
) -> HealthReport:
    """The report; `focus` lists that one problem's tables (up to ITEMS_IN_FOCUS) and only its groups."""
    source_of = {schema.id: source.source_type for source in sources for schema in source.schemas}
    grouped: dict[tuple[Problem, str | None], list[tuple[SchemaListItem, Cause | None]]] = {}
    healthy = paused = 0
    for schema in schemas:
        finding = _classify(schema, source_of.get(schema.id), now)
        if isinstance(finding, _Finding):
            key = (finding.problem, None if finding.cause is None else finding.cause.fix)
            grouped.setdefault(key, []).append((schema, finding.cause))
        elif finding == "healthy":
            healthy += 1
        else:
            paused += 1
    found: list[tuple[Problem, list[tuple[SchemaListItem, Cause | None]]]] = [
        (problem, members) for (problem, _), members in grouped.items()
    ]
    errored = [source for source in sources if source.status == "Error"]
    needs_attention = sum(len(members) for _, members in found)
    found.sort(key=lambda group: (_ORDER.index(group[0]), -len(group[1])))
    if focus is not None:
        found = [group for group in found if group[0] == focus]
    shown = _allot([len(members) for _, members in found], focus is not None)
    groups = [
        _schema_group(problem, members, source_of, count)
        for (problem, members), count in zip(found, shown, strict=True)
    ]
    if errored and focus in (None, "source_error"):
        groups.append(_source_group(errored, ITEMS_IN_FOCUS if focus else ITEMS_PER_GROUP))
    groups.sort(key=lambda group: _ORDER.index(group.problem))  # stable: bigger groups first within a problem
    return HealthReport(
        checked_at=now.isoformat().replace("+00:00", "Z"),
        schemas=len(schemas),
        healthy=healthy,
        paused=paused,
        needs_attention=needs_attention,
        total=total if total is not None and total != len(schemas) else None,
        groups=groups,
    )


def _allot(sizes: list[int], focused: bool) -> list[int]:
    """How many examples each group shows: round by round one more each, so every group shows some."""
    shown = [0] * len(sizes)
    budget = ITEMS_IN_FOCUS if focused else ITEMS_PER_REPORT
    ceiling = ITEMS_IN_FOCUS if focused else ITEMS_PER_GROUP
    for _ in range(ceiling):
        for index, size in enumerate(sizes):
            if budget and shown[index] < size:
                shown[index] += 1
                budget -= 1
    return shown


def _classify(
    schema: SchemaListItem, source_type: str | None, now: datetime
) -> _Finding | Literal["healthy", "paused"]:
    enabled = schema.should_sync
    if schema.status == "Failed" or (not enabled and schema.latest_error and schema.status not in _BILLING):
        return _Finding("failed", diagnose(schema.latest_error, source_type))
    if not enabled or schema.status == "Paused":
        return "paused"
    if schema.status in _BILLING:
        return _Finding("billing_limited")
    last_success = _parse_time(schema.last_synced_at)
    interval = _INTERVALS.get(schema.sync_frequency or "")
    if last_success is None:
        return "healthy" if schema.status == "Running" else _Finding("never_synced")
    if interval is None:
        return "paused"  # enabled but not scheduled (`never`): it syncs only when asked to
    since = now - last_success
    if since > max(3 * interval, _STALL_FLOOR):
        return _Finding("running_long" if schema.status == "Running" else "stalled")
    if since > 2 * interval:
        return _Finding("stale")
    return "healthy"


def _schema_group(
    problem: Problem, members: list[tuple[SchemaListItem, Cause | None]], source_of: dict[str, str], shown: int
) -> HealthGroup:
    cause = members[0][1]
    members.sort(key=lambda member: (member[0].last_synced_at or "", member[0].name))  # oldest success first
    if problem != "failed":
        items = [_item(schema, source_of.get(schema.id), problem, None) for schema, _ in members[:shown]]
        return HealthGroup(problem=problem, count=len(members), next_step=_NEXT_STEPS[problem], items=items)
    members.sort(key=lambda member: member[0].should_sync)  # those PostHog switched off first
    sample = _error(members[0][0].latest_error)
    off = sum(1 for schema, _ in members if not schema.should_sync)
    return HealthGroup(
        problem=problem,
        cause=cause.kind if cause else "unclassified",
        summary=cause.summary if cause else None,
        count=len(members),
        syncing_off=off or None,
        error=sample,
        next_step=_failed_step(cause, off),
        items=[_item(schema, source_of.get(schema.id), problem, sample) for schema, _ in members[:shown]],
    )


def _failed_step(cause: Cause | None, off: int) -> str:
    step = cause.fix if cause else _UNCLASSIFIED_STEP
    if off:
        return f"{step} Then set should_sync=true ({ToolName.PARTIAL_UPDATE})."
    return step if ToolName.RELOAD in step else f"{step} Then {ToolName.RELOAD}."


_BY_INTERVAL: frozenset[Problem] = frozenset({"running_long", "stalled", "stale"})


def _item(schema: SchemaListItem, source_type: str | None, problem: Problem, sample: str | None) -> HealthItem:
    failed = problem == "failed"
    error = _error(schema.latest_error) if failed else None
    return HealthItem(
        id=schema.id,
        name=untrusted.clean(schema.name, 120),
        source=source_type,
        sync_frequency=schema.sync_frequency if problem in _BY_INTERVAL else None,
        last_synced_at=schema.last_synced_at,
        syncing_off=(not schema.should_sync) or None if failed else None,
        error=error if error != sample else None,
    )


def _source_group(sources: list[Source], shown: int) -> HealthGroup:
    items = [
        HealthItem(
            id=source.id,
            name=untrusted.clean(source.prefix or source.source_type, 120),
            source=source.source_type,
            error=_error(source.latest_error),
        )
        for source in sources[:shown]
    ]
    return HealthGroup(problem="source_error", count=len(sources), next_step=_NEXT_STEPS["source_error"], items=items)


def _error(text: str | None) -> str | None:
    return untrusted.clean(text, _ERROR_CHARS) if text else None


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)  # DRF: naive means UTC
