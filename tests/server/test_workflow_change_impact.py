"""Workflows that change a table's sync config, played through the SDK client against the standalone sandbox:
preview first (dry_run sends no PATCH), then change, each result saying what PostHog will do — and each counted
in requests."""

from __future__ import annotations

from typing import Any

import pytest

from posthog_external_data_mcp.sandbox import demo
from tests.conftest import Connect
from tests.support.processes import RunningSandbox

pytestmark = pytest.mark.anyio

ORDERS = demo.POSTGRES_ORDERS_ID  # incremental on updated_at, Completed
INVOICE = demo.STRIPE_INVOICES_ID  # Stripe full_refresh; Stripe offers append on `created` (label created_at)
UPDATE = "external-data-schemas-partial-update"


def sent(sandbox: RunningSandbox) -> list[tuple[str, str]]:
    """(method, last path part) of each request to PostHog's warehouse API (the server's look at its key left out)."""
    return [
        (str(request["method"]), str(request["path"]).rstrip("/").rsplit("/", 1)[-1])
        for request in sandbox.requests()
        if "/external_data_" in str(request["path"])
    ]


def ok(result: Any) -> dict[str, Any]:
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


async def test_a_dry_run_reads_the_schema_and_sends_no_patch(connect: Connect, sandbox: RunningSandbox) -> None:
    async with connect() as client:
        preview = ok(
            await client.call_tool(
                UPDATE, {"id": ORDERS, "sync_frequency": "6hour", "sync_time_of_day": "03:00", "dry_run": True}
            )
        )
        after = ok(await client.call_tool("external-data-schemas-retrieve", {"id": ORDERS}))
    assert preview["dry_run"] is True
    assert (preview["sync_frequency"], preview["sync_time_of_day"]) == ("6hour", "03:00:00")  # as it would read
    assert "sync_frequency: 15min → 6hour" in preview["changes"]
    assert preview["effects"] == ["Schedule: runs every 6hour at 03:00, 09:00, 15:00, 21:00 UTC."]
    assert after["sync_frequency"] == "15min"  # nothing changed
    assert sent(sandbox) == [("GET", ORDERS), ("GET", ORDERS)]


async def test_switching_a_table_to_incremental_preview_warnings_then_the_change(
    connect: Connect, sandbox: RunningSandbox
) -> None:
    async with connect() as client:
        options = ok(await client.call_tool("external-data-schemas-incremental-fields-create", {"id": INVOICE}))
        assert options["incremental_available"] is False and options["append_available"] is True
        # What an agent tries first: incremental, on the column name it sees in the UI.
        first = ok(
            await client.call_tool(
                UPDATE, {"id": INVOICE, "sync_type": "incremental", "incremental_field": "created_at", "dry_run": True}
            )
        )
        # What the warnings lead to: append on the real field.
        change = {
            "id": INVOICE,
            "sync_type": "append",
            "incremental_field": "created",
            "incremental_field_type": "integer",
        }
        second = ok(await client.call_tool(UPDATE, {**change, "dry_run": True}))
        assert sent(sandbox)[-2:] == [("GET", INVOICE), ("POST", "incremental_fields")]  # no PATCH yet
        done = ok(await client.call_tool(UPDATE, change))
    assert (
        "sync_type incremental is not available for this table (available: full_refresh, append, webhook)."
        in (first["warnings"])
    )
    assert "created_at is a label; the field is created (PostHog issue #71039)." in first["warnings"]
    assert "warnings" not in second
    assert second["effects"] == done["effects"]
    assert done["effects"][0].startswith("Full re-import: PostHog reads MAX(created)")
    assert (done["sync_type"], done["incremental_field"]) == ("append", "created") and "dry_run" not in done
    assert sent(sandbox) == [
        ("POST", "incremental_fields"),
        ("GET", INVOICE),
        ("POST", "incremental_fields"),
        ("GET", INVOICE),
        ("POST", "incremental_fields"),
        ("GET", INVOICE),  # the real update reads the stored config first: its effect depends on it
        ("PATCH", INVOICE),
    ]


async def test_switching_back_to_incremental_without_a_field_warns_that_the_old_one_stays(
    connect: Connect, sandbox: RunningSandbox
) -> None:
    async with connect() as client:
        ok(await client.call_tool(UPDATE, {"id": ORDERS, "sync_type": "full_refresh"}))
        preview = ok(await client.call_tool(UPDATE, {"id": ORDERS, "sync_type": "incremental", "dry_run": True}))
    assert any(
        warning.startswith("Kept from the old config: incremental_field=updated_at") for warning in preview["warnings"]
    )
    assert ("PATCH", ORDERS) in sent(sandbox) and sent(sandbox).count(("PATCH", ORDERS)) == 1


async def test_all_tables_of_the_stripe_source_rescheduled_in_one_read_and_one_update_each(
    connect: Connect, sandbox: RunningSandbox
) -> None:
    async with connect() as client:
        sources = ok(await client.call_tool("external-data-sources-list", {"search": "Stripe"}))
        stripe = next(source for source in sources["results"] if source["id"] == demo.STRIPE_SOURCE_ID)
        tables = [table["id"] for table in stripe["schemas"]]
        results = [
            ok(await client.call_tool(UPDATE, {"id": table, "sync_frequency": "24hour", "sync_time_of_day": "03:00"}))
            for table in tables
        ]
    assert len(tables) == stripe["tables"] >= 5
    for result in results:
        assert (result["sync_frequency"], result["sync_time_of_day"]) == ("24hour", "03:00:00")
        assert result["effects"] == ["Schedule: runs daily at 03:00 UTC."]
    # One read, then one PATCH per table: rescheduling needs no look at the stored config.
    assert sent(sandbox) == [("GET", "external_data_sources")] + [("PATCH", table) for table in tables]


async def test_pausing_says_a_running_sync_finishes_and_costs_one_patch(
    connect: Connect, sandbox: RunningSandbox
) -> None:
    async with connect() as client:
        result = await client.call_tool(UPDATE, {"id": demo.POSTGRES_EVENTS_ID, "should_sync": False})
    answer = ok(result)
    assert answer["effects"] == ["Schedule: syncing pauses; a sync already running finishes; imported data stays."]
    assert sent(sandbox) == [("PATCH", demo.POSTGRES_EVENTS_ID)]


async def test_a_dry_run_whose_source_refuses_inspection_still_previews_and_says_why(
    connect: Connect, sandbox: RunningSandbox
) -> None:
    async with connect() as client:
        preview = ok(
            await client.call_tool(
                UPDATE,
                {"id": demo.HUBSPOT_DEALS_ID, "sync_type": "incremental", "incremental_field": "x", "dry_run": True},
            )
        )
    unchecked = next(warning for warning in preview["warnings"] if warning.startswith("Candidates not checked"))
    assert "PostHog answered 400" in unchecked and "grant every scope" in unchecked
    assert sent(sandbox) == [("GET", demo.HUBSPOT_DEALS_ID), ("POST", "incremental_fields")]


async def test_a_renamed_incremental_field_fixed_with_a_preview_then_the_change_then_a_wait(
    connect: Connect, sandbox: RunningSandbox
) -> None:
    """invoices: the source renamed modified_at to updated_at, so PostHog turned the table off."""
    table = demo.POSTGRES_INVOICES_ID
    fix = {"id": table, "incremental_field": "updated_at", "incremental_field_type": "timestamp", "should_sync": True}
    async with connect() as client:
        preview = ok(await client.call_tool(UPDATE, {**fix, "dry_run": True}))
        done = ok(await client.call_tool(UPDATE, fix))
        settled = ok(await client.call_tool("external-data-schemas-retrieve", {"id": table, "wait_seconds": 20}))
    assert "incremental_field: modified_at → updated_at" in preview["changes"]
    assert preview["effects"][0].startswith("Full re-import: PostHog reads MAX(updated_at)")
    assert "warnings" not in preview  # updated_at is a candidate, and the fix is in the same update
    assert done["effects"] == preview["effects"]
    assert settled["status"] == "Completed" and settled["incremental_field"] == "updated_at"
    assert sent(sandbox) == [
        ("GET", table),
        ("POST", "incremental_fields"),
        ("GET", table),
        ("PATCH", table),
        ("GET", table),  # Running: the PATCH restarted the import
        ("GET", table),  # the poll 1 s later: Completed
    ]
