"""Real failure causes with PostHog's texts: classified errors turn syncing off; each scenario's fix works.

The scenarios (docs/sandbox.md): a renamed incremental field and a non-unique primary key (fixed by a
config change), HubSpot's missing scope (fixed only at the source), an expired Stripe key (fixed by
reconnecting), a transient HubSpot 503 (fixed by a plain reload).
"""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from posthog_external_data_mcp.sandbox import ManualClock
from posthog_external_data_mcp.sandbox.demo import (
    DUPLICATE_PRIMARY_KEY_LATEST_ERROR,
    HUBSPOT_COMPANIES_ID,
    HUBSPOT_DEALS_ERROR,
    HUBSPOT_DEALS_ID,
    HUBSPOT_DEALS_LATEST_ERROR,
    HUBSPOT_SOURCE_ID,
    HUBSPOT_TRANSIENT_ERROR,
    INVOICES_DRIFT_ERROR,
    POSTGRES_INVOICES_ID,
    POSTGRES_LINE_ITEMS_ID,
    STRIPE_CHARGES_ID,
    STRIPE_EU_BALANCE_TRANSACTIONS_ID,
    STRIPE_EU_CREDIT_NOTES_ID,
    STRIPE_EU_SOURCE_ID,
    STRIPE_EXPIRED_KEY_ERROR,
    STRIPE_EXPIRED_KEY_LATEST_ERROR,
    STRIPE_REJECTED_KEY_MESSAGE,
)
from posthog_external_data_mcp.sandbox.store import SandboxState

from .conftest import schema_url, validation

pytestmark = pytest.mark.anyio

PK_CHANGE = "Primary key cannot be changed after data has been synced. Delete the synced data first, then change the primary key."


async def get(client: httpx2.AsyncClient, schema_id: str) -> dict[str, Any]:
    return (await client.get(schema_url(schema_id))).json()


async def sync_now(client: httpx2.AsyncClient, clock: ManualClock, schema_id: str) -> dict[str, Any]:
    """Reload, let the run settle, return the schema."""
    assert (await client.post(schema_url(schema_id, "reload"))).status_code == 200
    clock.advance(2)
    return await get(client, schema_id)


def state_of(schema: dict[str, Any]) -> tuple[Any, ...]:
    return schema["status"], schema["should_sync"], schema["latest_error"]


async def error_lines(client: httpx2.AsyncClient, schema_id: str) -> list[str]:
    body = (await client.get(schema_url(schema_id, "logs"), params={"level": "ERROR", "limit": 500})).json()
    return [row["message"] for row in body["results"]]


# --- (a) fixed by a config change ---------------------------------------------------------------


async def test_renamed_incremental_field_is_turned_off_with_the_raw_text(client: httpx2.AsyncClient) -> None:
    invoices = await get(client, POSTGRES_INVOICES_ID)
    assert state_of(invoices) == ("Failed", False, INVOICES_DRIFT_ERROR)
    assert invoices["incremental_field"] == "modified_at"
    assert INVOICES_DRIFT_ERROR in await error_lines(client, POSTGRES_INVOICES_ID)
    fields = (await client.post(schema_url(POSTGRES_INVOICES_ID, "incremental_fields"))).json()
    assert [field["field"] for field in fields["incremental_fields"]] == ["id", "issued_at", "updated_at", "xmin"]


async def test_renamed_incremental_field_keeps_failing_until_the_field_is_changed(
    client: httpx2.AsyncClient, clock: ManualClock
) -> None:
    assert state_of(await sync_now(client, clock, POSTGRES_INVOICES_ID)) == ("Failed", False, INVOICES_DRIFT_ERROR)
    fixed = await client.patch(
        schema_url(POSTGRES_INVOICES_ID),
        json={"incremental_field": "updated_at", "incremental_field_type": "timestamp", "should_sync": True},
    )
    assert fixed.status_code == 200
    # The new cursor column isn't in the synced table, so PostHog resets the watermark and re-imports now.
    assert fixed.json()["status"] == "Running"
    clock.advance(2)
    invoices = await get(client, POSTGRES_INVOICES_ID)
    assert state_of(invoices) == ("Completed", True, None)
    columns = [column["name"] for column in invoices["table"]["columns"]]
    assert "updated_at" in columns and "modified_at" not in columns
    assert invoices["table"]["row_count"] == 412_907 + 388 * 2  # every row, re-imported (two runs since)


async def test_renamed_incremental_field_is_also_fixed_by_full_refresh(
    client: httpx2.AsyncClient, clock: ManualClock
) -> None:
    patched = await client.patch(
        schema_url(POSTGRES_INVOICES_ID), json={"sync_type": "full_refresh", "should_sync": True}
    )
    assert patched.status_code == 200
    assert state_of(await sync_now(client, clock, POSTGRES_INVOICES_ID)) == ("Completed", True, None)


async def test_non_unique_primary_key_is_turned_off_with_posthogs_text(client: httpx2.AsyncClient) -> None:
    line_items = await get(client, POSTGRES_LINE_ITEMS_ID)
    assert state_of(line_items) == ("Failed", False, DUPLICATE_PRIMARY_KEY_LATEST_ERROR)
    assert line_items["primary_key_columns"] == ["order_id"]
    errors = await error_lines(client, POSTGRES_LINE_ITEMS_ID)
    assert DUPLICATE_PRIMARY_KEY_LATEST_ERROR in errors
    assert any(line.startswith("The primary keys for this table are not unique.") for line in errors)
    fields = (await client.post(schema_url(POSTGRES_LINE_ITEMS_ID, "incremental_fields"))).json()
    assert fields["detected_primary_keys"] == ["id"]


async def test_non_unique_primary_key_fixed_by_a_new_key_after_deleting_the_data(
    client: httpx2.AsyncClient, clock: ManualClock
) -> None:
    url = schema_url(POSTGRES_LINE_ITEMS_ID)
    # Re-enabling alone fails the same way and turns syncing off again.
    assert (await client.patch(url, json={"should_sync": True})).status_code == 200
    assert state_of(await sync_now(client, clock, POSTGRES_LINE_ITEMS_ID)) == (
        "Failed",
        False,
        DUPLICATE_PRIMARY_KEY_LATEST_ERROR,
    )
    # PostHog refuses a new key while the table holds data synced with the old one.
    refused = await client.patch(url, json={"primary_key_columns": ["id"], "should_sync": True})
    assert (refused.status_code, refused.json()) == (400, validation(PK_CHANGE))
    assert (await client.delete(schema_url(POSTGRES_LINE_ITEMS_ID, "delete_data"))).status_code == 200
    assert (await client.patch(url, json={"primary_key_columns": ["id"], "should_sync": True})).status_code == 200
    line_items = await sync_now(client, clock, POSTGRES_LINE_ITEMS_ID)
    assert state_of(line_items) == ("Completed", True, None)
    assert line_items["table"]["row_count"] == 2_861_540 + 3_412 * 2


async def test_non_unique_primary_key_fixed_by_full_refresh(client: httpx2.AsyncClient, clock: ManualClock) -> None:
    patched = await client.patch(
        schema_url(POSTGRES_LINE_ITEMS_ID), json={"sync_type": "full_refresh", "should_sync": True}
    )
    assert patched.status_code == 200
    assert state_of(await sync_now(client, clock, POSTGRES_LINE_ITEMS_ID)) == ("Completed", True, None)


# --- (b) fixed only at the source ---------------------------------------------------------------


async def test_hubspot_missing_scope_is_fixed_only_at_the_source(
    client: httpx2.AsyncClient, clock: ManualClock
) -> None:
    assert state_of(await get(client, HUBSPOT_DEALS_ID)) == ("Failed", False, HUBSPOT_DEALS_LATEST_ERROR)
    assert (await client.patch(schema_url(HUBSPOT_DEALS_ID), json={"should_sync": True})).status_code == 200
    assert state_of(await sync_now(client, clock, HUBSPOT_DEALS_ID)) == ("Failed", False, HUBSPOT_DEALS_LATEST_ERROR)
    assert (await client.post(schema_url(HUBSPOT_DEALS_ID, "incremental_fields"))).json() == {
        "message": HUBSPOT_DEALS_ERROR
    }
    # The user grants the scope in HubSpot and reconnects; then re-enabling and a reload work.
    assert (await client.post(f"/_sandbox/sources/{HUBSPOT_SOURCE_ID}/reconnect")).json() == {"reconnected": True}
    assert (await client.patch(schema_url(HUBSPOT_DEALS_ID), json={"should_sync": True})).status_code == 200
    assert state_of(await sync_now(client, clock, HUBSPOT_DEALS_ID)) == ("Completed", True, None)


# --- (c) credentials ----------------------------------------------------------------------------


async def test_expired_stripe_key_fails_every_schema_of_the_source(
    client: httpx2.AsyncClient, clock: ManualClock
) -> None:
    for schema_id in (STRIPE_EU_BALANCE_TRANSACTIONS_ID, STRIPE_EU_CREDIT_NOTES_ID):
        assert state_of(await get(client, schema_id)) == ("Failed", False, STRIPE_EXPIRED_KEY_LATEST_ERROR)
        assert STRIPE_EXPIRED_KEY_ERROR in await error_lines(client, schema_id)
    # The source's credential check answers the way Stripe's validate_credentials does.
    refused = await client.post(schema_url(STRIPE_EU_BALANCE_TRANSACTIONS_ID, "incremental_fields"))
    assert (refused.status_code, refused.json()) == (400, {"message": STRIPE_REJECTED_KEY_MESSAGE})
    # Re-enabling does not help while the key is expired.
    assert (await client.patch(schema_url(STRIPE_EU_CREDIT_NOTES_ID), json={"should_sync": True})).status_code == 200
    assert state_of(await sync_now(client, clock, STRIPE_EU_CREDIT_NOTES_ID)) == (
        "Failed",
        False,
        STRIPE_EXPIRED_KEY_LATEST_ERROR,
    )


async def test_expired_stripe_key_is_fixed_by_reconnecting_then_re_enabling(
    client: httpx2.AsyncClient, clock: ManualClock
) -> None:
    assert (await client.post(f"/_sandbox/sources/{STRIPE_EU_SOURCE_ID}/reconnect")).status_code == 200
    assert (await client.post(schema_url(STRIPE_EU_BALANCE_TRANSACTIONS_ID, "incremental_fields"))).status_code == 200
    url = schema_url(STRIPE_EU_BALANCE_TRANSACTIONS_ID)
    assert (await client.patch(url, json={"should_sync": True})).status_code == 200
    assert state_of(await sync_now(client, clock, STRIPE_EU_BALANCE_TRANSACTIONS_ID)) == ("Completed", True, None)
    assert (await client.post("/_sandbox/sources/0193f0c1-0d00-7000-8000-999999999999/reconnect")).status_code == 404


# --- (d) transient ------------------------------------------------------------------------------


async def test_transient_failure_keeps_syncing_on_and_a_reload_fixes_it(
    client: httpx2.AsyncClient, clock: ManualClock
) -> None:
    assert state_of(await get(client, HUBSPOT_COMPANIES_ID)) == ("Failed", True, HUBSPOT_TRANSIENT_ERROR)
    errors = await error_lines(client, HUBSPOT_COMPANIES_ID)
    assert errors[-1] == HUBSPOT_TRANSIENT_ERROR  # no friendly text, no "giving up"
    companies = await sync_now(client, clock, HUBSPOT_COMPANIES_ID)
    assert state_of(companies) == ("Completed", True, None)


# --- PostHog's matching -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        # Matched, with a friendly text.
        ("Request req_1: Expired API Key provided: rk_live_*x", STRIPE_EXPIRED_KEY_LATEST_ERROR, True),
        (
            "403 Client Error: Forbidden for url: https://api.stripe.com/v1/charges",
            "Your Stripe credentials do not have permissions to access endpoint. "
            "Please check your configuration and permissions in Stripe, then try again.",
            True,
        ),
        # Matched, but PostHog keeps Stripe's own text (it names the fix).
        ("Invalid API Key provided: sk_test_*abcd", "Invalid API Key provided: sk_test_*abcd", True),
        # A cross-source key, matched after newlines are flattened; no friendly text, so the raw one stays.
        ("Could not establish session\\nto SSH gateway", "Could not establish session\\nto SSH gateway", True),
        # Unmatched: retryable, raw text, syncing stays on.
        ("Read timed out. (read timeout=300)", "Read timed out. (read timeout=300)", False),
    ],
)
async def test_classification_follows_posthogs_tables(
    client: httpx2.AsyncClient, clock: ManualClock, state: SandboxState, case: tuple[str, str, bool]
) -> None:
    raw_error, latest_error, turned_off = case
    state.schemas[STRIPE_CHARGES_ID].fail_with = raw_error.replace("\\n", "\n")
    charge = await sync_now(client, clock, STRIPE_CHARGES_ID)
    assert charge["status"] == "Failed"
    assert charge["latest_error"] == latest_error.replace("\\n", "\n")
    assert charge["should_sync"] is not turned_off
