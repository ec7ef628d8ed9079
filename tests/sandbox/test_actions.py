"""The custom actions, destroy and create, with their real status codes and bodies."""

from __future__ import annotations

import httpx2
import pytest

from posthog_external_data_mcp.sandbox import ManualClock
from posthog_external_data_mcp.sandbox.demo import (
    DEMO_SCHEMA_IDS,
    HUBSPOT_CONTACTS_ID,
    HUBSPOT_DEALS_ERROR,
    HUBSPOT_DEALS_ID,
    HUBSPOT_DEALS_LATEST_ERROR,
    ISOLATION_POSTGRES_CUSTOMERS_ID,
    ISOLATION_PROJECT_ID,
    ISOLATION_STRIPE_REFUNDS_ID,
    POSTGRES_DAILY_REVENUE_ID,
    POSTGRES_EVENTS_ID,
    POSTGRES_ORDERS_ID,
    POSTGRES_USERS_ID,
    STRIPE_CHARGES_ID,
    STRIPE_DISCOUNTS_ID,
    STRIPE_INVOICES_ID,
)
from posthog_external_data_mcp.sandbox.store import SandboxState

from .conftest import envelope, schema_url, schemas_url

pytestmark = pytest.mark.anyio

BILLING_LIMIT = {"message": "Monthly sync limit reached. Please increase your billing limit to resume syncing."}
TRIGGER_FAILED = {"detail": "Couldn't start the sync. Try again in a few minutes."}


async def get(client: httpx2.AsyncClient, schema_id: str, project: int = 1) -> dict[str, object]:
    response = await client.get(schema_url(schema_id, project=project))
    assert response.status_code == 200
    return response.json()


# --- reload ------------------------------------------------------------------------------------


async def test_reload_is_200_empty_and_running(client: httpx2.AsyncClient) -> None:
    response = await client.post(schema_url(STRIPE_CHARGES_ID, "reload"))
    assert response.status_code == 200
    assert response.content == b""
    assert (await get(client, STRIPE_CHARGES_ID))["status"] == "Running"


async def test_reload_billing_limit_gate(client: httpx2.AsyncClient) -> None:
    # Project 2 has a Paused schema: PostHog's "over the billing limit" signal.
    response = await client.post(schema_url(ISOLATION_STRIPE_REFUNDS_ID, "reload", project=ISOLATION_PROJECT_ID))
    assert response.status_code == 400
    assert response.json() == BILLING_LIMIT
    assert (await get(client, ISOLATION_STRIPE_REFUNDS_ID, ISOLATION_PROJECT_ID))["status"] == "Completed"


async def test_reload_trigger_failure_leaves_status(client: httpx2.AsyncClient, state: SandboxState) -> None:
    state.temporal_available = False
    response = await client.post(schema_url(HUBSPOT_DEALS_ID, "reload"))
    assert response.status_code == 400
    assert response.json() == TRIGGER_FAILED
    assert (await get(client, HUBSPOT_DEALS_ID))["status"] == "Failed"


async def test_reload_while_running_does_not_start_a_second_job(
    client: httpx2.AsyncClient, state: SandboxState
) -> None:
    jobs_before = len(state.jobs)
    assert (await client.post(schema_url(POSTGRES_EVENTS_ID, "reload"))).status_code == 200
    assert len(state.jobs) == jobs_before


# --- resync ------------------------------------------------------------------------------------


async def test_resync_is_200_empty_and_running(client: httpx2.AsyncClient, state: SandboxState) -> None:
    response = await client.post(schema_url(STRIPE_INVOICES_ID, "resync"))
    assert response.status_code == 200
    assert response.content == b""
    assert (await get(client, STRIPE_INVOICES_ID))["status"] == "Running"
    assert state.schemas[STRIPE_INVOICES_ID].sync_type_config["reset_pipeline"] is True


async def test_resync_cancels_a_running_sync_first(client: httpx2.AsyncClient, state: SandboxState) -> None:
    running = state.latest_job(POSTGRES_EVENTS_ID)
    assert running is not None
    assert running.status == "Running"
    assert (await client.post(schema_url(POSTGRES_EVENTS_ID, "resync"))).status_code == 200
    assert running.status == "Failed"
    assert running.latest_error == "Sync cancelled by user"
    latest = state.latest_job(POSTGRES_EVENTS_ID)
    assert latest is not None
    assert latest is not running
    assert latest.status == "Running"


async def test_resync_of_cdc_schema_resnapshots(client: httpx2.AsyncClient, state: SandboxState) -> None:
    assert (await client.post(schema_url(POSTGRES_USERS_ID, "resync"))).status_code == 200
    config = state.schemas[POSTGRES_USERS_ID].sync_type_config
    assert (config["cdc_mode"], config["reset_pipeline"]) == ("snapshot", True)
    assert state.schemas[POSTGRES_USERS_ID].initial_sync_complete is False


async def test_resync_billing_limit_and_trigger_failure(client: httpx2.AsyncClient, state: SandboxState) -> None:
    gated = await client.post(schema_url(ISOLATION_STRIPE_REFUNDS_ID, "resync", project=ISOLATION_PROJECT_ID))
    assert gated.status_code == 400
    assert gated.json() == BILLING_LIMIT
    state.temporal_available = False
    failed = await client.post(schema_url(STRIPE_CHARGES_ID, "resync"))
    assert failed.status_code == 400
    assert failed.json() == TRIGGER_FAILED


# --- cancel ------------------------------------------------------------------------------------


async def test_cancel_without_running_sync_is_400(client: httpx2.AsyncClient) -> None:
    response = await client.post(schema_url(STRIPE_CHARGES_ID, "cancel"))
    assert response.status_code == 400
    assert response.json() == {"detail": "No running sync to cancel."}


async def test_cancel_running_sync(client: httpx2.AsyncClient, clock: ManualClock) -> None:
    assert (await client.post(schema_url(STRIPE_CHARGES_ID, "reload"))).status_code == 200
    response = await client.post(schema_url(STRIPE_CHARGES_ID, "cancel"))
    assert response.status_code == 200
    assert response.content == b""
    cancelled = await get(client, STRIPE_CHARGES_ID)
    assert (cancelled["status"], cancelled["latest_error"]) == ("Failed", "Sync cancelled by user")
    # A cancelled job never completes.
    clock.advance(60)
    assert (await get(client, STRIPE_CHARGES_ID))["status"] == "Failed"
    again = await client.post(schema_url(STRIPE_CHARGES_ID, "cancel"))
    assert again.status_code == 400


async def test_cancel_repairs_stale_running_status(client: httpx2.AsyncClient, state: SandboxState) -> None:
    # No job at all behind a Running status: repainted Failed.
    state.schemas[STRIPE_DISCOUNTS_ID].status = "Running"
    response = await client.post(schema_url(STRIPE_DISCOUNTS_ID, "cancel"))
    assert response.status_code == 200
    assert response.json() == {"detail": "No sync was running. The sync status has been updated."}
    assert (await get(client, STRIPE_DISCOUNTS_ID))["status"] == "Failed"
    # With a finished job behind it: the job's status and error are mirrored.
    state.schemas[HUBSPOT_DEALS_ID].status = "Running"
    state.schemas[HUBSPOT_DEALS_ID].latest_error = None
    assert (await client.post(schema_url(HUBSPOT_DEALS_ID, "cancel"))).status_code == 200
    deals = await get(client, HUBSPOT_DEALS_ID)
    assert (deals["status"], deals["latest_error"]) == ("Failed", HUBSPOT_DEALS_LATEST_ERROR)


async def test_cancel_v3_tolerates_temporal_errors(client: httpx2.AsyncClient, state: SandboxState) -> None:
    state.temporal_available = False
    response = await client.post(schema_url(POSTGRES_EVENTS_ID, "cancel"))
    assert response.status_code == 200
    assert (await get(client, POSTGRES_EVENTS_ID))["status"] == "Failed"


async def test_cancel_legacy_pipeline_rpc_error_is_400(client: httpx2.AsyncClient, state: SandboxState) -> None:
    job = state.latest_job(POSTGRES_EVENTS_ID)
    assert job is not None
    job.pipeline_version = "v2-non-dlt"
    state.temporal_available = False
    response = await client.post(schema_url(POSTGRES_EVENTS_ID, "cancel"))
    assert response.status_code == 400
    assert response.json() == {"detail": "Could not cancel the running sync. Please try again."}
    assert job.status == "Running"
    state.temporal_available = True
    assert (await client.post(schema_url(POSTGRES_EVENTS_ID, "cancel"))).status_code == 200
    assert job.status == "Failed"


# --- delete_data -------------------------------------------------------------------------------


async def test_delete_data_clears_table_and_sync_state(client: httpx2.AsyncClient) -> None:
    response = await client.delete(schema_url(POSTGRES_ORDERS_ID, "delete_data"))
    assert response.status_code == 200
    assert response.content == b""
    orders = await get(client, POSTGRES_ORDERS_ID)
    assert (orders["table"], orders["last_synced_at"], orders["status"]) == (None, None, None)
    assert orders["should_sync"] is True
    # SQL sources keep their discovered columns; others fall back to the (gone) table.
    assert orders["available_columns"]
    assert (await client.delete(schema_url(STRIPE_CHARGES_ID, "delete_data"))).status_code == 200
    assert (await get(client, STRIPE_CHARGES_ID))["available_columns"] == []
    # Without a table it is a no-op that still answers 200.
    assert (await client.delete(schema_url(STRIPE_DISCOUNTS_ID, "delete_data"))).status_code == 200


async def test_delete_data_on_direct_query_source_disables(client: httpx2.AsyncClient, state: SandboxState) -> None:
    state.sources[state.schemas[POSTGRES_ORDERS_ID].source_id].access_method = "direct"
    assert (await client.delete(schema_url(POSTGRES_ORDERS_ID, "delete_data"))).status_code == 200
    orders = await get(client, POSTGRES_ORDERS_ID)
    assert orders["should_sync"] is False
    assert orders["last_synced_at"] is not None


# --- incremental_fields ------------------------------------------------------------------------


async def test_incremental_fields_stripe(client: httpx2.AsyncClient) -> None:
    response = await client.post(schema_url(STRIPE_CHARGES_ID, "incremental_fields"))
    assert response.status_code == 200
    assert response.json() == {
        "incremental_fields": [
            {"label": "created_at", "type": "datetime", "field": "created", "field_type": "integer"}
        ],
        "incremental_available": False,
        "append_available": True,
        "cdc_available": None,
        "xmin_available": None,
        "full_refresh_available": True,
        "supports_webhooks": True,
        "webhook_only": False,
        "available_columns": [],
        "detected_primary_keys": None,
    }


async def test_incremental_fields_postgres(client: httpx2.AsyncClient) -> None:
    body = (await client.post(schema_url(POSTGRES_ORDERS_ID, "incremental_fields"))).json()
    assert body["incremental_fields"] == [
        {
            "label": "id",
            "type": "integer",
            "field": "id",
            "field_type": "integer",
            "nullable": False,
            "is_indexed": True,
        },
        {
            "label": "created_at",
            "type": "timestamp",
            "field": "created_at",
            "field_type": "timestamp",
            "nullable": False,
            "is_indexed": True,
        },
        {
            "label": "updated_at",
            "type": "timestamp",
            "field": "updated_at",
            "field_type": "timestamp",
            "nullable": False,
            "is_indexed": True,
        },
        {"label": "xmin", "type": "xid", "field": "xmin", "field_type": "xid", "is_indexed": False},
    ]
    assert {key: value for key, value in body.items() if key not in ("incremental_fields", "available_columns")} == {
        "incremental_available": True,
        "append_available": True,
        "cdc_available": True,
        "xmin_available": True,
        "full_refresh_available": True,
        "supports_webhooks": False,
        "webhook_only": False,
        "detected_primary_keys": ["id"],
    }
    assert body["available_columns"][0] == {"field": "id", "label": "id", "type": "integer", "nullable": False}
    assert [column["field"] for column in body["available_columns"]] == [
        "id",
        "customer_id",
        "status",
        "total_amount",
        "currency",
        "created_at",
        "updated_at",
        "shipped_at",
    ]


async def test_incremental_fields_differ_per_source_and_table(client: httpx2.AsyncClient) -> None:
    contacts = (await client.post(schema_url(HUBSPOT_CONTACTS_ID, "incremental_fields"))).json()
    assert (contacts["xmin_available"], contacts["cdc_available"], contacts["supports_webhooks"]) == (None, None, False)
    assert contacts["incremental_fields"][0]["field"] == "lastmodifieddate"
    discount = (await client.post(schema_url(STRIPE_DISCOUNTS_ID, "incremental_fields"))).json()
    assert (discount["webhook_only"], discount["full_refresh_available"]) == (True, False)
    view = (await client.post(schema_url(POSTGRES_DAILY_REVENUE_ID, "incremental_fields"))).json()
    assert (view["xmin_available"], view["cdc_available"], view["detected_primary_keys"]) == (False, False, None)
    # Project 2 lacks the CDC feature flag: cdc_available is null, not false.
    staging = await client.post(
        schema_url(ISOLATION_POSTGRES_CUSTOMERS_ID, "incremental_fields", project=ISOLATION_PROJECT_ID)
    )
    assert staging.json()["cdc_available"] is None


async def test_incremental_fields_ignores_the_body(client: httpx2.AsyncClient) -> None:
    expected = (await client.post(schema_url(POSTGRES_ORDERS_ID, "incremental_fields"))).json()
    with_fields = await client.post(
        schema_url(POSTGRES_ORDERS_ID, "incremental_fields"), json={"sync_type": "blah", "should_sync": "x"}
    )
    assert with_fields.status_code == 200
    assert with_fields.json() == expected
    garbage = await client.post(
        schema_url(POSTGRES_ORDERS_ID, "incremental_fields"),
        content=b"{nope",
        headers={"Content-Type": "application/json"},
    )
    assert garbage.status_code == 200


async def test_incremental_fields_discovery_error(client: httpx2.AsyncClient) -> None:
    response = await client.post(schema_url(HUBSPOT_DEALS_ID, "incremental_fields"))
    assert response.status_code == 400
    assert response.json() == {"message": HUBSPOT_DEALS_ERROR}


async def test_incremental_fields_missing_job_inputs(client: httpx2.AsyncClient, state: SandboxState) -> None:
    state.sources[state.schemas[STRIPE_CHARGES_ID].source_id].job_inputs = None
    response = await client.post(schema_url(STRIPE_CHARGES_ID, "incremental_fields"))
    assert response.status_code == 400
    assert response.json() == {"message": "Missing job inputs"}


async def test_incremental_fields_missing_source_type(client: httpx2.AsyncClient, state: SandboxState) -> None:
    state.sources[state.schemas[STRIPE_CHARGES_ID].source_id].source_type = ""
    response = await client.post(schema_url(STRIPE_CHARGES_ID, "incremental_fields"))
    assert response.status_code == 400
    assert response.json() == {"message": "Missing source type"}


async def test_incremental_fields_unknown_source_type_is_500(client: httpx2.AsyncClient, state: SandboxState) -> None:
    state.sources[state.schemas[STRIPE_CHARGES_ID].source_id].source_type = "bad_source"
    response = await client.post(schema_url(STRIPE_CHARGES_ID, "incremental_fields"))
    assert response.status_code == 500
    assert response.json() == envelope("server_error", "error", "A server error occurred.")


async def test_incremental_fields_invalid_credentials(client: httpx2.AsyncClient, state: SandboxState) -> None:
    source = state.sources[state.schemas[POSTGRES_ORDERS_ID].source_id]
    source.credentials_error = 'password authentication failed for user "posthog_reader"'
    response = await client.post(schema_url(POSTGRES_ORDERS_ID, "incremental_fields"))
    assert response.status_code == 400
    assert response.json() == {"message": 'password authentication failed for user "posthog_reader"'}
    source.credentials_error = ""
    response = await client.post(schema_url(POSTGRES_ORDERS_ID, "incremental_fields"))
    assert response.json() == {"message": "Invalid credentials"}


async def test_incremental_fields_table_not_discovered(client: httpx2.AsyncClient, state: SandboxState) -> None:
    state.schemas[POSTGRES_ORDERS_ID].name = "orders_archive"
    response = await client.post(schema_url(POSTGRES_ORDERS_ID, "incremental_fields"))
    assert response.status_code == 400
    assert response.json() == {
        "message": "Could not discover schema orders_archive. The connection may be missing SELECT or schema access "
        "privileges, or discovery may not support this relation type. Check that the relation exists, restore read "
        "privileges, or expose it as a supported table or view, then try again."
    }
    state.schemas[HUBSPOT_CONTACTS_ID].name = "leads"
    response = await client.post(schema_url(HUBSPOT_CONTACTS_ID, "incremental_fields"))
    assert response.status_code == 400
    assert response.json() == {"message": "Schema with name leads not found"}


# --- destroy, logs, destinations, object permissions -------------------------------------------


async def test_destroy_is_204_soft_delete(client: httpx2.AsyncClient, state: SandboxState) -> None:
    response = await client.delete(schema_url(HUBSPOT_DEALS_ID))
    assert response.status_code == 204
    assert response.content == b""
    assert (await client.get(schema_url(HUBSPOT_DEALS_ID))).status_code == 404
    assert (await client.post(schema_url(HUBSPOT_DEALS_ID, "reload"))).status_code == 404
    assert state.schemas[HUBSPOT_DEALS_ID].deleted is True
    table = state.schemas[HUBSPOT_DEALS_ID].table
    assert table is not None
    assert table.deleted is True
    assert (await client.get(schemas_url())).json()["count"] == len(DEMO_SCHEMA_IDS) - 1


async def test_destinations(client: httpx2.AsyncClient) -> None:
    body = (await client.get(schema_url(STRIPE_CHARGES_ID, "destinations"))).json()
    assert body == {"destination_ids": None, "inherits_from_source": True, "effective_destination_ids": []}
    cleared = await client.patch(schema_url(STRIPE_CHARGES_ID, "destinations"), json={"destination_ids": None})
    assert cleared.json() == {"destination_ids": None, "inherits_from_source": True}


async def test_object_access_levels(client: httpx2.AsyncClient, state: SandboxState) -> None:
    source = state.sources[state.schemas[STRIPE_CHARGES_ID].source_id]
    source.user_access_level = "viewer"
    assert (await client.get(schema_url(STRIPE_CHARGES_ID))).json()["user_access_level"] == "viewer"
    denied = await client.patch(schema_url(STRIPE_CHARGES_ID), json={"should_sync": False})
    assert denied.status_code == 403
    assert denied.json() == envelope(
        "authentication_error", "permission_denied", "You do not have editor access to this table."
    )
    source.user_access_level = "none"
    hidden = await client.get(schema_url(STRIPE_CHARGES_ID))
    assert hidden.status_code == 403
    assert hidden.json()["detail"] == "You do not have viewer access to this table."


async def test_system_managed_schemas_are_read_only(client: httpx2.AsyncClient, state: SandboxState) -> None:
    state.sources[state.schemas[STRIPE_CHARGES_ID].source_id].is_system_managed = True
    assert (await client.get(schema_url(STRIPE_CHARGES_ID))).status_code == 200
    message = envelope(
        "authentication_error",
        "permission_denied",
        "This schema is managed by PostHog and cannot be changed through this API.",
    )
    for response in (
        await client.patch(schema_url(STRIPE_CHARGES_ID), json={"should_sync": False}),
        await client.post(schema_url(STRIPE_CHARGES_ID, "reload")),
    ):
        assert response.status_code == 403
        assert response.json() == message
