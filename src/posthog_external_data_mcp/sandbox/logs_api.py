"""The ``logs`` action: ``LogEntryRequestSerializer``'s parameters, ``fetch_log_entries``' query, DRF's paginator.

PostHog's query applies ``LIMIT <limit>`` (default 50) newest first, and only then does the global
LimitOffsetPagination run over that short list with the same ``limit`` (default 100) and ``offset``: so
``count`` never exceeds the limit, ``next`` is always null, and an offset only slices what came back. Page
back in time with ``before=<oldest timestamp seen>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .clock import format_datetime
from .errors import validation_error
from .fields import FieldError, integer
from .listing import page_from_query, paginate
from .models import LogEntry

LOG_LIMIT_DEFAULT = 50
LOG_LIMIT_MAX = 500
DATETIME_FORMAT_HINT = "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]"
# Django's parse_datetime fallback, for what datetime.fromisoformat refuses.
_DATETIME_RE = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"
    r"[T ](?P<hour>\d{1,2}):(?P<minute>\d{1,2})"
    r"(?::(?P<second>\d{1,2})(?:[.,](?P<microsecond>\d{1,6})\d{0,6})?)?"
    r"\s*(?P<tzinfo>Z|[+-]\d{2}(?::?\d{2})?)?$"
)


@dataclass(frozen=True)
class LogQuery:
    limit: int
    after: datetime | None
    before: datetime | None
    levels: list[str]
    search: str | None
    instance_id: str | None


def parse_log_query(query: dict[str, str]) -> LogQuery:
    """Validate the query string in the serializer's field order; the first error is a 400 envelope."""
    values = {name: _present(query, name) for name in ("limit", "after", "before", "level", "search", "instance_id")}
    limit = LOG_LIMIT_DEFAULT
    if values["limit"] is not None:
        try:
            limit = integer(values["limit"], min_value=1, max_value=LOG_LIMIT_MAX)
        except FieldError as error:
            raise validation_error(error.message, attr="limit", code=error.code) from None
    after = _datetime_param("after", values["after"])
    before = _datetime_param("before", values["before"])
    level = values["level"]
    # Split on commas without trimming the parts, each upper-cased: " error" matches nothing.
    levels = [part.upper() for part in level.split(",")] if level else []
    return LogQuery(limit, after, before, levels, values["search"], values["instance_id"])


def fetch_log_entries(entries: list[LogEntry], query: LogQuery) -> list[LogEntry]:
    """The ClickHouse query: filters, ``ORDER BY timestamp DESC LIMIT limit``."""
    matcher = _ilike(query.search) if query.search else None
    found = [
        entry
        for entry in entries
        if (not query.instance_id or entry.instance_id == query.instance_id)
        and (query.after is None or entry.timestamp > query.after)
        and (query.before is None or entry.timestamp < query.before)
        and (matcher is None or matcher.search(entry.message))
        and (not query.levels or entry.level.upper() in query.levels)
    ]
    found.sort(key=lambda entry: entry.timestamp, reverse=True)
    return found[: query.limit]


def logs_page(entries: list[LogEntry], query_string: dict[str, str], absolute_url: str) -> dict[str, Any]:
    query = parse_log_query(query_string)
    rows = [serialize_log_entry(entry) for entry in fetch_log_entries(entries, query)]
    return paginate(rows, page_from_query(query_string), absolute_url)


def serialize_log_entry(entry: LogEntry) -> dict[str, Any]:
    return {
        "log_source_id": entry.log_source_id,
        "instance_id": entry.instance_id,
        "timestamp": format_datetime(entry.timestamp),
        "level": entry.level.upper(),
        "message": entry.message,
    }


def _present(query: dict[str, str], name: str) -> str | None:
    # DRF reads a blank query value of an optional field as absent; CharFields trim whitespace.
    raw = query.get(name)
    if raw is None:
        return None
    value = raw.strip() if name in ("level", "search", "instance_id") else raw
    return value or None


def _datetime_param(name: str, raw: str | None) -> datetime | None:
    if raw is None:
        return None
    parsed = _parse_datetime(raw)
    if parsed is None:
        raise validation_error(
            f"Datetime has wrong format. Use one of these formats instead: {DATETIME_FORMAT_HINT}.", attr=name
        )
    # Naive datetimes are in the default time zone, UTC.
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _parse_datetime(raw: str) -> datetime | None:
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        pass
    match = _DATETIME_RE.match(raw)
    if match is None:
        return None
    parts = match.groupdict()
    zone = parts.pop("tzinfo")
    micro = (parts.pop("microsecond") or "0").ljust(6, "0")
    numbers = {key: int(value) for key, value in parts.items() if value is not None}
    try:
        parsed = datetime(**numbers, microsecond=int(micro))  # pyright: ignore[reportArgumentType]
        if zone:
            return datetime.fromisoformat(parsed.isoformat() + ("+00:00" if zone == "Z" else _offset(zone)))
        return parsed
    except ValueError:
        return None


def _offset(zone: str) -> str:
    digits = zone[1:].replace(":", "")
    return f"{zone[0]}{digits[:2]}:{digits[2:4] or '00'}"


def _ilike(search: str) -> re.Pattern[str]:
    """``message ILIKE '%search%'``: ``%`` and ``_`` stay wildcards (PostHog does not escape them)."""
    pattern = "".join(".*" if char == "%" else "." if char == "_" else re.escape(char) for char in search)
    return re.compile(pattern, re.IGNORECASE | re.DOTALL)
