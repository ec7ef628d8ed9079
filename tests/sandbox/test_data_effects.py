"""What syncs do to the data: realistic row counts, cursors reset by resync and delete-data, runs that finish."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from posthog_external_data_mcp.sandbox import ManualClock
from posthog_external_data_mcp.sandbox.demo import POSTGRES_EVENTS_ID, STRIPE_CHARGES_ID

from .conftest import schema_url

pytestmark = pytest.mark.anyio

CHARGE_ROWS = 184_230
CHARGE_GROWTH = 312


async def get(client: httpx2.AsyncClient, schema_id: str) -> dict[str, Any]:
    return (await client.get(schema_url(schema_id))).json()


async def newest_run_lines(client: httpx2.AsyncClient, schema_id: str) -> list[str]:
    rows = (await client.get(schema_url(schema_id, "logs"), params={"limit": 500})).json()["results"]
    return [row["message"] for row in rows if row["instance_id"] == rows[0]["instance_id"]]


async def test_delete_data_then_reload_brings_back_the_whole_table(
    client: httpx2.AsyncClient, clock: ManualClock
) -> None:
    assert (await client.delete(schema_url(STRIPE_CHARGES_ID, "delete_data"))).status_code == 200
    assert (await get(client, STRIPE_CHARGES_ID))["table"] is None
    assert (await client.post(schema_url(STRIPE_CHARGES_ID, "reload"))).status_code == 200
    opening = await newest_run_lines(client, STRIPE_CHARGES_ID)
    assert "Incremental last value being used is: None" in opening  # delete-data reset the cursor
    clock.advance(2)
    charge = await get(client, STRIPE_CHARGES_ID)
    assert charge["table"]["row_count"] == CHARGE_ROWS + CHARGE_GROWTH  # ~184k, not one sync's 312


async def test_resync_rebuilds_at_full_size_and_restarts_the_cursor(
    client: httpx2.AsyncClient, clock: ManualClock
) -> None:
    assert (await client.post(schema_url(STRIPE_CHARGES_ID, "resync"))).status_code == 200
    opening = await newest_run_lines(client, STRIPE_CHARGES_ID)
    assert "reset_pipeline = True" in opening
    assert "Incremental last value being used is: None" in opening
    clock.advance(2)
    closing = await newest_run_lines(client, STRIPE_CHARGES_ID)
    assert "Deleting existing table due to reset_pipeline being set" in closing
    charge = await get(client, STRIPE_CHARGES_ID)
    assert (charge["status"], charge["table"]["row_count"]) == ("Completed", CHARGE_ROWS + CHARGE_GROWTH)
    # The cursor moved to the run's end: the next run reads from there (Stripe's epoch seconds).
    assert (await client.post(schema_url(STRIPE_CHARGES_ID, "reload"))).status_code == 200
    cursor = int(clock.now.timestamp())  # the resync finished just now
    assert f"Incremental last value being used is: {cursor}" in await newest_run_lines(client, STRIPE_CHARGES_ID)


async def test_incremental_runs_add_only_the_new_rows(client: httpx2.AsyncClient, clock: ManualClock) -> None:
    for expected in (CHARGE_ROWS + CHARGE_GROWTH, CHARGE_ROWS + 2 * CHARGE_GROWTH):
        assert (await client.post(schema_url(STRIPE_CHARGES_ID, "reload"))).status_code == 200
        clock.advance(2)
        assert (await get(client, STRIPE_CHARGES_ID))["table"]["row_count"] == expected


async def test_turning_syncing_off_lets_the_running_sync_finish(client: httpx2.AsyncClient, clock: ManualClock) -> None:
    events = await get(client, POSTGRES_EVENTS_ID)
    assert events["status"] == "Running"
    patched = await client.patch(schema_url(POSTGRES_EVENTS_ID), json={"should_sync": False})
    assert (patched.status_code, patched.json()["status"]) == (200, "Running")
    clock.advance(2)
    done = await get(client, POSTGRES_EVENTS_ID)
    assert (done["status"], done["should_sync"]) == ("Completed", False)
    assert done["last_synced_at"] != events["last_synced_at"]
    # And no scheduled run follows.
    clock.advance(6 * 3600)
    assert (await get(client, POSTGRES_EVENTS_ID))["last_synced_at"] == done["last_synced_at"]
