"""The row of the sync-logs tool: a schema's sync log lines, newest first, one compact line each.

PostHog applies `limit` inside its log query, so its `next` is always null (the schema's `logs` action): older lines are
reached with `before` = the oldest timestamp shown, which every result states.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from ...posthog_client import LogEntry, Scope
from .. import untrusted
from ..read_arguments import LogsArguments
from ..tool_names import ToolName
from .rows import Output, ToolCall, ToolRow

_MESSAGE_CHARS = 300
_MESSAGE_CHARS_LONG_PAGE = 160  # for pages of more than 100 lines
# Both blocks of a result together stay below the ~25,000-token cap of some clients: when a page's lines
# would not fit, the oldest are left out (and paging goes on from the oldest line shown).
_RESULT_CHARS = 50_000
_RUN_CHARS = 8  # a run shown by the end of its id: time-ordered UUIDs of one day share their start
_RUNS_LISTED = 5


class LogLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    timestamp: str
    level: str
    run: str | None = None  # the sync run (instance_id)
    message: str


class LogsResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    count: int
    next_before: str | None = None  # set when older lines may exist: pass it as `before`
    results: list[LogLine]


def _as_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _weight(text: str) -> int:
    """Characters as the result budget counts them: a non-ASCII one may cost a token or more by itself."""
    return len(text) + 2 * sum(1 for char in text if ord(char) > 127)


def _lines(entries: list[LogEntry]) -> list[LogLine]:
    """Newest first, as PostHog sorts them; messages cleaned and cut; the oldest left out beyond the budget."""
    lines: list[LogLine] = []
    spent = 0
    cut = _MESSAGE_CHARS if len(entries) <= 100 else _MESSAGE_CHARS_LONG_PAGE
    for entry in entries:
        line = LogLine(
            timestamp=untrusted.clean(entry.timestamp, 40),
            level=untrusted.clean(entry.level, 20),
            run=untrusted.clean(entry.instance_id, 100) if entry.instance_id else None,
            message=untrusted.clean(entry.message, cut),
        )
        # Each line appears twice (structured and text), with ~100 characters of keys and quoting.
        spent += 2 * (_weight(line.message) + len(line.timestamp) + len(line.run or "")) + 100
        if spent > _RESULT_CHARS:
            break
        lines.append(line)
    return lines


async def _logs(call: ToolCall, args: LogsArguments) -> Output:
    page = await call.client.schema_logs(
        args.id,
        level=",".join(args.levels()),
        limit=args.limit,
        search=args.search or None,
        before=None if args.before is None else _as_iso(args.before),
        after=None if args.after is None else _as_iso(args.after),
        instance_id=args.instance_id,
        project_id=args.project_id,
    )
    lines = _lines(page.results)
    # A full page (or one cut to fit) may have older lines behind it; a short page is the end.
    more = bool(lines) and (len(page.results) >= args.limit or len(lines) < len(page.results))
    result = LogsResult(count=len(lines), next_before=lines[-1].timestamp if more else None, results=lines)
    at = "" if args.level == "DEBUG" else f" at {args.level} or above"
    if not lines:
        headline = f"No log lines{at} match. Logs exist only for syncs that ran; DEBUG shows the most."
    else:
        cut = (
            f" (the {len(page.results) - len(lines)} oldest left out to fit)" if len(lines) < len(page.results) else ""
        )
        headline = f"{len(lines)} sync log lines{at}, newest first{cut}."
    return Output(headline, result, logs_text)


def logs_text(content: dict[str, Any]) -> str:
    rows: list[str] = []
    runs: list[str] = []
    for line in content["results"]:
        run = line.get("run")
        if run and run not in runs:
            runs.append(run)
        short = f"…{run[-_RUN_CHARS:]}" if run else "-"
        rows.append(f"{line['timestamp']} {line['level']} {short} {untrusted.fence(line['message'], _MESSAGE_CHARS)}")
    if runs:
        listed = ", ".join(runs[:_RUNS_LISTED]) + (
            f" and {len(runs) - _RUNS_LISTED} more" if len(runs) > _RUNS_LISTED else ""
        )
        rows.append(f"Runs (instance_id): {listed}.")
    if "next_before" in content:
        rows.append(f"Older lines: call again with before={content['next_before']}.")
    elif content["results"]:
        rows.append("No older lines match.")
    return "\n".join(rows)


LOGS = ToolRow(
    name=ToolName.LOGS,
    title="Read a table's sync logs",
    description="Read one warehouse table's sync logs (import runs), newest first: why a sync failed, what it did.",
    scope=Scope.READ,
    read_only=True,
    destructive=False,
    idempotent=True,
    arguments=LogsArguments,
    output=LogsResult,
    run=_logs,
)
