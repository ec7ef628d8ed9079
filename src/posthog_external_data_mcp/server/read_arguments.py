"""What the warehouse-wide read tools accept (logs, sources, health): strict like every argument model.

Their optional filters are typed plain in the input schema (`"type": "string"`, no `null` branch): an explicit
`null` is still accepted and means the same as leaving the filter out, so the schema need not spend tokens on it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal, Self, get_args

from pydantic import BeforeValidator, Field, WithJsonSchema, model_validator

from .arguments import SchemaArguments, ToolArguments
from .health import Problem

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
LOG_LEVELS: tuple[LogLevel, ...] = ("DEBUG", "INFO", "WARNING", "ERROR")  # lowest first

Text = Annotated[str | None, WithJsonSchema({"type": "string"})]


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


def _iso_time(value: Any) -> Any:
    if value is None or isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None:
            raise ValueError("must be an ISO 8601 time such as 2026-11-27T10:00:00Z")
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)  # PostHog reads a naive time as UTC


IsoTime = Annotated[datetime | None, BeforeValidator(_iso_time), WithJsonSchema({"type": "string"})]


class LogsArguments(SchemaArguments):
    level: Annotated[LogLevel, BeforeValidator(_upper)] = Field(default="INFO", description="Minimum level.")
    search: Text = Field(default=None, max_length=200, description="Text in the message.")
    limit: int = Field(default=50, ge=1, le=500, description="Lines, 1-500 (default 50).")
    before: IsoTime = Field(default=None, description="ISO time: older lines only (next_before pages back).")
    after: IsoTime = Field(default=None, description="ISO time: newer lines only.")
    instance_id: Text = Field(default=None, max_length=200, pattern=r"^[\w.:-]+$", description="One sync run.")

    @model_validator(mode="after")
    def _window_not_empty(self) -> Self:
        if self.before is not None and self.after is not None and self.after >= self.before:
            raise ValueError("after must be earlier than before")
        return self

    def levels(self) -> tuple[LogLevel, ...]:
        """PostHog filters on a list of levels: the minimum and every level above it."""
        return LOG_LEVELS[LOG_LEVELS.index(self.level) :]


class SourcesArguments(ToolArguments):
    limit: int = Field(default=10, ge=1, le=100, description="Sources per page, 1-100 (default 10).")
    offset: int = Field(default=0, ge=0, description="next_offset of the previous page.")
    search: Text = Field(default=None, max_length=200, description="Source type (Stripe) or table prefix.")


class HealthArguments(ToolArguments):
    problem: Annotated[Problem | None, WithJsonSchema({"type": "string", "enum": list(get_args(Problem))})] = Field(
        default=None, description="List this group's tables (up to 100)."
    )
