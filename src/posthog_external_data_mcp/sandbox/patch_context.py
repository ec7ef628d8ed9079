"""The state one PATCH works on, shared by every rule of :mod:`.patch_rules`, and the helpers rules share."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import validation_error
from .models import CDC_TABLE_MODES, DiscoveredTable, Schema, Source, SourceKind, Team
from .patch_effects import SideEffects
from .store import SandboxState

PK_CHANGE_MESSAGE = "Primary key cannot be changed after data has been synced. Delete the synced data first, then change the primary key."
_CDC_WRITE_TARGETS = {
    "consolidated": {"consolidated"},
    "cdc_only": {"cdc_history"},
    "both": {"consolidated", "cdc_history"},
}


def cdc_table_mode_needs_resnapshot(old_mode: str | None, new_mode: Any) -> bool:
    """True when the new mode adds a physical write target."""
    if old_mode == new_mode:
        return False
    old_targets = _CDC_WRITE_TARGETS.get(old_mode or "", set())
    new_targets = _CDC_WRITE_TARGETS.get(new_mode if isinstance(new_mode, str) else "", set())
    return bool(new_targets - old_targets)


@dataclass
class PatchContext:
    """One PATCH in flight: the body, its validated fields, the schema copy and what the save will trigger."""

    state: SandboxState
    instance: Schema
    data: Mapping[str, Any]
    """The raw body: PostHog's ``update()`` reads ``self.initial_data`` for most decisions."""
    validated: dict[str, Any]
    source: Source
    kind: SourceKind | None
    team: Team
    previous_cdc_table_mode: str
    sync_frequency: Any
    """The body's frequency, possibly clamped by rule 18."""
    effects: SideEffects = field(default_factory=SideEffects)

    @property
    def payload(self) -> dict[str, Any]:
        """``sync_type_config`` of the copy."""
        return self.instance.sync_type_config

    @property
    def sync_type(self) -> Any:
        return self.data.get("sync_type")

    @property
    def resulting_sync_type(self) -> str | None:
        return self.sync_type if "sync_type" in self.data else self.instance.sync_type

    @property
    def should_sync(self) -> bool | None:
        return self.validated.get("should_sync")

    @property
    def enabled_columns(self) -> list[str] | None:
        return self.validated.get("enabled_columns")

    @property
    def enabled_columns_changed(self) -> bool:
        return (
            "enabled_columns" in self.validated and self.validated["enabled_columns"] != self.instance.enabled_columns
        )

    def discovered(self) -> DiscoveredTable | None:
        """The live-discovery record of the table, or None when discovery can't run or find it."""
        if not self.source.job_inputs or self.kind is None:
            return None
        discovered = self.source.discovery.get(self.instance.name)
        if discovered is None or discovered.discovery_error is not None:
            return None
        return discovered


def apply_cdc_table_mode(ctx: PatchContext) -> None:
    mode = ctx.data.get("cdc_table_mode")
    if mode in CDC_TABLE_MODES:
        ctx.payload["cdc_table_mode"] = mode


def apply_primary_key_columns(ctx: PatchContext, label: str) -> None:
    new_pk = ctx.data.get("primary_key_columns")
    if new_pk:
        if new_pk != ctx.payload.get("primary_key_columns") and ctx.instance.table is not None:
            raise validation_error(PK_CHANGE_MESSAGE)
        ctx.payload["primary_key_columns"] = new_pk
    elif not ctx.payload.get("primary_key_columns"):
        raise validation_error(
            f"{label} requires a primary key on table '{ctx.instance.name}'. "
            "Provide primary_key_columns or refresh schema discovery to pick one up."
        )


def simulated_max_value(instance: Schema, field_type: Any) -> Any:
    """Stands in for ``table.get_max_value_for_column``: the sandbox keeps no rows, only counts and times."""
    if field_type in ("integer", "numeric") and instance.table is not None:
        return instance.table.row_count
    return instance.last_synced_at.isoformat() if instance.last_synced_at else None


def metadata_columns(instance: Schema) -> list[dict[str, Any]]:
    metadata = instance.schema_metadata
    if not isinstance(metadata, dict):
        return []
    columns = metadata.get("columns")
    if not isinstance(columns, list):
        return []
    return [column for column in columns if isinstance(column, dict)]  # pyright: ignore[reportUnknownVariableType]
