"""What partial-update returns, sent or previewed: the config as it now reads (or would), each change as
before → after, the effects PostHog attaches to it, and warnings."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ..posthog_client import ExternalDataSchema
from . import results
from .change_impact import Impact

_LINE_KEYS = ("changes", "effects", "warnings")


class UpdateResult(results.SchemaConfig):
    dry_run: bool | None = None  # true: nothing was sent
    changes: list[str] | None = None
    effects: list[str] | None = None
    warnings: list[str] | None = None


class UpdateShape(BaseModel):
    """What the output schema declares (the result carries the whole config besides: the schema is open)."""

    id: str
    name: str
    status: str | None = None
    should_sync: bool
    sync_type: str | None = None
    dry_run: bool | None = None
    changes: list[str] | None = None
    effects: list[str] | None = None
    warnings: list[str] | None = None


def update_result(config: dict[str, Any] | ExternalDataSchema, impact: Impact, *, dry_run: bool) -> UpdateResult:
    fields = config.model_dump() if isinstance(config, ExternalDataSchema) else config
    return UpdateResult.model_validate(
        {
            **{name: fields.get(name) for name in results.SchemaConfig.model_fields},
            "dry_run": True if dry_run else None,
            "changes": list(impact.changes) or None,
            "effects": list(impact.effects) or None,
            "warnings": list(impact.warnings) or None,
        }
    )


def update_text(content: dict[str, Any]) -> str:
    config = {key: value for key, value in content.items() if key not in _LINE_KEYS}
    lines = [results.json_text(config)]
    for key in _LINE_KEYS:
        lines.extend(f"{key[:-1]}: {line}" for line in content.get(key, []))
    return "\n".join(lines)


def update_headline(name: str, impact: Impact, *, dry_run: bool) -> str:
    reimport = any(line.startswith("Full re-import") or line.startswith("CDC re-snapshot") for line in impact.effects)
    cost = " It can re-import the table." if reimport else ""
    flagged = f" {len(impact.warnings)} warning(s)." if impact.warnings else ""
    if dry_run:
        return f"Dry run for '{name}': nothing was sent; the update would read as below.{cost}{flagged}"
    return f"Updated schema '{name}'.{cost}{flagged}"
