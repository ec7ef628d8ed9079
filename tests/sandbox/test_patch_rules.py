"""Every PATCH/PUT rule, in PostHog's order, with its exact status, envelope and message."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from posthog_external_data_mcp.sandbox import ManualClock
from posthog_external_data_mcp.sandbox.demo import (
    DEMO_SCHEMA_IDS,
    HUBSPOT_CONTACTS_ID,
    HUBSPOT_DEALS_ID,
    ISOLATION_POSTGRES_CUSTOMERS_ID,
    ISOLATION_PROJECT_ID,
    POSTGRES_DAILY_REVENUE_ID,
    POSTGRES_EVENTS_ID,
    POSTGRES_ORDERS_ID,
    POSTGRES_USERS_ID,
    STRIPE_CHARGES_ID,
    STRIPE_CUSTOMERS_ID,
    STRIPE_DISCOUNTS_ID,
    STRIPE_INVOICES_ID,
    STRIPE_SUBSCRIPTIONS_ID,
)
from posthog_external_data_mcp.sandbox.store import SandboxState

from .conftest import schema_url, validation

pytestmark = pytest.mark.anyio


async def patch(client: httpx2.AsyncClient, schema_id: str, body: Any, project: int = 1) -> httpx2.Response:
    return await client.patch(schema_url(schema_id, project=project), json=body)


async def assert_rejected(
    client: httpx2.AsyncClient, schema_id: str, body: Any, expected: dict[str, Any], project: int = 1
) -> None:
    before = (await client.get(schema_url(schema_id, project=project))).json()
    response = await patch(client, schema_id, body, project)
    assert response.status_code == 400, response.text
    assert response.json() == expected
    # A rejected update changes nothing.
    assert (await client.get(schema_url(schema_id, project=project))).json() == before


async def assert_applied(client: httpx2.AsyncClient, schema_id: str, body: Any, project: int = 1) -> dict[str, Any]:
    response = await patch(client, schema_id, body, project)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    assert result["source"] is None  # PATCH responses never embed the source summary
    return result


def over_billing_limit(state: SandboxState) -> None:
    """PostHog's billing gate is "any schema of the team is Paused"."""
    state.schemas[STRIPE_CHARGES_ID].status = "Paused"


# --- Field level (rules 1-5) -------------------------------------------------------------------


async def test_rule_01_sync_type_not_in_enum(client: httpx2.AsyncClient) -> None:
    await assert_rejected(
        client,
        STRIPE_CHARGES_ID,
        {"sync_type": "blah"},
        validation('"blah" is not a valid choice.', "sync_type", "invalid_choice"),
    )


async def test_rule_02_sync_frequency_not_in_enum_and_1min_rejected(client: httpx2.AsyncClient) -> None:
    for value in ("1min", "2hour"):
        await assert_rejected(
            client,
            STRIPE_CHARGES_ID,
            {"sync_frequency": value},
            validation(
                f'"{value}" is not a valid sync frequency. The fastest sync frequency is 5 minutes.',
                "sync_frequency",
                "invalid_choice",
            ),
        )


async def test_rule_03_incremental_field_type_and_cdc_table_mode_enums(client: httpx2.AsyncClient) -> None:
    await assert_rejected(
        client,
        POSTGRES_ORDERS_ID,
        {"incremental_field_type": "uuid"},
        validation('"uuid" is not a valid choice.', "incremental_field_type", "invalid_choice"),
    )
    await assert_rejected(
        client,
        POSTGRES_USERS_ID,
        {"cdc_table_mode": "history"},
        validation('"history" is not a valid choice.', "cdc_table_mode", "invalid_choice"),
    )


async def test_rule_04_lookback_bounds(client: httpx2.AsyncClient) -> None:
    await assert_rejected(
        client,
        POSTGRES_ORDERS_ID,
        {"incremental_field_lookback_seconds": -1},
        validation(
            "Ensure this value is greater than or equal to 0.", "incremental_field_lookback_seconds", "min_value"
        ),
    )
    await assert_rejected(
        client,
        POSTGRES_ORDERS_ID,
        {"incremental_field_lookback_seconds": 5_184_001},
        validation(
            "Ensure this value is less than or equal to 5184000.", "incremental_field_lookback_seconds", "max_value"
        ),
    )
    await assert_rejected(
        client,
        POSTGRES_ORDERS_ID,
        {"incremental_field_lookback_seconds": "an hour"},
        validation("A valid integer is required.", "incremental_field_lookback_seconds"),
    )
    applied = await assert_applied(client, POSTGRES_ORDERS_ID, {"incremental_field_lookback_seconds": 5_184_000})
    assert applied["incremental_field_lookback_seconds"] == 5_184_000


async def test_rule_05_time_of_day_must_parse(client: httpx2.AsyncClient) -> None:
    await assert_rejected(
        client,
        STRIPE_CHARGES_ID,
        {"sync_time_of_day": "noon"},
        validation("Time has wrong format. Use one of these formats instead: hh:mm[:ss[.uuuuuu]].", "sync_time_of_day"),
    )


async def test_field_errors_follow_serializer_field_order(client: httpx2.AsyncClient) -> None:
    # DRF validates every field in Meta.fields order; exceptions-hog reports only the first error.
    response = await patch(client, STRIPE_CHARGES_ID, {"sync_frequency": "1min", "sync_type": "blah"})
    assert response.json()["attr"] == "sync_type"
    response = await patch(client, STRIPE_CHARGES_ID, {"sync_frequency": "1min", "incremental_field_type": "x"})
    assert response.json()["attr"] == "incremental_field_type"
    response = await patch(client, STRIPE_CHARGES_ID, {"api_version": "x" * 200, "should_sync": "maybe"})
    assert response.json()["attr"] == "should_sync"


async def test_drf_field_type_errors(client: httpx2.AsyncClient) -> None:
    await assert_rejected(
        client, STRIPE_CHARGES_ID, {"should_sync": "maybe"}, validation("Must be a valid boolean.", "should_sync")
    )
    await assert_rejected(
        client,
        STRIPE_CHARGES_ID,
        {"should_sync": None},
        validation("This field may not be null.", "should_sync", "null"),
    )
    await assert_rejected(
        client,
        POSTGRES_ORDERS_ID,
        {"primary_key_columns": "id"},
        validation('Expected a list of items but got type "str".', "primary_key_columns", "not_a_list"),
    )
    await assert_rejected(
        client,
        POSTGRES_ORDERS_ID,
        {"primary_key_columns": ["id", None]},
        validation("This field may not be null.", "primary_key_columns__1", "null"),
    )
    await assert_rejected(
        client,
        POSTGRES_ORDERS_ID,
        {"enabled_columns": {"id": True}},
        validation('Expected a list of items but got type "dict".', "enabled_columns", "not_a_list"),
    )
    await assert_rejected(
        client,
        POSTGRES_ORDERS_ID,
        {"incremental_field": ""},
        validation("This field may not be blank.", "incremental_field", "blank"),
    )
    await assert_rejected(
        client,
        STRIPE_CHARGES_ID,
        {"api_version": "v" * 129},
        validation("Ensure this field has no more than 128 characters.", "api_version", "max_length"),
    )
    # DRF's lenient booleans.
    assert (await assert_applied(client, STRIPE_CHARGES_ID, {"should_sync": "false"}))["should_sync"] is False


async def test_body_must_be_an_object(client: httpx2.AsyncClient) -> None:
    await assert_rejected(
        client, STRIPE_CHARGES_ID, ["should_sync"], validation("Invalid data. Expected a dictionary, but got list.")
    )


async def test_invalid_json_is_a_parse_error(client: httpx2.AsyncClient) -> None:
    response = await client.patch(
        schema_url(STRIPE_CHARGES_ID), content=b'{"should_sync": tru', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "type": "invalid_request",
        "code": "parse_error",
        "detail": "JSON parse error - Expecting value: line 1 column 17 (char 16)",
        "attr": None,
    }


# --- validate(): api_version (rule 6) ----------------------------------------------------------


async def test_rule_06_api_version_not_for_webhook_schemas(client: httpx2.AsyncClient) -> None:
    message = (
        "API version overrides are not available for webhook-sync schemas — "
        "webhook payload versions are configured on the source at the vendor."
    )
    await assert_rejected(
        client, STRIPE_SUBSCRIPTIONS_ID, {"api_version": "2025-03-31.basil"}, validation(message, "api_version")
    )
    # The stored override of Invoice also blocks switching it to webhook sync.
    await assert_rejected(client, STRIPE_INVOICES_ID, {"sync_type": "webhook"}, validation(message, "api_version"))


async def test_rule_06_api_version_must_be_supported(client: httpx2.AsyncClient) -> None:
    await assert_rejected(
        client,
        STRIPE_CHARGES_ID,
        {"api_version": "2020-08-27"},
        validation(
            "'2020-08-27' is not a supported Stripe API version. "
            "Supported versions: 2024-09-30.acacia, 2025-03-31.basil, 2025-09-30.clover",
            "api_version",
        ),
    )
    applied = await assert_applied(client, STRIPE_CHARGES_ID, {"api_version": "2024-09-30.acacia"})
    assert applied["api_version"] == "2024-09-30.acacia"
    assert applied["api_version_deprecation"] == {
        "version": "2024-09-30.acacia",
        "sunset_at": "2026-12-31",
        "default_version": "2025-09-30.clover",
    }
    cleared = await assert_applied(client, STRIPE_CHARGES_ID, {"api_version": None})
    assert cleared["api_version"] is None
    assert cleared["api_version_deprecation"] is None


async def test_rule_06_api_version_for_unregistered_source_type(
    client: httpx2.AsyncClient, state: SandboxState
) -> None:
    state.sources[state.schemas[STRIPE_CHARGES_ID].source_id].source_type = "bad_source"
    await assert_rejected(
        client,
        STRIPE_CHARGES_ID,
        {"api_version": "2025-03-31.basil"},
        validation("API version overrides are not supported for this source type.", "api_version"),
    )


async def test_rule_06_unchanged_override_is_not_revalidated(client: httpx2.AsyncClient, state: SandboxState) -> None:
    # A pin the vendor has since retired still round-trips untouched.
    state.schemas[STRIPE_INVOICES_ID].api_version = "2023-10-16"
    applied = await assert_applied(client, STRIPE_INVOICES_ID, {"api_version": "2023-10-16", "should_sync": True})
    assert applied["api_version"] == "2023-10-16"


# --- update() (rules 7-25) ---------------------------------------------------------------------


async def test_rule_07_cdc_table_mode_resnapshot_blocked_over_billing_limit(
    client: httpx2.AsyncClient, state: SandboxState
) -> None:
    state.schemas[POSTGRES_USERS_ID].sync_type_config["cdc_table_mode"] = "consolidated"
    over_billing_limit(state)
    await assert_rejected(
        client,
        POSTGRES_USERS_ID,
        {"cdc_table_mode": "both"},
        validation(
            "Monthly sync limit reached. Please increase your billing limit before changing "
            "the CDC table mode — a full re-snapshot would be required."
        ),
    )
    # Dropping a write target needs no re-snapshot, so it passes the gate.
    state.schemas[POSTGRES_USERS_ID].sync_type_config["cdc_table_mode"] = "both"
    assert (await assert_applied(client, POSTGRES_USERS_ID, {"cdc_table_mode": "consolidated"}))[
        "status"
    ] == "Completed"


async def test_rule_08_column_selection_unsupported_for_canonical_sources(client: httpx2.AsyncClient) -> None:
    await assert_rejected(
        client,
        STRIPE_CHARGES_ID,
        {"enabled_columns": ["id", "amount"]},
        validation("Column selection is not supported for this source type."),
    )


async def test_rule_08_unknown_columns(client: httpx2.AsyncClient) -> None:
    await assert_rejected(
        client,
        POSTGRES_ORDERS_ID,
        {"enabled_columns": ["id", "zzz", "nope"]},
        validation(
            "Unknown columns in enabled_columns: ['nope', 'zzz']. Run `Pull new schemas` to refresh available columns."
        ),
    )


async def test_rule_08_metadata_unavailable(client: httpx2.AsyncClient) -> None:
    await assert_rejected(
        client,
        POSTGRES_DAILY_REVENUE_ID,
        {"enabled_columns": ["day"]},
        validation("Column metadata is unavailable. Run `Pull new schemas` before selecting source columns."),
    )
    # An empty list and non-SQL sources without metadata are accepted.
    assert (await assert_applied(client, POSTGRES_DAILY_REVENUE_ID, {"enabled_columns": []}))["enabled_columns"] == []
    contacts = await assert_applied(client, HUBSPOT_CONTACTS_ID, {"enabled_columns": ["email", "anything"]})
    assert contacts["enabled_columns"] == ["email", "anything"]


async def test_rule_08_valid_unchanged_and_null(client: httpx2.AsyncClient) -> None:
    users = (await client.get(schema_url(POSTGRES_USERS_ID))).json()
    assert (await assert_applied(client, POSTGRES_USERS_ID, {"enabled_columns": users["enabled_columns"]}))[
        "enabled_columns"
    ] == users["enabled_columns"]
    orders = await assert_applied(client, POSTGRES_ORDERS_ID, {"enabled_columns": ["status", "total_amount"]})
    assert orders["enabled_columns"] == ["status", "total_amount"]
    # Disabled columns leave the synced table at once; the PK and the incremental field stay.
    assert [column["name"] for column in orders["table"]["columns"]] == ["id", "status", "total_amount", "updated_at"]
    assert (await assert_applied(client, POSTGRES_ORDERS_ID, {"enabled_columns": None}))["enabled_columns"] is None


async def test_rule_09_row_filters_unsupported_source(client: httpx2.AsyncClient) -> None:
    await assert_rejected(
        client,
        STRIPE_CHARGES_ID,
        {"row_filters": [{"column": "amount", "operator": ">", "value": 100}]},
        validation("Row filters are not supported for this source type."),
    )


async def test_rule_09_row_filters_not_for_cdc(client: httpx2.AsyncClient) -> None:
    message = validation(
        "Row filters are not supported for CDC schemas — change-stream rows are "
        "replicated without these predicates, so filtered rows would still sync."
    )
    row_filters = [{"column": "plan", "operator": "=", "value": "pro"}]
    await assert_rejected(client, POSTGRES_USERS_ID, {"row_filters": row_filters}, message)
    # The target sync type counts: switching orders to CDC with filters is refused too.
    await assert_rejected(
        client,
        POSTGRES_ORDERS_ID,
        {"sync_type": "cdc", "row_filters": [{"column": "status", "operator": "=", "value": "paid"}]},
        message,
    )


async def test_rule_09_row_filters_not_for_direct_query(client: httpx2.AsyncClient, state: SandboxState) -> None:
    state.sources[state.schemas[POSTGRES_ORDERS_ID].source_id].access_method = "direct"
    await assert_rejected(
        client,
        POSTGRES_ORDERS_ID,
        {"row_filters": [{"column": "status", "operator": "=", "value": "paid"}]},
        validation(
            "Row filters are not supported for direct-query sources — "
            "tables are queried live and filters cannot be enforced at the source."
        ),
    )


@pytest.mark.parametrize(
    ("row_filter", "reason"),
    [
        ({"column": "nope", "operator": "=", "value": 1}, "Unknown column 'nope' for this schema"),
        (
            {"column": "status", "operator": "LIKE", "value": "p%"},
            "Unsupported operator 'LIKE'. Allowed operators: !=, <, <=, =, >, >=, IN, NOT IN",
        ),
        ({"column": "total_amount", "operator": ">", "value": "abc"}, "Expected a numeric value, got 'abc'"),
        ({"column": "id", "operator": ">", "value": 1.5}, "Expected an integer value, got non-integral 1.5"),
        (
            {"column": "created_at", "operator": ">=", "value": "yesterday"},
            "Expected an ISO datetime string, got 'yesterday'",
        ),
        ({"column": "status", "operator": "IN", "value": ""}, "IN operator requires at least one value"),
        ({"column": "status", "operator": "="}, "Row filter on column 'status' is missing a value"),
        ("status = paid", "Row filter at index 0 must be an object"),
    ],
)
async def test_rule_09_invalid_row_filter(client: httpx2.AsyncClient, row_filter: Any, reason: str) -> None:
    await assert_rejected(
        client, POSTGRES_ORDERS_ID, {"row_filters": [row_filter]}, validation(f"Invalid row filter: {reason}")
    )


async def test_rule_09_unsupported_column_type(client: httpx2.AsyncClient) -> None:
    await assert_rejected(
        client,
        POSTGRES_EVENTS_ID,
        {"row_filters": [{"column": "properties", "operator": "=", "value": "{}"}]},
        validation(
            "Invalid row filter: Cannot filter on column 'properties': its type 'jsonb' is not supported for filtering"
        ),
    )


async def test_rule_09_valid_filters_and_null(client: httpx2.AsyncClient) -> None:
    filters = [
        {"column": "status", "operator": "NOT IN", "value": "'test', 'fraud'"},
        {"column": "created_at", "operator": ">=", "value": "2025-01-01T00:00:00Z"},
        {"column": "total_amount", "operator": ">", "value": "0.50"},
    ]
    assert (await assert_applied(client, POSTGRES_ORDERS_ID, {"row_filters": filters}))["row_filters"] == filters
    assert (await assert_applied(client, POSTGRES_ORDERS_ID, {"row_filters": None}))["row_filters"] is None


async def test_rule_10_cdc_needs_team_flag(client: httpx2.AsyncClient) -> None:
    await assert_rejected(
        client,
        ISOLATION_POSTGRES_CUSTOMERS_ID,
        {"sync_type": "cdc"},
        validation("CDC is not enabled for this team"),
        project=ISOLATION_PROJECT_ID,
    )


async def test_rule_11_xmin_only_for_postgres(client: httpx2.AsyncClient) -> None:
    await assert_rejected(
        client,
        STRIPE_CHARGES_ID,
        {"sync_type": "xmin"},
        validation("xmin replication is only available for Postgres sources."),
    )


async def test_rule_11_xmin_needs_capable_table(client: httpx2.AsyncClient) -> None:
    await assert_rejected(
        client,
        POSTGRES_DAILY_REVENUE_ID,
        {"sync_type": "xmin"},
        validation(
            "xmin replication is not available for table 'daily_revenue'. "
            "It requires a Postgres heap table or materialized view on PostgreSQL 13+."
        ),
    )


async def test_rule_12_webhook_only_table(client: httpx2.AsyncClient) -> None:
    for sync_type in ("full_refresh", "append", None):
        await assert_rejected(
            client,
            STRIPE_DISCOUNTS_ID,
            {"sync_type": sync_type},
            validation("Discount can only be synced via webhooks — pick the Webhook sync method."),
        )
    assert (await assert_applied(client, STRIPE_DISCOUNTS_ID, {"sync_type": "webhook"}))["sync_type"] == "webhook"


async def test_rule_13_bare_config_edit_rejected(client: httpx2.AsyncClient) -> None:
    await assert_rejected(
        client,
        STRIPE_CUSTOMERS_ID,
        {"incremental_field": "created"},
        validation(
            "incremental_field cannot be applied to a schema with sync type full_refresh on its own. "
            "Include sync_type in the same request to change the sync type."
        ),
    )
    await assert_rejected(
        client,
        STRIPE_DISCOUNTS_ID,
        {"incremental_field_lookback_seconds": 60, "primary_key_columns": ["id"], "incremental_field": None},
        validation(
            "incremental_field_lookback_seconds, primary_key_columns cannot be applied to a schema with sync type "
            "not set on its own. Include sync_type in the same request to change the sync type."
        ),
    )
    # CDC uses a primary key, but only when sync_type is sent too.
    await assert_rejected(
        client,
        POSTGRES_USERS_ID,
        {"primary_key_columns": ["email"]},
        validation(
            "primary_key_columns cannot be applied to a schema with sync type cdc on its own. "
            "Include sync_type in the same request to change the sync type."
        ),
    )
    # Nulls are not edits, and sending sync_type makes it a sync-type change.
    assert (await patch(client, STRIPE_CUSTOMERS_ID, {"incremental_field": None})).status_code == 200
    switched = await assert_applied(
        client,
        STRIPE_CUSTOMERS_ID,
        {"sync_type": "append", "incremental_field": "created", "incremental_field_type": "integer"},
    )
    assert (switched["sync_type"], switched["incremental_field"], switched["incremental_field_type"]) == (
        "append",
        "created",
        "integer",
    )


async def test_rule_14_primary_key_change_after_sync_rejected(client: httpx2.AsyncClient) -> None:
    message = validation(
        "Primary key cannot be changed after data has been synced. Delete the synced data first, then change the primary key."
    )
    await assert_rejected(client, POSTGRES_ORDERS_ID, {"primary_key_columns": ["id", "customer_id"]}, message)
    # The same key is fine, and so is a change once the data is gone.
    assert (await patch(client, POSTGRES_ORDERS_ID, {"primary_key_columns": ["id"]})).status_code == 200
    assert (await client.delete(schema_url(POSTGRES_ORDERS_ID, "delete_data"))).status_code == 200
    applied = await assert_applied(client, POSTGRES_ORDERS_ID, {"primary_key_columns": ["id", "customer_id"]})
    assert applied["primary_key_columns"] == ["id", "customer_id"]


async def test_rule_14_first_primary_key_and_append_are_allowed(
    client: httpx2.AsyncClient, state: SandboxState
) -> None:
    state.schemas[POSTGRES_ORDERS_ID].sync_type_config.pop("primary_key_columns")
    assert (await assert_applied(client, POSTGRES_ORDERS_ID, {"primary_key_columns": ["id"]}))[
        "primary_key_columns"
    ] == ["id"]
    # Append merges nothing, so its key may change even with data synced.
    assert (await assert_applied(client, POSTGRES_EVENTS_ID, {"primary_key_columns": ["id"]}))[
        "primary_key_columns"
    ] == ["id"]


async def test_rule_14_incremental_config_written(client: httpx2.AsyncClient) -> None:
    applied = await assert_applied(
        client, POSTGRES_ORDERS_ID, {"incremental_field": "created_at", "incremental_field_type": "timestamp"}
    )
    assert (applied["incremental_field"], applied["incremental_field_type"]) == ("created_at", "timestamp")
    # The lookback window is only kept for incremental syncs.
    events = await assert_applied(client, POSTGRES_EVENTS_ID, {"incremental_field_lookback_seconds": 600})
    assert events["incremental_field_lookback_seconds"] is None
    # For webhook schemas a null incremental field means "not applicable", not "clear".
    subscription = await assert_applied(client, STRIPE_SUBSCRIPTIONS_ID, {"incremental_field": None})
    assert subscription["incremental_field"] == "created"


async def test_rule_14_new_cursor_missing_from_table_triggers_refresh(client: httpx2.AsyncClient) -> None:
    applied = await assert_applied(
        client, HUBSPOT_CONTACTS_ID, {"incremental_field": "hs_lastmodifieddate", "incremental_field_type": "datetime"}
    )
    assert applied["status"] == "Running"


async def test_rule_15_cdc_requires_primary_key(client: httpx2.AsyncClient) -> None:
    await assert_rejected(
        client,
        POSTGRES_EVENTS_ID,
        {"sync_type": "cdc"},
        validation(
            "CDC requires a primary key on table 'events'. "
            "Provide primary_key_columns or refresh schema discovery to pick one up."
        ),
    )
    # Providing one while data is synced counts as a key change.
    await assert_rejected(
        client,
        POSTGRES_EVENTS_ID,
        {"sync_type": "cdc", "primary_key_columns": ["id"]},
        validation(
            "Primary key cannot be changed after data has been synced. "
            "Delete the synced data first, then change the primary key."
        ),
    )


async def test_rule_15_cdc_switch_applies_table_mode(client: httpx2.AsyncClient) -> None:
    applied = await assert_applied(client, POSTGRES_ORDERS_ID, {"sync_type": "cdc", "cdc_table_mode": "cdc_only"})
    assert (applied["sync_type"], applied["cdc_table_mode"], applied["primary_key_columns"]) == (
        "cdc",
        "cdc_only",
        ["id"],
    )
    assert applied["incremental"] is False


async def test_rule_16_xmin_requires_primary_key(client: httpx2.AsyncClient) -> None:
    await assert_rejected(
        client,
        POSTGRES_EVENTS_ID,
        {"sync_type": "xmin"},
        validation(
            "xmin replication requires a primary key on table 'events'. "
            "Provide primary_key_columns or refresh schema discovery to pick one up."
        ),
    )


async def test_rule_17_cdc_table_mode_without_sync_type(client: httpx2.AsyncClient, state: SandboxState) -> None:
    # both -> consolidated drops a target: applied, no re-snapshot.
    dropped = await assert_applied(client, POSTGRES_USERS_ID, {"cdc_table_mode": "consolidated"})
    assert (dropped["cdc_table_mode"], dropped["status"]) == ("consolidated", "Completed")
    # consolidated -> both adds the history table: a re-snapshot starts.
    added = await assert_applied(client, POSTGRES_USERS_ID, {"cdc_table_mode": "both"})
    assert (added["cdc_table_mode"], added["status"]) == ("both", "Running")
    assert state.schemas[POSTGRES_USERS_ID].sync_type_config["cdc_mode"] == "snapshot"
    # Not CDC: the mode is ignored and still reads as the default.
    assert (await assert_applied(client, STRIPE_CHARGES_ID, {"cdc_table_mode": "both"}))[
        "cdc_table_mode"
    ] == "consolidated"


async def test_rule_18_legacy_1min_clamped_when_leaving_cdc(client: httpx2.AsyncClient) -> None:
    users = (await client.get(schema_url(POSTGRES_USERS_ID))).json()
    assert users["sync_frequency"] == "1min"
    assert (await assert_applied(client, POSTGRES_USERS_ID, {"should_sync": True}))["sync_frequency"] == "1min"
    applied = await assert_applied(client, POSTGRES_USERS_ID, {"sync_type": "full_refresh"})
    assert (applied["sync_type"], applied["sync_frequency"]) == ("full_refresh", "5min")


async def test_rule_19_sync_frequency_never_and_null(client: httpx2.AsyncClient) -> None:
    assert (await assert_applied(client, STRIPE_CHARGES_ID, {"sync_frequency": "24hour"}))["sync_frequency"] == "24hour"
    # null is not "never": it changes nothing.
    assert (await assert_applied(client, STRIPE_CHARGES_ID, {"sync_frequency": None}))["sync_frequency"] == "24hour"
    assert (await assert_applied(client, STRIPE_CHARGES_ID, {"sync_frequency": "never"}))["sync_frequency"] is None
    assert (await client.get(schema_url(STRIPE_CHARGES_ID))).json()["sync_frequency"] is None


async def test_rule_20_strict_time_of_day(client: httpx2.AsyncClient) -> None:
    # DRF accepts these, the strict %H:%M:%S re-parse doesn't.
    for value in ("15:30", "15:30:00.5"):
        await assert_rejected(
            client, STRIPE_CHARGES_ID, {"sync_time_of_day": value}, validation("Invalid sync time of day")
        )
    assert (await assert_applied(client, STRIPE_CHARGES_ID, {"sync_time_of_day": "15:30:00"}))["sync_time_of_day"] == (
        "15:30:00"
    )
    assert (await assert_applied(client, STRIPE_CHARGES_ID, {"sync_time_of_day": None}))["sync_time_of_day"] is None


async def test_rule_21_enabling_requires_sync_type(client: httpx2.AsyncClient) -> None:
    message = validation("Sync type must be set up first before enabling schema")
    await assert_rejected(client, STRIPE_DISCOUNTS_ID, {"should_sync": True}, message)
    enabled = await assert_applied(client, STRIPE_DISCOUNTS_ID, {"should_sync": True, "sync_type": "webhook"})
    assert (enabled["should_sync"], enabled["sync_type"]) == (True, "webhook")


async def test_rule_21_direct_query_sources_are_exempt(client: httpx2.AsyncClient, state: SandboxState) -> None:
    schema = state.schemas[POSTGRES_DAILY_REVENUE_ID]
    schema.sync_type = None
    state.sources[schema.source_id].access_method = "direct"
    assert (await assert_applied(client, POSTGRES_DAILY_REVENUE_ID, {"should_sync": True}))["should_sync"] is True


async def test_rule_22_reenabling_cdc_requires_primary_key(client: httpx2.AsyncClient, state: SandboxState) -> None:
    users = state.schemas[POSTGRES_USERS_ID]
    users.should_sync = False
    users.sync_type_config.pop("primary_key_columns")
    await assert_rejected(
        client,
        POSTGRES_USERS_ID,
        {"should_sync": True},
        validation("CDC requires a primary key on table 'users'. Add a primary key on the source table and retry."),
    )


async def test_rule_23_xmin_switch_blocked_over_billing_limit(client: httpx2.AsyncClient, state: SandboxState) -> None:
    over_billing_limit(state)
    await assert_rejected(
        client,
        POSTGRES_ORDERS_ID,
        {"sync_type": "xmin"},
        validation(
            "Monthly sync limit reached. Please increase your billing limit before changing "
            "the sync type — a full re-sync would be required."
        ),
    )


async def test_rule_23_xmin_switch_resets_and_refreshes(client: httpx2.AsyncClient, state: SandboxState) -> None:
    applied = await assert_applied(client, POSTGRES_ORDERS_ID, {"sync_type": "xmin"})
    assert (applied["sync_type"], applied["status"]) == ("xmin", "Running")
    assert state.schemas[POSTGRES_ORDERS_ID].sync_type_config["reset_pipeline"] is True


async def test_rule_24_reenabling_webhook_schema_triggers_sync(client: httpx2.AsyncClient) -> None:
    assert (await assert_applied(client, STRIPE_SUBSCRIPTIONS_ID, {"should_sync": False}))["status"] == "Completed"
    assert (await assert_applied(client, STRIPE_SUBSCRIPTIONS_ID, {"should_sync": True}))["status"] == "Running"
    # Re-enabling a polled schema waits for its schedule.
    assert (await assert_applied(client, STRIPE_CHARGES_ID, {"should_sync": False}))["status"] == "Completed"
    assert (await assert_applied(client, STRIPE_CHARGES_ID, {"should_sync": True}))["status"] == "Completed"


async def test_rule_25_webhook_setup_failures(client: httpx2.AsyncClient, state: SandboxState) -> None:
    source = state.sources[state.schemas[STRIPE_DISCOUNTS_ID].source_id]
    source.webhook_setup_error = "Stripe rejected the restricted key"
    await assert_rejected(
        client,
        STRIPE_DISCOUNTS_ID,
        {"sync_type": "webhook", "should_sync": True},
        validation(
            "Failed to set up webhook: Stripe rejected the restricted key. "
            "You can set up the webhook manually from the Webhook tab."
        ),
    )
    source.webhook_setup_error = None
    source.webhook_created = False
    source.webhook_register_error = "This API call cannot be made with a publishable API key"
    await assert_rejected(
        client,
        STRIPE_DISCOUNTS_ID,
        {"sync_type": "webhook"},
        validation(
            "Failed to register webhook on your source: This API call cannot be made with a publishable API key. "
            "You can set up the webhook manually from the Webhook tab."
        ),
    )
    source.webhook_register_error = None
    assert (await assert_applied(client, STRIPE_DISCOUNTS_ID, {"sync_type": "webhook"}))["sync_type"] == "webhook"
    assert source.webhook_created is True


async def test_api_version_change_cancels_running_import(
    client: httpx2.AsyncClient, state: SandboxState, clock: ManualClock
) -> None:
    assert (await client.post(schema_url(STRIPE_CHARGES_ID, "reload"))).status_code == 200
    job = state.latest_job(STRIPE_CHARGES_ID)
    assert job is not None
    assert job.status == "Running"
    applied = await assert_applied(client, STRIPE_CHARGES_ID, {"api_version": "2025-09-30.clover"})
    assert (applied["status"], applied["latest_error"]) == ("Failed", "Sync cancelled by user")
    clock.advance(10)
    assert job.status == "Failed"
    # An unchanged version cancels nothing.
    assert (await client.post(schema_url(STRIPE_CHARGES_ID, "reload"))).status_code == 200
    assert (await assert_applied(client, STRIPE_CHARGES_ID, {"api_version": "2025-09-30.clover"}))[
        "status"
    ] == "Running"


# --- Body handling ---------------------------------------------------------------------------


async def test_unknown_and_read_only_keys_are_ignored(client: httpx2.AsyncClient) -> None:
    before = (await client.get(schema_url(HUBSPOT_DEALS_ID))).json()
    applied = await assert_applied(
        client,
        HUBSPOT_DEALS_ID,
        {
            "id": "00000000-0000-0000-0000-000000000000",
            "name": "renamed",
            "status": "Completed",
            "latest_error": None,
            "incremental": True,
            "table": None,
            "last_synced_at": None,
            "available_columns": [],
            "source": {"id": "x"},
            "no_such_field": 42,
            "should_sync": False,
        },
    )
    assert applied["should_sync"] is False
    for key in ("id", "name", "status", "latest_error", "incremental", "table", "last_synced_at", "available_columns"):
        assert applied[key] == before[key], key


async def test_full_object_round_trip_is_accepted(client: httpx2.AsyncClient) -> None:
    # The frontend PATCHes back what it GETs. Two demo rows can't round-trip, exactly as in PostHog:
    # users carries the legacy "1min" (not an accepted input) and Discount is webhook-only (sync_type null).
    for schema_id in set(DEMO_SCHEMA_IDS) - {POSTGRES_USERS_ID, STRIPE_DISCOUNTS_ID}:
        body = (await client.get(schema_url(schema_id))).json()
        response = await patch(client, schema_id, body)
        assert response.status_code == 200, (body["name"], response.text)
    users = (await client.get(schema_url(POSTGRES_USERS_ID))).json()
    assert (await patch(client, POSTGRES_USERS_ID, users)).json()["attr"] == "sync_frequency"


async def test_put_behaves_like_patch(client: httpx2.AsyncClient) -> None:
    put = await client.put(schema_url(STRIPE_CHARGES_ID), json={"sync_frequency": "12hour"})
    assert put.status_code == 200
    assert put.json()["sync_frequency"] == "12hour"
    assert put.json()["sync_type"] == "append"  # omitted fields are untouched
    rejected = await client.put(schema_url(STRIPE_CHARGES_ID), json={"sync_type": "blah"})
    assert rejected.status_code == 400
    assert rejected.json() == validation('"blah" is not a valid choice.', "sync_type", "invalid_choice")
    assert (await client.put(schema_url(STRIPE_CHARGES_ID), json={})).status_code == 200


async def test_sync_type_null_clears_it(client: httpx2.AsyncClient) -> None:
    applied = await assert_applied(client, STRIPE_CUSTOMERS_ID, {"sync_type": None})
    assert applied["sync_type"] is None
