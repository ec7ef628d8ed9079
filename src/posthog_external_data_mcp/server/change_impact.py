"""What a partial update will do, said before (dry run) or with (real update) the PATCH: pure rules, no I/O.

The rules are PostHog's own, read from the serializer's `update()` and `sync.py` of
`products/warehouse_sources/backend/presentation/views/external_data_schema/` (serializers @25424d52, sync
@58465fd3) and the import pipeline's reset handling (`…/data_imports/pipelines/common/extract.py` @0170783a).
Each effect line starts with what kind of effect it is; warnings point at a likely mistake or a refusal to come.
Nothing here blocks a change: the agent is informed and PostHog decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..posthog_client import ExternalDataSchema, IncrementalFields, SchemaUpdate
from .diagnosis import diagnose
from .untrusted import clean

CURSOR_TYPES = frozenset({"incremental", "append"})
# Fields whose effect depends on the stored config: a real update reads the schema first only for these.
_NEEDS_STORED = frozenset({"sync_type", "incremental_field", "primary_key_columns", "cdc_table_mode", "api_version"})
# Fields whose check needs the table's live candidates (incremental-fields): only a dry run fetches them.
_NEEDS_CANDIDATES = frozenset({"sync_type", "incremental_field", "primary_key_columns"})
_CDC_TARGETS = {"consolidated": {"consolidated"}, "cdc_only": {"cdc_history"}, "both": {"consolidated", "cdc_history"}}
_AVAILABILITY = {
    "full_refresh": "full_refresh_available",
    "incremental": "incremental_available",
    "append": "append_available",
    "cdc": "cdc_available",
    "xmin": "xmin_available",
    "webhook": "supports_webhooks",
}
_HOURS = {"5min": 1 / 12, "15min": 0.25, "30min": 0.5, "1hour": 1, "6hour": 6, "12hour": 12}

FULL_REIMPORT = "Full re-import"
CANCELS = "Cancels the running sync"
RESNAPSHOT = "CDC re-snapshot"
AT_ONCE = "At once"
NEXT_RUN = "From the next run"
SCHEDULE = "Schedule"


@dataclass(frozen=True)
class Impact:
    changes: tuple[str, ...]
    effects: tuple[str, ...]
    warnings: tuple[str, ...]


def needs_stored_config(update: SchemaUpdate) -> bool:
    """Whether a real update must read the schema first to say what it does (pausing and rescheduling do not)."""
    enabling = "should_sync" in update.model_fields_set and update.should_sync is True
    return enabling or bool(update.model_fields_set & _NEEDS_STORED)


def needs_candidates(update: SchemaUpdate) -> bool:
    return bool(update.model_fields_set & _NEEDS_CANDIDATES)


def projected(before: ExternalDataSchema, update: SchemaUpdate) -> dict[str, Any]:
    """The config as it reads after PostHog applies `update` (`never` reads back as no frequency)."""
    after = before.model_dump()
    for name, value in update.model_dump(include=update.model_fields_set).items():
        after[name] = None if name == "sync_frequency" and value == "never" else value
    return after


@dataclass
class _Assessment:
    before: Mapping[str, Any] | None
    after: Mapping[str, Any]
    sent: frozenset[str]
    candidates: IncrementalFields | None
    effects: list[str] = field(default_factory=list[str])
    warnings: list[str] = field(default_factory=list[str])

    def was(self, name: str) -> Any:
        return None if self.before is None else self.before.get(name)

    def changed(self, name: str) -> bool:
        return name in self.sent and (self.before is None or self.before.get(name) != self.after.get(name))

    @property
    def has_table(self) -> bool:
        return self.before is not None and self.before.get("table") is not None

    def effect(self, kind: str, text: str) -> None:
        self.effects.append(f"{kind}: {text}")


def assess(
    before: ExternalDataSchema | None,
    update: SchemaUpdate,
    *,
    after: ExternalDataSchema | None = None,
    candidates: IncrementalFields | None = None,
) -> Impact:
    """The impact of `update`. `before` is the stored schema (None when a real update did not need it: then only
    rules that do not compare with the stored config apply); `after` is PostHog's answer to a real PATCH."""
    if after is not None:
        state = after.model_dump()
    elif before is not None:
        state = projected(before, update)
    else:
        raise ValueError("assess needs the stored schema or PostHog's answer")
    check = _Assessment(
        before=None if before is None else before.model_dump(),
        after=state,
        sent=frozenset(update.model_fields_set),
        candidates=candidates,
    )
    for rule in _RULES:
        rule(check)
    return Impact(_changes(check), tuple(check.effects), tuple(check.warnings))


def _show(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, list):
        return "[" + ", ".join(clean(str(item), 60) for item in value) + "]"  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
    return clean(str(value), 80)


def _changes(check: _Assessment) -> tuple[str, ...]:
    lines: list[str] = []
    for name in sorted(check.sent):
        new = check.after.get(name)
        if check.before is None:
            lines.append(f"{name} → {_show(new)}")
        elif check.before.get(name) != new:
            lines.append(f"{name}: {_show(check.before.get(name))} → {_show(new)}")
        else:
            lines.append(f"{name}: {_show(new)} (unchanged)")
    return tuple(lines)


# -- the rules, in the order their lines read --------------------------------------------------------------


def _sync_type(check: _Assessment) -> None:
    if not check.changed("sync_type") or check.before is None:
        return
    old, new = check.was("sync_type"), check.after.get("sync_type")
    if "xmin" in (old, new):
        now = " starting now" if check.after.get("should_sync") else " on the next run"
        check.effect(FULL_REIMPORT, f"switching {'into' if new == 'xmin' else 'out of'} xmin resets the table{now}.")
    if new == "full_refresh":
        check.effect(FULL_REIMPORT, "every full_refresh run wipes the table and imports all rows again.")
    if new == "cdc":
        check.effect(RESNAPSHOT, "the table joins the CDC publication; the first run snapshots it in full.")
        if not check.after.get("primary_key_columns"):
            check.warnings.append("PostHog refuses CDC without a primary key: pass primary_key_columns.")
    if new == "webhook":
        check.effect(NEXT_RUN, "PostHog registers the source's webhook; rows arrive as the source sends them.")


def _cursor(check: _Assessment) -> None:
    new_type = check.after.get("sync_type")
    if new_type not in CURSOR_TYPES or check.before is None:
        return
    field_name = check.after.get("incremental_field")
    switched_in = check.changed("sync_type") and check.was("sync_type") not in CURSOR_TYPES
    if field_name and (check.changed("incremental_field") or switched_in) and check.has_table:
        check.effect(
            FULL_REIMPORT,
            f"PostHog reads MAX({_show(field_name)}) from the synced table as the new cursor; if the column has no "
            "values there, it wipes the table and re-imports it now.",
        )
    elif field_name and (check.changed("incremental_field") or switched_in):
        check.effect(NEXT_RUN, f"the first run imports every row, then only rows with a newer {_show(field_name)}.")


def _primary_key(check: _Assessment) -> None:
    if not check.changed("primary_key_columns") or check.before is None:
        return
    new_type, old_key = check.after.get("sync_type"), check.was("primary_key_columns")
    refused = check.has_table and (new_type in ("cdc", "xmin") or (new_type == "incremental" and old_key))
    if refused:
        check.warnings.append(
            "PostHog refuses this: a primary key cannot change after data has been synced. Call delete-data "
            "first (it empties the table), then change the key."
        )
    elif not old_key:
        check.effect(NEXT_RUN, "the table gets its first primary key; no re-import.")


def _should_sync(check: _Assessment) -> None:
    if "should_sync" not in check.sent:
        return
    sync_type = check.after.get("sync_type")
    if check.after.get("should_sync") is False:
        cdc = " The table leaves the CDC publication." if sync_type == "cdc" else ""
        check.effect(SCHEDULE, f"syncing pauses; a sync already running finishes; imported data stays.{cdc}")
        return
    if check.before is not None and check.was("should_sync"):
        return  # already enabled: nothing changes
    if sync_type is None:
        check.warnings.append("PostHog refuses to enable a schema without a sync_type: pass one (see candidates).")
    elif sync_type == "cdc":
        check.effect(
            RESNAPSHOT,
            "re-enabling re-snapshots the whole table on the next run; changes made while it was off are not replayed.",
        )
    elif sync_type == "webhook" and check.was("last_synced_at"):
        check.effect(
            FULL_REIMPORT,
            "re-enabling a webhook table resets it and syncs now (webhook-only tables resume without a wipe).",
        )
    else:
        check.effect(SCHEDULE, "syncing resumes on its schedule; reload syncs now.")


def _cdc_table_mode(check: _Assessment) -> None:
    if not check.changed("cdc_table_mode") or check.before is None:
        return
    if check.after.get("sync_type") != "cdc":
        check.effect(NEXT_RUN, "cdc_table_mode is stored but has no effect unless sync_type is cdc.")
        return
    old = _CDC_TARGETS.get(str(check.was("cdc_table_mode")), {"consolidated"})
    new = _CDC_TARGETS.get(str(check.after.get("cdc_table_mode")), set())
    if new - old:
        check.effect(
            CANCELS,
            "a new write target needs the whole table: PostHog cancels the running sync and re-snapshots it now.",
        )
    else:
        check.effect(NEXT_RUN, "the dropped target stops being written; no re-snapshot.")


def _api_version(check: _Assessment) -> None:
    if check.changed("api_version"):
        check.effect(CANCELS, "a running import is cancelled; the next run uses the new version; no re-import.")


def _columns_and_filters(check: _Assessment) -> None:
    if check.changed("enabled_columns"):
        check.effect(AT_ONCE, "columns left out are hidden now; re-enabled ones appear after the next sync.")
    if check.changed("row_filters"):
        check.effect(NEXT_RUN, "row filters apply to rows the next syncs read, not to rows already imported.")
    if check.changed("incremental_field_lookback_seconds"):
        check.effect(NEXT_RUN, "each run re-reads this many seconds behind the cursor; the cursor is unchanged.")


def _schedule(check: _Assessment) -> None:
    if not ({"sync_frequency", "sync_time_of_day"} & check.sent):
        return
    check.effect(SCHEDULE, schedule_line(check.after.get("sync_frequency"), check.after.get("sync_time_of_day")))


def schedule_line(frequency: str | None, time_of_day: str | None) -> str:
    """When runs happen: PostHog's Temporal schedule is every `frequency`, offset by `sync_time_of_day` (UTC)."""
    if frequency is None:
        return "no scheduled runs (never); data is kept; reload syncs on demand."
    hours = _HOURS.get(frequency)
    if hours is not None and hours <= 1:
        return f"runs every {frequency}; a time of day does not apply to 1 hour or less."
    if time_of_day is None:
        return f"runs every {frequency} at times PostHog spreads out (set sync_time_of_day to anchor them)."
    start = time_of_day[:5]
    if hours is not None:
        first = int(start[:2]) % int(hours)
        times = ", ".join(f"{hour:02d}:{start[3:]}" for hour in range(first, 24, int(hours)))
        return f"runs every {frequency} at {times} UTC."
    every = {"24hour": "daily", "7day": "every 7 days", "30day": "every 30 days"}.get(frequency, f"every {frequency}")
    return f"runs {every} at {start} UTC."


def _running_now(check: _Assessment) -> None:
    if check.before is None or check.was("status") != "Running":
        return
    if any(line.startswith(CANCELS) for line in check.effects):
        check.warnings.append("A sync is Running now: this change cancels it.")
    else:
        check.warnings.append(
            "A sync is Running now: it finishes on the old config. PostHog advises changing sync settings only "
            "once it ends (retrieve with wait_seconds)."
        )


def _enabling_a_failed_table(check: _Assessment) -> None:
    # PostHog switches a table off when a run fails in a way retrying would not fix (A4); switching it back on
    # alone brings the same failure unless its cause was fixed meanwhile (often at the source).
    if check.sent != frozenset({"should_sync"}) or check.after.get("should_sync") is not True or check.before is None:
        return
    error = check.was("latest_error")
    if check.was("status") != "Failed" or not error:
        return
    cause = diagnose(error)
    what = cause.summary if cause is not None else clean(str(error), 120)
    fix = f" ({cause.fix})" if cause is not None else ""
    check.warnings.append(f"It last failed: {what}. Unless that is fixed{fix}, the next run fails the same way.")


def _stale_cursor_fields(check: _Assessment) -> None:
    switched = check.changed("sync_type") and check.after.get("sync_type") in CURSOR_TYPES
    if not switched:
        return
    stale = [
        f"{name}={_show(check.was(name))}"
        for name in ("incremental_field", "incremental_field_type")
        if name not in check.sent and check.was(name) is not None
    ]
    if stale:
        check.warnings.append(
            f"Kept from the old config: {', '.join(stale)}. Name incremental_field (and its type) to change it."
        )
    elif not check.after.get("incremental_field"):
        check.warnings.append("No incremental_field is set: the sync needs one (choose from the candidates).")


def _bare_cursor_edit(check: _Assessment) -> None:
    if "sync_type" in check.sent or check.before is None:
        return
    current = check.was("sync_type")
    fields = (
        "incremental_field",
        "incremental_field_type",
        "incremental_field_lookback_seconds",
        "primary_key_columns",
    )
    bare = [name for name in fields if name in check.sent and check.after.get(name) is not None]
    if bare and current not in ("incremental", "append", "webhook"):
        check.warnings.append(
            f"PostHog refuses {', '.join(bare)} on a {current or 'not set'} schema on its own: send sync_type too."
        )


def _against_candidates(check: _Assessment) -> None:
    found = check.candidates
    if found is None:
        return
    sync_type = check.after.get("sync_type")
    if "sync_type" in check.sent and sync_type is not None:
        available = getattr(found, _AVAILABILITY.get(sync_type, ""), None)
        if available is False or (available is None and sync_type in ("cdc", "xmin")):
            offered = [name for name, flag in _AVAILABILITY.items() if getattr(found, flag, None)]
            check.warnings.append(
                f"sync_type {sync_type} is not available for this table (available: {', '.join(offered) or 'none'})."
            )
        if found.webhook_only and sync_type != "webhook":
            check.warnings.append("PostHog refuses this: the table can only sync via webhooks (sync_type webhook).")
    field_name = check.after.get("incremental_field")
    if sync_type not in CURSOR_TYPES or not field_name:
        return
    fields = [candidate.field for candidate in found.incremental_fields]
    if field_name in fields:
        return
    by_label = next((c for c in found.incremental_fields if c.label and c.label == field_name), None)
    if by_label is not None:
        check.warnings.append(
            f"{_show(field_name)} is a label; the field is {_show(by_label.field)} (PostHog issue #71039)."
        )
    else:
        listed = ", ".join(_show(name) for name in fields[:12]) or "none"
        check.warnings.append(f"{_show(field_name)} is not a candidate incremental field here (candidates: {listed}).")


_RULES = (
    _sync_type,
    _cursor,
    _primary_key,
    _should_sync,
    _cdc_table_mode,
    _api_version,
    _columns_and_filters,
    _schedule,
    _running_now,
    _enabling_a_failed_table,
    _stale_cursor_fields,
    _bare_cursor_edit,
    _against_candidates,
)
