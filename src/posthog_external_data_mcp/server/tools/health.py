"""The row of the health audit: reads every schema and source of the project in a bounded number of requests,
then reports what needs attention (see health.py for the rules).

Requests: the sources list (source type per schema, source status) beside the schema list walked in pages of
`SCHEMA_PAGE`; after the first page the rest are fetched a few at a time. 1,000 schemas cost 6 requests.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import anyio

from ...posthog_client import PostHogClient, ProjectRef, Scope, Source
from ...posthog_client.models import SchemaListItem
from .. import untrusted
from ..health import HealthReport, audit
from ..read_arguments import HealthArguments
from ..tool_names import ToolName
from .rows import Output, ReportProgress, ToolCall, ToolRow

# PostHog's list has no maximum page size (DRF LimitOffsetPagination without max_limit); 200 keeps each
# answer moderate and 1,000 schemas within 5 requests.
SCHEMA_PAGE = 200
MAX_SCHEMA_PAGES = 25  # 5,000 schemas; beyond, the report says how many it did not read
SOURCE_PAGE = 100
MAX_SOURCE_PAGES = 5
_CONCURRENT_PAGES = 4

_T = TypeVar("_T")


async def _both(first: Callable[[], Awaitable[Any]], second: Callable[[], Awaitable[_T]]) -> tuple[Any, _T]:
    """Run two reads at once; a failure is raised as itself (not as an exception group) once both are done."""
    done: dict[int, Any] = {}
    failures: list[Exception] = []

    async def run(index: int, read: Callable[[], Awaitable[Any]]) -> None:
        try:
            done[index] = await read()
        except Exception as exc:  # re-raised below as itself
            failures.append(exc)

    async with anyio.create_task_group() as group:
        group.start_soon(run, 0, first)
        group.start_soon(run, 1, second)
    if failures:
        raise failures[0]
    return done[0], done[1]


async def _schemas(
    client: PostHogClient, project_id: ProjectRef | None, progress: ReportProgress
) -> tuple[list[SchemaListItem], int]:
    first = await client.list_schemas(limit=SCHEMA_PAGE, offset=0, project_id=project_id)
    offsets = list(range(SCHEMA_PAGE, min(first.count, SCHEMA_PAGE * MAX_SCHEMA_PAGES), SCHEMA_PAGE))
    pages: dict[int, list[SchemaListItem]] = {0: first.results}
    total_pages = len(offsets) + 1
    await progress(1, total_pages, f"read {len(first.results)} of {first.count} schemas")
    limiter = anyio.CapacityLimiter(_CONCURRENT_PAGES)
    failures: list[Exception] = []

    async def fetch(offset: int) -> None:
        async with limiter:
            if failures:
                return
            try:
                page = await client.list_schemas(limit=SCHEMA_PAGE, offset=offset, project_id=project_id)
            except Exception as exc:  # re-raised below as itself
                failures.append(exc)
                return
        pages[offset] = page.results
        read = sum(len(items) for items in pages.values())
        await progress(len(pages), total_pages, f"read {read} of {first.count} schemas")

    async with anyio.create_task_group() as group:
        for offset in offsets:
            group.start_soon(fetch, offset)
    if failures:
        raise failures[0]
    unique: dict[str, SchemaListItem] = {}
    for offset in sorted(pages):
        for item in pages[offset]:
            unique.setdefault(item.id, item)  # rows can shift between pages while they are read
    return list(unique.values()), first.count


async def _sources(client: PostHogClient, project_id: ProjectRef | None) -> list[Source]:
    sources: list[Source] = []
    for index in range(MAX_SOURCE_PAGES):
        page = await client.list_sources(limit=SOURCE_PAGE, offset=index * SOURCE_PAGE, project_id=project_id)
        sources.extend(page.results)
        if page.next is None:
            break
    return sources


async def _health(call: ToolCall, args: HealthArguments) -> Output:
    sources, (schemas, total) = await _both(
        lambda: _sources(call.client, args.project_id),
        lambda: _schemas(call.client, args.project_id, call.report_progress),
    )
    report = audit(schemas, sources, datetime.now(UTC), total=total, focus=args.problem)
    requests = len(call.client.exchanges)
    headline = (
        f"Warehouse health of {report.schemas} tables in {len(sources)} sources ({requests} requests): "
        f"{report.healthy} healthy, {report.paused} paused or unscheduled, {report.needs_attention} need attention."
    )
    if report.total is not None:
        headline += f" Only the first {report.schemas} of {report.total} schemas were read."
    return Output(headline, report, health_text)


_TITLES = {
    "failed": "Failed",
    "source_error": "Sources in error",
    "billing_limited": "Billing limit reached",
    "running_long": "Running far longer than usual (no success for 3 intervals, min 2 h)",
    "stalled": "Stalled: no run for 3 intervals, min 2 h (Completed: the last success was the last run)",
    "stale": "Stale: last success older than twice the interval",
    "never_synced": "Enabled but never synced",
}


def health_text(content: dict[str, Any]) -> str:
    now = _parse(content["checked_at"])
    lines: list[str] = []
    for group in content["groups"]:
        title = _TITLES[group["problem"]]
        if group["problem"] == "failed":
            title += f" — {group.get('summary', 'cause not recognised')}"
        off = f", syncing off for {group['syncing_off']}" if "syncing_off" in group else ""
        lines.append(f"{title} ({group['count']}{off}). Next: {group['next_step']}")
        if "error" in group:
            lines.append(f"  error: {untrusted.fence(group['error'])}")
        lines.extend(_item_line(item, now) for item in group["items"])
        if group["count"] > len(group["items"]):
            lines.append(f"  …and {group['count'] - len(group['items'])} more (problem={group['problem']} lists them)")
    if not lines:
        lines.append("Nothing needs attention.")
    return "\n".join(lines)


def _item_line(item: dict[str, Any], now: datetime | None) -> str:
    parts = [f"- {untrusted.fence(item['name'])} id={item['id']}"]
    if "source" in item:
        parts.append(item["source"])
    if "sync_frequency" in item:
        parts.append(f"every {item['sync_frequency']}")
    if "last_synced_at" in item:
        parts.append(f"last success {_ago(item['last_synced_at'], now)}")
    if item.get("syncing_off"):
        parts.append("syncing off")
    line = ", ".join(parts)
    if "error" in item:
        line += f"; error {untrusted.fence(item['error'])}"
    return line


def _ago(value: str, now: datetime | None) -> str:
    moment = _parse(value)
    if moment is None or now is None:
        return value
    seconds = max(0, int((now - moment) / timedelta(seconds=1)))
    for unit, size in (("d", 86_400), ("h", 3_600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return "just now"


def _parse(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


HEALTH = ToolRow(
    name=ToolName.HEALTH,
    title="Audit data warehouse sync health",
    description=(
        "Audit all warehouse table syncs in one call: failed (cause, fix), billing-limited, stale, stalled, never "
        "synced, running long; each group with its next step."
    ),
    scope=Scope.READ,
    read_only=True,
    destructive=False,
    idempotent=True,
    arguments=HealthArguments,
    output=HealthReport,
    run=_health,
)
