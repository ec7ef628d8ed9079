"""Schedules keep enabled schemas fresh, so PostHog's staleness rule flags what PostHog would flag.

Stale (sync_status.py): enabled, with an interval and a last sync, and ``now - last_synced_at > 2 × interval``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx2
import pytest

from posthog_external_data_mcp.sandbox import ManualClock
from posthog_external_data_mcp.sandbox.demo import (
    HUBSPOT_CONTACTS_ID,
    ISOLATION_STRIPE_REFUNDS_ID,
    KEY_PROJECT2,
    POSTGRES_AUDIT_LOG_ID,
    POSTGRES_DAILY_REVENUE_ID,
    POSTGRES_ORDERS_ID,
    STRIPE_CUSTOMERS_ID,
    STRIPE_PRICES_ID,
)
from posthog_external_data_mcp.sandbox.store import SandboxState

from .conftest import bearer, schema_url, schemas_url

pytestmark = pytest.mark.anyio

INTERVALS = {"1min": 60, "5min": 300, "15min": 900, "30min": 1800, "1hour": 3600, "6hour": 21600, "12hour": 43200,
             "24hour": 86400, "7day": 604800, "30day": 2592000}  # fmt: skip
HOUR = 3600


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def stale(schema: dict[str, Any], now: datetime) -> bool:
    if not schema["should_sync"] or schema["sync_frequency"] is None or schema["last_synced_at"] is None:
        return False
    age = now - datetime.fromisoformat(schema["last_synced_at"])
    return age > timedelta(seconds=2 * INTERVALS[schema["sync_frequency"]])


async def stale_names(client: httpx2.AsyncClient, now: datetime) -> set[str]:
    body = (await client.get(schemas_url(), params={"limit": 100})).json()
    return {schema["name"] for schema in body["results"] if stale(schema, now)}


async def runs(client: httpx2.AsyncClient, schema_id: str) -> set[str]:
    body = (await client.get(schema_url(schema_id, "logs"), params={"limit": 500})).json()
    return {row["instance_id"] for row in body["results"]}


async def test_only_the_stalled_stuck_and_billing_limited_schemas_are_stale(
    client: httpx2.AsyncClient, clock: ManualClock
) -> None:
    expected = {"Price", "audit_log", "Customer"}
    assert await stale_names(client, clock.now) == expected
    clock.advance(3 * HOUR)
    assert await stale_names(client, clock.now) == expected
    # The next 03:00 run refreshes Customer; the stall and the hung run stay.
    clock.advance(27 * HOUR)
    assert await stale_names(client, clock.now) == {"Price", "audit_log"}


async def test_the_stalled_schedule_never_fires_until_a_reload(client: httpx2.AsyncClient, clock: ManualClock) -> None:
    price = (await client.get(schema_url(STRIPE_PRICES_ID))).json()
    assert (price["status"], price["should_sync"], price["sync_frequency"], price["primary_key_columns"]) == (
        "Completed",
        True,
        "6hour",
        None,
    )
    assert clock.now - datetime.fromisoformat(price["last_synced_at"]) > timedelta(days=23)
    assert await runs(client, STRIPE_PRICES_ID) == set()  # no run at all, as in PostHog #82900
    clock.advance(24 * HOUR)
    assert await runs(client, STRIPE_PRICES_ID) == set()
    assert (await client.post(schema_url(STRIPE_PRICES_ID, "reload"))).status_code == 200
    clock.advance(2)
    assert (await client.get(schema_url(STRIPE_PRICES_ID))).json()["last_synced_at"] == iso(clock.now)
    # A reload re-creates the schedule: runs come every 6 hours again.
    clock.advance(6 * HOUR)
    assert len(await runs(client, STRIPE_PRICES_ID)) == 2
    clock.advance(6 * HOUR)
    assert len(await runs(client, STRIPE_PRICES_ID)) == 3


async def test_a_hung_run_stays_running_until_cancelled(client: httpx2.AsyncClient, clock: ManualClock) -> None:
    audit = (await client.get(schema_url(POSTGRES_AUDIT_LOG_ID))).json()
    assert audit["status"] == "Running"
    body = (await client.get(schema_url(POSTGRES_AUDIT_LOG_ID, "logs"), params={"limit": 500})).json()
    started = [
        datetime.fromisoformat(row["timestamp"]) for row in body["results"] if row["message"].startswith("Created")
    ]
    assert clock.now - max(started) == timedelta(hours=9)
    # Earlier runs took three minutes each.
    assert len(started) == 4
    clock.advance(24 * HOUR)
    assert (await client.get(schema_url(POSTGRES_AUDIT_LOG_ID))).json()["status"] == "Running"
    assert (await client.post(schema_url(POSTGRES_AUDIT_LOG_ID, "cancel"))).status_code == 200
    cancelled = (await client.get(schema_url(POSTGRES_AUDIT_LOG_ID))).json()
    assert (cancelled["status"], cancelled["latest_error"]) == ("Failed", "Sync cancelled by user")
    assert (await client.post(schema_url(POSTGRES_AUDIT_LOG_ID, "reload"))).status_code == 200
    clock.advance(2)
    assert (await client.get(schema_url(POSTGRES_AUDIT_LOG_ID))).json()["status"] == "Completed"


async def test_schedules_fire_every_interval_and_missed_slots_collapse(
    client: httpx2.AsyncClient, clock: ManualClock
) -> None:
    before = await runs(client, HUBSPOT_CONTACTS_ID)
    clock.advance(60)
    assert len(await runs(client, HUBSPOT_CONTACTS_ID)) == len(before) + 1  # contacts: every 5 minutes
    clock.advance(300)
    assert len(await runs(client, HUBSPOT_CONTACTS_ID)) == len(before) + 2
    clock.advance(HOUR)  # twelve slots missed while nobody asked: one run
    assert len(await runs(client, HUBSPOT_CONTACTS_ID)) == len(before) + 3
    contacts = (await client.get(schema_url(HUBSPOT_CONTACTS_ID))).json()
    assert clock.now - datetime.fromisoformat(contacts["last_synced_at"]) < timedelta(minutes=5)


async def test_time_of_day_anchors_the_schedule(client: httpx2.AsyncClient, clock: ManualClock) -> None:
    # Customer runs daily at 03:00 UTC; the clock starts at 12:00.
    clock.advance(15 * HOUR - 1)
    assert (await client.get(schema_url(STRIPE_CUSTOMERS_ID))).json()["status"] == "Billing limits"
    clock.advance(1)
    assert (await client.get(schema_url(STRIPE_CUSTOMERS_ID))).json()["status"] == "Running"
    clock.advance(2)
    customers = (await client.get(schema_url(STRIPE_CUSTOMERS_ID))).json()
    assert (customers["status"], customers["last_synced_at"]) == ("Completed", "2026-11-28T03:00:02Z")


async def test_disabled_never_and_billing_blocked_schemas_do_not_run(
    client: httpx2.AsyncClient, clock: ManualClock
) -> None:
    revenue_runs = await runs(client, POSTGRES_DAILY_REVENUE_ID)
    refund = await client.get(schema_url(ISOLATION_STRIPE_REFUNDS_ID, project=2), headers=bearer(KEY_PROJECT2))
    clock.advance(3 * 24 * HOUR)
    assert await runs(client, POSTGRES_DAILY_REVENUE_ID) == revenue_runs
    later = await client.get(schema_url(ISOLATION_STRIPE_REFUNDS_ID, project=2), headers=bearer(KEY_PROJECT2))
    # Project 2 is over its billing limit (a Paused schema): its scheduled runs stop at the billing check.
    assert later.json()["last_synced_at"] == refund.json()["last_synced_at"]


async def test_a_new_frequency_reissues_the_schedule(
    client: httpx2.AsyncClient, clock: ManualClock, state: SandboxState
) -> None:
    assert (await client.patch(schema_url(POSTGRES_ORDERS_ID), json={"sync_frequency": "1hour"})).status_code == 200
    before = await runs(client, POSTGRES_ORDERS_ID)
    assert state.schemas[POSTGRES_ORDERS_ID].next_run_at == clock.now + timedelta(hours=1)
    clock.advance(HOUR - 1)
    assert await runs(client, POSTGRES_ORDERS_ID) == before
    clock.advance(1)
    assert len(await runs(client, POSTGRES_ORDERS_ID)) == len(before) + 1
