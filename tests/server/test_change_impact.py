"""The change-impact rules, one test per row of PostHog's PATCH effects (serializer `update()` @25424d52,
`sync.py` @58465fd3, the pipeline's reset handling), plus the warnings. Pure: no server, no sandbox."""

from __future__ import annotations

from typing import Any

import pytest

from posthog_external_data_mcp.posthog_client import ExternalDataSchema, IncrementalFields, SchemaUpdate
from posthog_external_data_mcp.server.change_impact import (
    AT_ONCE,
    CANCELS,
    FULL_REIMPORT,
    NEXT_RUN,
    RESNAPSHOT,
    SCHEDULE,
    Impact,
    assess,
    needs_candidates,
    needs_stored_config,
    schedule_line,
)

TABLE = {"id": "t1", "name": "prod_postgres_orders", "row_count": 1000}


def schema(**fields: Any) -> ExternalDataSchema:
    base: dict[str, Any] = {
        "id": "0193f0c1-5c4e-7000-8000-000000000201",
        "name": "orders",
        "should_sync": True,
        "status": "Completed",
        "sync_type": "full_refresh",
        "sync_frequency": "6hour",
        "table": TABLE,
        "last_synced_at": "2026-11-27T12:00:00Z",
    }
    base.update(fields)
    return ExternalDataSchema.model_validate(base)


def candidates(*fields: tuple[str, str], **flags: Any) -> IncrementalFields:
    available = {"incremental_available": True, "append_available": True, "full_refresh_available": True}
    available.update(flags)
    return IncrementalFields.model_validate(
        {
            "incremental_fields": [{"field": name, "label": label, "type": "datetime"} for name, label in fields],
            **available,
        }
    )


def kinds(impact: Impact) -> list[str]:
    return [line.split(":", 1)[0] for line in impact.effects]


def test_a_new_incremental_field_on_a_synced_table_may_force_a_full_reimport() -> None:
    before = schema(sync_type="incremental", incremental_field="created_at")
    impact = assess(before, SchemaUpdate(incremental_field="updated_at"))
    assert kinds(impact) == [FULL_REIMPORT]
    assert "MAX(updated_at)" in impact.effects[0] and "re-imports it now" in impact.effects[0]
    assert impact.changes == ("incremental_field: created_at → updated_at",)


def test_the_incremental_field_type_alone_changes_nothing() -> None:
    impact = assess(
        schema(sync_type="incremental", incremental_field="id"), SchemaUpdate(incremental_field_type="integer")
    )
    assert impact.effects == ()


def test_a_cursor_field_on_a_table_never_synced_just_starts_there() -> None:
    impact = assess(schema(table=None), SchemaUpdate(sync_type="incremental", incremental_field="updated_at"))
    assert kinds(impact) == [NEXT_RUN]


def test_changing_an_established_primary_key_of_a_synced_incremental_table_is_refused() -> None:
    before = schema(sync_type="incremental", incremental_field="updated_at", primary_key_columns=["id"])
    impact = assess(before, SchemaUpdate(primary_key_columns=["order_id"]))
    assert any("cannot change after data has been synced" in warning for warning in impact.warnings)


def test_a_first_primary_key_on_a_keyless_table_is_allowed_without_reimport() -> None:
    before = schema(sync_type="incremental", incremental_field="updated_at", primary_key_columns=None)
    impact = assess(before, SchemaUpdate(primary_key_columns=["id"]))
    assert kinds(impact) == [NEXT_RUN] and impact.warnings == ()


@pytest.mark.parametrize(("old", "new"), [("full_refresh", "xmin"), ("xmin", "incremental")])
def test_switching_into_or_out_of_xmin_resets_the_table(old: str, new: str) -> None:
    update = (
        SchemaUpdate(sync_type=new, incremental_field="updated_at")
        if new == "incremental"
        else SchemaUpdate(sync_type=new)
    )  # type: ignore[arg-type]
    impact = assess(schema(sync_type=old), update)
    assert FULL_REIMPORT in kinds(impact)
    assert "starting now" in impact.effects[0]


def test_re_enabling_a_cdc_table_re_snapshots_it() -> None:
    before = schema(sync_type="cdc", should_sync=False, primary_key_columns=["id"])
    impact = assess(before, SchemaUpdate(should_sync=True))
    assert kinds(impact) == [RESNAPSHOT]


def test_re_enabling_a_webhook_table_that_synced_before_resets_and_syncs_now() -> None:
    impact = assess(schema(sync_type="webhook", should_sync=False), SchemaUpdate(should_sync=True))
    assert kinds(impact) == [FULL_REIMPORT]


def test_a_cdc_table_mode_that_adds_a_target_cancels_the_sync_and_re_snapshots() -> None:
    before = schema(sync_type="cdc", cdc_table_mode="consolidated", primary_key_columns=["id"], status="Running")
    impact = assess(before, SchemaUpdate(cdc_table_mode="both"))
    assert kinds(impact) == [CANCELS]
    assert impact.warnings == ("A sync is Running now: this change cancels it.",)


def test_a_cdc_table_mode_that_drops_a_target_needs_no_re_snapshot() -> None:
    before = schema(sync_type="cdc", cdc_table_mode="both", primary_key_columns=["id"])
    assert kinds(assess(before, SchemaUpdate(cdc_table_mode="consolidated"))) == [NEXT_RUN]


def test_switching_to_cdc_snapshots_the_table_and_needs_a_primary_key() -> None:
    impact = assess(schema(), SchemaUpdate(sync_type="cdc"))
    assert kinds(impact) == [RESNAPSHOT]
    assert any("primary key" in warning for warning in impact.warnings)


def test_full_refresh_rebuilds_the_table_on_every_run() -> None:
    impact = assess(schema(sync_type="incremental", incremental_field="id"), SchemaUpdate(sync_type="full_refresh"))
    assert kinds(impact) == [FULL_REIMPORT] and "every full_refresh run" in impact.effects[0]


def test_an_api_version_change_cancels_a_running_import() -> None:
    assert kinds(assess(schema(), SchemaUpdate(api_version="2025-09-30.clover"))) == [CANCELS]


def test_enabled_columns_hide_columns_at_once_and_filters_apply_from_the_next_run() -> None:
    impact = assess(
        schema(),
        SchemaUpdate(
            enabled_columns=["id"],
            row_filters=[{"column": "id", "operator": ">", "value": 3}],  # type: ignore[list-item]
            incremental_field_lookback_seconds=60,
        ),
    )
    assert kinds(impact) == [AT_ONCE, NEXT_RUN, NEXT_RUN]


def test_pausing_lets_a_running_sync_finish_and_keeps_the_data() -> None:
    impact = assess(schema(status="Running"), SchemaUpdate(should_sync=False))
    assert kinds(impact) == [SCHEDULE]
    assert "a sync already running finishes" in impact.effects[0] and "data stays" in impact.effects[0]


def test_a_frequency_and_a_time_of_day_read_as_the_runs_they_give() -> None:
    impact = assess(schema(), SchemaUpdate(sync_frequency="6hour", sync_time_of_day="03:00"))
    assert impact.effects == ("Schedule: runs every 6hour at 03:00, 09:00, 15:00, 21:00 UTC.",)
    assert "sync_time_of_day: unset → 03:00:00" in impact.changes


@pytest.mark.parametrize(
    ("frequency", "time", "expected"),
    [
        ("24hour", "15:30:00", "runs daily at 15:30 UTC."),
        ("12hour", "15:30:00", "runs every 12hour at 03:30, 15:30 UTC."),
        ("15min", "03:00:00", "runs every 15min; a time of day does not apply to 1 hour or less."),
        ("6hour", None, "runs every 6hour at times PostHog spreads out (set sync_time_of_day to anchor them)."),
        (None, None, "no scheduled runs (never); data is kept; reload syncs on demand."),
    ],
)
def test_schedule_lines(frequency: str | None, time: str | None, expected: str) -> None:
    assert schedule_line(frequency, time) == expected


def test_switching_to_incremental_without_a_field_keeps_the_stale_one_from_the_old_config() -> None:
    before = schema(sync_type="full_refresh", incremental_field="created", incremental_field_type="integer")
    impact = assess(before, SchemaUpdate(sync_type="incremental"))
    assert "Kept from the old config: incremental_field=created, incremental_field_type=integer." in impact.warnings[0]


def test_switching_to_incremental_with_no_field_at_all_is_flagged() -> None:
    impact = assess(schema(), SchemaUpdate(sync_type="incremental"))
    assert any("No incremental_field is set" in warning for warning in impact.warnings)


def test_a_field_that_is_not_a_candidate_and_a_label_given_as_a_field_are_flagged() -> None:
    found = candidates(("updated_at", "Updated at"), ("created_at", "Created"))
    unknown = assess(schema(), SchemaUpdate(sync_type="incremental", incremental_field="modified"), candidates=found)
    label = assess(schema(), SchemaUpdate(sync_type="incremental", incremental_field="Updated at"), candidates=found)
    fine = assess(schema(), SchemaUpdate(sync_type="incremental", incremental_field="updated_at"), candidates=found)
    assert (
        "modified is not a candidate incremental field here (candidates: updated_at, created_at)." in unknown.warnings
    )
    assert "Updated at is a label; the field is updated_at (PostHog issue #71039)." in label.warnings
    assert fine.warnings == ()


def test_a_sync_type_the_table_does_not_offer_is_flagged() -> None:
    found = candidates(("id", "id"), incremental_available=False, append_available=True)
    impact = assess(schema(), SchemaUpdate(sync_type="incremental", incremental_field="id"), candidates=found)
    assert "sync_type incremental is not available for this table (available: full_refresh, append)." in impact.warnings


def test_a_bare_cursor_edit_on_a_full_refresh_table_is_refused() -> None:
    impact = assess(schema(), SchemaUpdate(incremental_field="updated_at"))
    assert any("send sync_type too" in warning for warning in impact.warnings)


def test_a_change_while_running_that_cancels_nothing_says_the_sync_finishes_first() -> None:
    impact = assess(schema(status="Running"), SchemaUpdate(sync_frequency="24hour"))
    assert "it finishes on the old config" in impact.warnings[0]


def test_a_real_update_without_the_stored_config_reads_from_the_answer() -> None:
    answer = schema(sync_frequency="24hour", sync_time_of_day="03:00:00")
    impact = assess(None, SchemaUpdate(sync_frequency="24hour", sync_time_of_day="03:00"), after=answer)
    assert impact.changes == ("sync_frequency → 24hour", "sync_time_of_day → 03:00:00")
    assert impact.effects == ("Schedule: runs daily at 03:00 UTC.",)


def test_which_updates_need_the_stored_config_and_which_the_candidates() -> None:
    assert not needs_stored_config(SchemaUpdate(sync_frequency="24hour", should_sync=False))
    assert needs_stored_config(SchemaUpdate(should_sync=True))
    assert needs_stored_config(SchemaUpdate(sync_type="incremental"))
    assert needs_candidates(SchemaUpdate(incremental_field="id"))
    assert not needs_candidates(SchemaUpdate(enabled_columns=["id"]))


def test_re_enabling_a_table_that_failed_says_the_cause_must_be_fixed_first() -> None:
    before = schema(
        status="Failed", should_sync=False, latest_error="Your Stripe API key has expired. Please create a new key."
    )
    impact = assess(before, SchemaUpdate(should_sync=True))
    assert impact.warnings == (
        "It last failed: Stripe key expired. Unless that is fixed (Create a new Stripe API key and reconnect the "
        "source in PostHog (Data pipeline → Sources).), the next run fails the same way.",
    )
    # With the fix in the same update (a new cursor field, say) there is nothing to warn about.
    fixed = assess(before, SchemaUpdate(should_sync=True, sync_type="full_refresh"))
    assert not any(warning.startswith("It last failed") for warning in fixed.warnings)
