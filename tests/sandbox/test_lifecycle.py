"""The sync lifecycle: Running -> Completed/Failed after ``sync_seconds``, driven by the injected clock."""

from __future__ import annotations

from datetime import timedelta

import anyio
import httpx2
import pytest

from posthog_external_data_mcp.sandbox import ManualClock, SandboxConfig, create_app
from posthog_external_data_mcp.sandbox.demo import (
    HUBSPOT_DEALS_ID,
    HUBSPOT_DEALS_LATEST_ERROR,
    KEY_ALL,
    POSTGRES_EVENTS_ID,
    POSTGRES_ORDERS_ID,
    STRIPE_CHARGES_ID,
    STRIPE_CUSTOMERS_ID,
    STRIPE_DISCOUNTS_ID,
)
from posthog_external_data_mcp.sandbox.store import SandboxState

from .conftest import BASE_URL, bearer, schema_url, schemas_url

pytestmark = pytest.mark.anyio


async def schema(client: httpx2.AsyncClient, schema_id: str) -> dict[str, object]:
    return (await client.get(schema_url(schema_id))).json()


async def test_reload_completes_after_sync_seconds(client: httpx2.AsyncClient, clock: ManualClock) -> None:
    before = await schema(client, STRIPE_CHARGES_ID)
    assert (await client.post(schema_url(STRIPE_CHARGES_ID, "reload"))).status_code == 200
    clock.advance(1.9)
    assert (await schema(client, STRIPE_CHARGES_ID))["status"] == "Running"
    clock.advance(0.1)
    after = await schema(client, STRIPE_CHARGES_ID)
    assert after["status"] == "Completed"
    assert after["latest_error"] is None
    assert after["last_synced_at"] == (clock.now).isoformat().replace("+00:00", "Z")
    # Charge appends: the table grows by the rows of one sync.
    assert isinstance(before["table"], dict)
    assert isinstance(after["table"], dict)
    assert after["table"]["row_count"] == before["table"]["row_count"] + 312


async def test_full_refresh_replaces_rows(client: httpx2.AsyncClient, clock: ManualClock) -> None:
    assert (await client.post(schema_url(STRIPE_CUSTOMERS_ID, "reload"))).status_code == 200
    clock.advance(2)
    customers = await schema(client, STRIPE_CUSTOMERS_ID)
    assert customers["status"] == "Completed"  # was "Billing limits"
    assert isinstance(customers["table"], dict)
    assert customers["table"]["row_count"] == 23_901


async def test_a_source_side_failure_fails_every_run(client: httpx2.AsyncClient, clock: ManualClock) -> None:
    before = await schema(client, HUBSPOT_DEALS_ID)
    assert (await client.post(schema_url(HUBSPOT_DEALS_ID, "reload"))).status_code == 200
    running = await schema(client, HUBSPOT_DEALS_ID)
    assert running["status"] == "Running"
    clock.advance(2)
    after = await schema(client, HUBSPOT_DEALS_ID)
    # HubSpot's 403 is in PostHog's non-retryable table: its friendly text is stored and syncing stays off.
    assert (after["status"], after["latest_error"], after["should_sync"]) == (
        "Failed",
        HUBSPOT_DEALS_LATEST_ERROR,
        False,
    )
    assert after["last_synced_at"] == before["last_synced_at"]


async def test_seeded_running_sync_completes(client: httpx2.AsyncClient, clock: ManualClock) -> None:
    assert (await schema(client, POSTGRES_EVENTS_ID))["status"] == "Running"
    clock.advance(2)
    events = await schema(client, POSTGRES_EVENTS_ID)
    assert events["status"] == "Completed"
    assert isinstance(events["table"], dict)
    assert events["table"]["row_count"] == 91_402_337 + 52_118


async def test_first_sync_creates_the_table(client: httpx2.AsyncClient, clock: ManualClock) -> None:
    enabled = await client.patch(schema_url(STRIPE_DISCOUNTS_ID), json={"sync_type": "webhook", "should_sync": True})
    assert enabled.status_code == 200
    assert enabled.json()["table"] is None
    assert (await client.post(schema_url(STRIPE_DISCOUNTS_ID, "reload"))).status_code == 200
    clock.advance(2)
    discount = await schema(client, STRIPE_DISCOUNTS_ID)
    assert discount["status"] == "Completed"
    assert isinstance(discount["table"], dict)
    assert discount["table"]["name"] == "stripe_discount"
    assert discount["table"]["row_count"] == 840


async def test_delete_data_then_reload_rebuilds(client: httpx2.AsyncClient, clock: ManualClock) -> None:
    assert (await client.delete(schema_url(POSTGRES_ORDERS_ID, "delete_data"))).status_code == 200
    assert (await client.post(schema_url(POSTGRES_ORDERS_ID, "reload"))).status_code == 200
    clock.advance(2)
    orders = await schema(client, POSTGRES_ORDERS_ID)
    assert orders["status"] == "Completed"
    assert isinstance(orders["table"], dict)
    # The re-import brings the whole source table back (1,284,113 rows plus the 1,870 new ones).
    assert orders["table"]["row_count"] == 1_285_983


async def test_zero_sync_seconds_completes_on_the_next_request(clock: ManualClock) -> None:
    app = create_app(SandboxConfig(sync_seconds=0), clock=clock)
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app), base_url=BASE_URL, headers=bearer(KEY_ALL)
    ) as http:
        assert (await http.post(schema_url(STRIPE_CHARGES_ID, "reload"))).status_code == 200
        assert (await http.get(schema_url(STRIPE_CHARGES_ID))).json()["status"] == "Completed"


async def test_real_clock_with_short_sync() -> None:
    app = create_app(SandboxConfig(sync_seconds=0.05))
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app), base_url=BASE_URL, headers=bearer(KEY_ALL)
    ) as http:
        assert (await http.post(schema_url(STRIPE_CHARGES_ID, "reload"))).status_code == 200
        assert (await http.get(schema_url(STRIPE_CHARGES_ID))).json()["status"] == "Running"
        await anyio.sleep(0.06)
        assert (await http.get(schema_url(STRIPE_CHARGES_ID))).json()["status"] == "Completed"


async def test_fresh_demo_times_are_relative_to_start(client: httpx2.AsyncClient, clock: ManualClock) -> None:
    charges = await schema(client, STRIPE_CHARGES_ID)
    expected = (clock.now - timedelta(minutes=38)).isoformat().replace("+00:00", "Z")
    assert charges["last_synced_at"] == expected


async def test_apps_never_share_state(clock: ManualClock) -> None:
    first, second = create_app(clock=clock), create_app(clock=clock)
    async with (
        httpx2.AsyncClient(
            transport=httpx2.ASGITransport(app=first), base_url=BASE_URL, headers=bearer(KEY_ALL)
        ) as one,
        httpx2.AsyncClient(
            transport=httpx2.ASGITransport(app=second), base_url=BASE_URL, headers=bearer(KEY_ALL)
        ) as two,
    ):
        assert (await one.delete(schema_url(STRIPE_CHARGES_ID))).status_code == 204
        assert (await one.get(schema_url(STRIPE_CHARGES_ID))).status_code == 404
        assert (await two.get(schema_url(STRIPE_CHARGES_ID))).status_code == 200


async def test_concurrent_requests_keep_state_consistent(client: httpx2.AsyncClient, state: SandboxState) -> None:
    statuses: list[int] = []

    async def toggle(index: int) -> None:
        response = await client.patch(schema_url(STRIPE_CHARGES_ID), json={"should_sync": index % 2 == 0})
        statuses.append(response.status_code)

    async def reload() -> None:
        statuses.append((await client.post(schema_url(HUBSPOT_DEALS_ID, "reload"))).status_code)

    async with anyio.create_task_group() as group:
        for index in range(40):
            group.start_soon(toggle, index)
        for _ in range(20):
            group.start_soon(reload)
        for _ in range(10):
            group.start_soon(client.get, schemas_url())
    assert statuses == [200] * 60
    # Overlapping reloads never start a second job while one runs.
    running = [job for job in state.jobs if job.schema_id == HUBSPOT_DEALS_ID and job.status == "Running"]
    assert len(running) == 1
