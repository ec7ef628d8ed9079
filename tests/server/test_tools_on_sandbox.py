"""Every tool through the SDK's in-memory Client, against the standalone sandbox over loopback HTTP.

Each test also reads the sandbox's request log: a tool call sends exactly one well-formed request (or none,
when the arguments are refused), and the key never appears in what the agent gets back.
"""

from __future__ import annotations

import json
from typing import Any

import anyio
import pytest
from mcp.shared.exceptions import MCPError
from mcp.types import CallToolResult

from posthog_external_data_mcp.sandbox import demo
from posthog_external_data_mcp.server.failures import ERROR_META_KEY
from tests.conftest import Connect
from tests.support.processes import RunningSandbox

pytestmark = pytest.mark.anyio

ORDERS = demo.POSTGRES_ORDERS_ID
EVENTS = demo.POSTGRES_EVENTS_ID  # seeded Running
INVOICES = demo.STRIPE_INVOICES_ID  # full_refresh, Completed


def text_of(result: CallToolResult) -> str:
    return "".join(block.text for block in result.content if block.type == "text")


def assert_no_key(result: CallToolResult, key: str = demo.KEY_ALL) -> None:
    assert key not in text_of(result)
    assert key not in json.dumps(result.structured_content) and key not in json.dumps(result.meta)


def ok(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, text_of(result)
    assert result.structured_content is not None
    assert_no_key(result)
    return result.structured_content


def error(result: CallToolResult) -> dict[str, Any]:
    """The error object a failed call carries for programs (the text carries the same for the model)."""
    assert result.is_error, text_of(result)
    assert result.structured_content is None  # it would have to match the tool's output schema
    assert result.meta is not None
    assert_no_key(result)
    return result.meta[ERROR_META_KEY]


# -- list ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_list_returns_compact_items_newest_first_with_count(
    connect: Connect, sandbox: RunningSandbox, mode: str
) -> None:
    async with connect(mode=mode) as client:
        listing = ok(await client.call_tool("external-data-schemas-list", {}))
    assert listing["count"] == len(listing["results"]) == len(demo.DEMO_SCHEMA_IDS)
    assert "next_offset" not in listing
    names = [item["name"] for item in listing["results"]]
    assert {"orders", "Charge", "deals"} <= set(names)
    for item in listing["results"]:
        # No column definitions (an error text may still say "Available columns: …").
        assert not {"columns", "available_columns"} & set(item) and isinstance(item.get("table", ""), str)
    deals = next(item for item in listing["results"] if item["name"] == "deals")
    assert deals["status"] == "Failed" and deals["latest_error"]
    (request,) = sandbox.requests()
    assert (request["method"], request["path"], request["query"]) == (
        "GET",
        "/api/projects/@current/external_data_schemas/",
        "limit=30&offset=0",
    )


async def test_list_pages_with_next_offset(connect: Connect) -> None:
    async with connect() as client:
        first = ok(await client.call_tool("external-data-schemas-list", {"limit": 4}))
        second = ok(await client.call_tool("external-data-schemas-list", {"limit": 4, "offset": first["next_offset"]}))
        last_offset = len(demo.DEMO_SCHEMA_IDS) - 3
        last = ok(await client.call_tool("external-data-schemas-list", {"limit": 4, "offset": last_offset}))
    assert first["next_offset"] == 4 and second["next_offset"] == 8
    assert "next_offset" not in last and len(last["results"]) == 3
    ids = [item["id"] for page in (first, second, last) for item in page["results"]]
    assert len(set(ids)) == 11


async def test_list_search_is_a_case_insensitive_name_match(connect: Connect) -> None:
    async with connect() as client:
        listing = ok(await client.call_tool("external-data-schemas-list", {"search": "ORDER"}))
    assert [item["name"] for item in listing["results"]] == ["orders"]


async def test_list_refuses_page_sizes_beyond_100_without_calling_posthog(
    connect: Connect, sandbox: RunningSandbox
) -> None:
    async with connect() as client:
        failure = error(await client.call_tool("external-data-schemas-list", {"limit": 500}))
    assert failure["kind"] == "invalid_arguments" and failure["attr"] == "limit"
    assert sandbox.requests() == []


# -- retrieve ------------------------------------------------------------------------------------------------


async def test_retrieve_returns_the_full_schema_with_source_and_columns(connect: Connect) -> None:
    async with connect() as client:
        schema = ok(await client.call_tool("external-data-schemas-retrieve", {"id": ORDERS}))
    assert schema["id"] == ORDERS and schema["name"] == "orders"
    assert schema["source"]["source_type"] == "Postgres"
    assert schema["table"]["columns"] and schema["available_columns"]
    assert schema["sync_type"] == "incremental" and schema["incremental"] is True


async def test_retrieve_of_an_unknown_id_is_a_404_with_a_fix(connect: Connect) -> None:
    async with connect() as client:
        result = await client.call_tool(
            "external-data-schemas-retrieve", {"id": "00000000-0000-4000-8000-000000000000"}
        )
    failure = error(result)
    assert (failure["status"], failure["kind"]) == (404, "not_found")
    assert "external-data-schemas-list" in failure["hint"]
    assert "HTTP 404" in text_of(result) and "How to fix" in text_of(result)


# -- partial-update ------------------------------------------------------------------------------------------


async def test_partial_update_sends_only_given_fields_and_completes_hh_mm(
    connect: Connect, sandbox: RunningSandbox
) -> None:
    async with connect() as client:
        config = ok(
            await client.call_tool(
                "external-data-schemas-partial-update",
                {"id": ORDERS, "sync_frequency": "1hour", "sync_time_of_day": "07:30"},
            )
        )
    assert config["sync_frequency"] == "1hour" and config["sync_time_of_day"] == "07:30:00"
    assert "columns" not in config
    (request,) = sandbox.requests()
    assert request["method"] == "PATCH"
    assert request["path"] == f"/api/projects/@current/external_data_schemas/{ORDERS}/"
    assert request["json"] == {"sync_frequency": "1hour", "sync_time_of_day": "07:30:00"}


async def test_partial_update_sends_explicit_null_to_clear_a_field(connect: Connect, sandbox: RunningSandbox) -> None:
    async with connect() as client:
        ok(
            await client.call_tool(
                "external-data-schemas-partial-update", {"id": ORDERS, "sync_time_of_day": "09:00:00"}
            )
        )
        config = ok(
            await client.call_tool("external-data-schemas-partial-update", {"id": ORDERS, "sync_time_of_day": None})
        )
    assert "sync_time_of_day" not in config
    assert sandbox.requests()[-1]["json"] == {"sync_time_of_day": None}


async def test_partial_update_never_pauses_the_schedule_and_reads_back_unset(connect: Connect) -> None:
    async with connect() as client:
        config = ok(
            await client.call_tool("external-data-schemas-partial-update", {"id": ORDERS, "sync_frequency": "never"})
        )
    assert "sync_frequency" not in config  # PostHog answers sync_frequency: null for "never"


async def test_partial_update_with_nothing_to_change_sends_nothing(connect: Connect, sandbox: RunningSandbox) -> None:
    async with connect() as client:
        failure = error(await client.call_tool("external-data-schemas-partial-update", {"id": ORDERS}))
    assert failure["kind"] == "invalid_arguments"
    assert sandbox.requests() == []


@pytest.mark.parametrize(
    ("arguments", "attr"),
    [
        ({"sync_type": "blah"}, "sync_type"),
        ({"sync_frequency": "1min"}, "sync_frequency"),
        ({"sync_time_of_day": "25:00"}, "sync_time_of_day"),
        ({"incremental_field_lookback_seconds": -1}, "incremental_field_lookback_seconds"),
        ({"should_sync": None}, "should_sync"),
        ({"row_filters": [{"column": "id", "operator": "LIKE", "value": "x"}]}, "row_filters"),
        ({"name": "renamed"}, "name"),
    ],
)
async def test_partial_update_refuses_invalid_values_before_sending(
    connect: Connect, sandbox: RunningSandbox, arguments: dict[str, Any], attr: str
) -> None:
    async with connect() as client:
        result = await client.call_tool("external-data-schemas-partial-update", {"id": ORDERS, **arguments})
    failure = error(result)
    assert failure["kind"] == "invalid_arguments" and failure["attr"] == attr
    assert "nothing was sent" in text_of(result)
    assert sandbox.requests() == []


async def test_posthog_validation_errors_reach_the_agent_with_detail_and_a_fix(connect: Connect) -> None:
    async with connect() as client:
        # A bare incremental-field edit on a full_refresh schema: PostHog's rule 13.
        result = await client.call_tool(
            "external-data-schemas-partial-update", {"id": INVOICES, "incremental_field": "created"}
        )
    failure = error(result)
    assert failure["status"] == 400 and failure["kind"] == "bad_request"
    assert "cannot be applied to a schema with sync type full_refresh on its own" in failure["detail"]
    assert "Include sync_type" in text_of(result)
    assert failure["hint"]


async def test_partial_update_row_filters_round_trip(connect: Connect, sandbox: RunningSandbox) -> None:
    row_filter = {"column": "id", "operator": ">=", "value": 100}
    async with connect() as client:
        config = ok(
            await client.call_tool("external-data-schemas-partial-update", {"id": ORDERS, "row_filters": [row_filter]})
        )
    assert config["row_filters"] == [row_filter]
    assert sandbox.requests()[0]["json"] == {"row_filters": [row_filter]}


# -- incremental fields --------------------------------------------------------------------------------------


async def test_incremental_fields_lists_candidates_and_sync_methods_with_an_empty_post(
    connect: Connect, sandbox: RunningSandbox
) -> None:
    async with connect() as client:
        result = await client.call_tool("external-data-schemas-incremental-fields-create", {"id": ORDERS})
    found = ok(result)
    assert found["incremental_available"] is True
    assert {field["field"] for field in found["incremental_fields"]} >= {"id", "updated_at"}
    assert found["detected_primary_keys"] == ["id"]
    assert "incremental" in text_of(result)
    (request,) = sandbox.requests()
    assert (request["method"], request["json"]) == ("POST", None)
    assert request["path"].endswith(f"/{ORDERS}/incremental_fields/")


async def test_incremental_fields_errors_use_posthogs_message(connect: Connect) -> None:
    async with connect() as client:
        failure = error(
            await client.call_tool("external-data-schemas-incremental-fields-create", {"id": demo.HUBSPOT_DEALS_ID})
        )
    assert failure["status"] == 400 and failure["detail"]


# -- sync actions --------------------------------------------------------------------------------------------


async def test_reload_starts_a_sync_that_runs_then_completes(connect: Connect, sandbox: RunningSandbox) -> None:
    async with connect() as client:
        started = ok(await client.call_tool("external-data-schemas-reload", {"id": ORDERS}))
        running = ok(await client.call_tool("external-data-schemas-retrieve", {"id": ORDERS}))
        await anyio.sleep(0.7)  # the shared sandbox runs syncs for 0.5 s
        done = ok(await client.call_tool("external-data-schemas-retrieve", {"id": ORDERS}))
    assert started["http_status"] == 200 and "retrieve" in started["next_step"]
    assert running["status"] == "Running"
    assert done["status"] == "Completed" and done["last_synced_at"] != running.get("last_synced_at")
    assert [r["method"] for r in sandbox.requests()] == ["POST", "GET", "GET"]


async def test_cancel_without_a_running_sync_explains_there_is_nothing_to_cancel(connect: Connect) -> None:
    async with connect() as client:
        result = await client.call_tool("external-data-schemas-cancel", {"id": INVOICES})
    failure = error(result)
    assert (failure["status"], failure["detail"]) == (400, "No running sync to cancel.")
    assert "nothing to cancel" in failure["hint"]


async def test_cancel_stops_a_running_sync(connect: Connect) -> None:
    async with connect() as client:
        ok(await client.call_tool("external-data-schemas-reload", {"id": ORDERS}))
        cancelled = ok(await client.call_tool("external-data-schemas-cancel", {"id": ORDERS}))
        after = ok(await client.call_tool("external-data-schemas-retrieve", {"id": ORDERS}))
    assert cancelled["http_status"] == 200
    assert after["status"] != "Running"


async def test_resync_restarts_from_scratch(connect: Connect, sandbox: RunningSandbox) -> None:
    async with connect() as client:
        result = ok(await client.call_tool("external-data-schemas-resync", {"id": ORDERS}))
        schema = ok(await client.call_tool("external-data-schemas-retrieve", {"id": ORDERS}))
    assert result["http_status"] == 200 and schema["status"] == "Running"
    assert sandbox.requests()[0]["path"].endswith(f"/{ORDERS}/resync/")


async def test_delete_data_clears_the_table_but_keeps_the_schema(connect: Connect) -> None:
    async with connect() as client:
        ok(await client.call_tool("external-data-schemas-delete-data", {"id": ORDERS}))
        schema = ok(await client.call_tool("external-data-schemas-retrieve", {"id": ORDERS}))
    assert "table" not in schema and "last_synced_at" not in schema and "status" not in schema
    assert schema["sync_type"] == "incremental"


async def test_destroy_removes_the_schema(connect: Connect) -> None:
    async with connect() as client:
        destroyed = ok(await client.call_tool("external-data-schemas-destroy", {"id": demo.STRIPE_DISCOUNTS_ID}))
        gone = error(await client.call_tool("external-data-schemas-retrieve", {"id": demo.STRIPE_DISCOUNTS_ID}))
        listing = ok(await client.call_tool("external-data-schemas-list", {}))
    assert destroyed["http_status"] == 204
    assert gone["status"] == 404
    assert listing["count"] == len(demo.DEMO_SCHEMA_IDS) - 1


async def test_create_reports_posthogs_refusal_and_how_schemas_are_really_created(
    connect: Connect, sandbox: RunningSandbox
) -> None:
    async with connect() as client:
        result = await client.call_tool("external-data-schemas-create", {"name": "refunds"})
    failure = error(result)
    assert failure["status"] == 403
    assert failure["detail"] == "This action does not support personal API key access"
    assert "discovering a source's tables" in failure["hint"]
    (request,) = sandbox.requests()
    assert (request["method"], request["path"], request["json"]) == (
        "POST",
        "/api/projects/@current/external_data_schemas/",
        {"name": "refunds"},
    )


# -- credentials, scopes, projects, routes -------------------------------------------------------------------


async def test_without_a_key_tools_list_and_calls_name_the_variable_to_set(
    connect: Connect, sandbox: RunningSandbox
) -> None:
    async with connect(api_key=None) as client:
        assert len((await client.list_tools()).tools) == 13
        failure = error(await client.call_tool("external-data-schemas-list", {}))
    assert failure["kind"] == "missing_api_key"
    assert "POSTHOG_PERSONAL_API_KEY" in failure["hint"] and "--sandbox" in failure["hint"]
    assert sandbox.requests() == []


async def test_an_invalid_key_gets_a_401_that_points_at_the_region(connect: Connect) -> None:
    async with connect(api_key=demo.INVALID_KEY) as client:
        result = await client.call_tool("external-data-schemas-list", {})
    failure = error(result)
    assert failure["status"] == 401
    assert "https://eu.posthog.com" in failure["hint"] and "POSTHOG_HOST" in failure["hint"]
    assert_no_key(result, demo.INVALID_KEY)


async def test_a_read_only_key_is_told_which_scope_a_write_needs(connect: Connect) -> None:
    async with connect(api_key=demo.KEY_READ) as client:
        assert ok(await client.call_tool("external-data-schemas-list", {}))["count"] == len(demo.DEMO_SCHEMA_IDS)
        failure = error(await client.call_tool("external-data-schemas-reload", {"id": ORDERS}))
    assert failure["status"] == 403
    assert "'external_data_source:write'" in failure["hint"]


async def test_project_default_and_per_call_override(connect: Connect, sandbox: RunningSandbox) -> None:
    async with connect(api_key=demo.KEY_PROJECT2, project_id=2) as client:
        own = ok(await client.call_tool("external-data-schemas-list", {}))
        foreign = error(await client.call_tool("external-data-schemas-list", {"project_id": 1}))
    names = {item["name"] for item in own["results"]}
    assert {"Refund", "Payout", "Dispute"} <= names and not names & {"orders", "Charge", "deals"}
    assert foreign["status"] == 403 and "project 1" in foreign["hint"]
    assert [r["path"] for r in sandbox.requests()] == [
        "/api/projects/2/external_data_schemas/",
        "/api/projects/1/external_data_schemas/",
    ]


async def test_a_schema_of_another_project_is_not_found(connect: Connect) -> None:
    async with connect() as client:
        failure = error(
            await client.call_tool("external-data-schemas-retrieve", {"id": demo.ISOLATION_STRIPE_REFUNDS_ID})
        )
    assert failure["status"] == 404


async def test_an_unknown_project_is_named_in_the_fix(connect: Connect) -> None:
    async with connect() as client:
        failure = error(await client.call_tool("external-data-schemas-list", {"project_id": demo.MISSING_PROJECT_ID}))
    assert failure["status"] == 404 and failure["detail"] == "Project not found."
    assert "does not exist" in failure["hint"]


async def test_the_environments_route_family(connect: Connect, sandbox: RunningSandbox) -> None:
    async with connect(route="environments", project_id=1) as client:
        ok(await client.call_tool("external-data-schemas-retrieve", {"id": ORDERS}))
        ok(await client.call_tool("external-data-schemas-reload", {"id": ORDERS}))
    assert [r["path"] for r in sandbox.requests()] == [
        f"/api/environments/1/external_data_schemas/{ORDERS}/",
        f"/api/environments/1/external_data_schemas/{ORDERS}/reload/",
    ]


# -- hostile arguments ---------------------------------------------------------------------------------------

HOSTILE_IDS = [
    "../../api/projects/2/external_data_schemas",
    f"{ORDERS}/../../2",
    f"{ORDERS}/reload",
    f"{ORDERS}?limit=1",
    f"{ORDERS}#x",
    "%2e%2e%2f%2e%2e",
    f"{ORDERS[:-1]}%2f",
    "",
    " ",
    "null",
    f"{ORDERS}\n",
]


@pytest.mark.parametrize("hostile", HOSTILE_IDS)
async def test_hostile_ids_are_refused_before_any_request(
    connect: Connect, sandbox: RunningSandbox, hostile: str
) -> None:
    async with connect() as client:
        for tool in ("external-data-schemas-retrieve", "external-data-schemas-destroy", "external-data-schemas-resync"):
            failure = error(await client.call_tool(tool, {"id": hostile}))
            assert failure["kind"] == "invalid_arguments" and failure["attr"] == "id"
    assert sandbox.requests() == []


@pytest.mark.parametrize(
    "hostile", ["1/../2", "%31", "@current/..", "2?x=1", "0", -3, 1.5, True, "1 ", "@CURRENT", "1e3"]
)
async def test_hostile_project_ids_are_refused_before_any_request(
    connect: Connect, sandbox: RunningSandbox, hostile: object
) -> None:
    async with connect() as client:
        failure = error(await client.call_tool("external-data-schemas-list", {"project_id": hostile}))
    assert failure["kind"] == "invalid_arguments" and failure["attr"] == "project_id"
    assert sandbox.requests() == []


async def test_uuid_spellings_are_canonicalised_into_the_path(connect: Connect, sandbox: RunningSandbox) -> None:
    async with connect() as client:
        ok(await client.call_tool("external-data-schemas-retrieve", {"id": ORDERS.upper()}))
    assert sandbox.requests()[0]["path"] == f"/api/projects/@current/external_data_schemas/{ORDERS}/"


async def test_an_unknown_or_hidden_tool_is_a_protocol_error_listing_the_available_ones(connect: Connect) -> None:
    async with connect(read_only=True) as client:
        with pytest.raises(MCPError) as caught:
            await client.call_tool("external-data-schemas-destroy", {"id": ORDERS})
    assert caught.value.error.code == -32602
    assert "external-data-schemas-list" in caught.value.error.message
