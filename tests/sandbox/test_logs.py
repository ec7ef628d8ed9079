"""The ``logs`` action: PostHog's parameters, bounds, 400 envelopes, order, entry shape and the paging quirk."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx2
import pytest

from posthog_external_data_mcp.sandbox import ManualClock
from posthog_external_data_mcp.sandbox.demo import (
    HUBSPOT_DEALS_ERROR,
    HUBSPOT_DEALS_ID,
    HUBSPOT_DEALS_LATEST_ERROR,
    ISOLATION_STRIPE_REFUNDS_ID,
    KEY_READ,
    KEY_UNRELATED_SCOPE,
    POSTGRES_ORDERS_ID,
    STRIPE_CHARGES_ID,
    STRIPE_PRICES_ID,
)

from .conftest import BASE_URL, bearer, envelope, schema_url, validation

pytestmark = pytest.mark.anyio


async def logs(client: httpx2.AsyncClient, schema_id: str, **params: Any) -> dict[str, Any]:
    response = await client.get(schema_url(schema_id, "logs"), params=params)
    assert response.status_code == 200, response.text
    return response.json()


def at(entry: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(entry["timestamp"])


async def test_envelope_entry_shape_and_newest_first(client: httpx2.AsyncClient) -> None:
    body = await logs(client, STRIPE_CHARGES_ID)
    assert list(body) == ["count", "next", "previous", "results"]
    assert (body["count"], body["next"], body["previous"]) == (len(body["results"]), None, None)
    assert 0 < body["count"] <= 50  # PostHog's default limit
    entry = body["results"][0]
    assert list(entry) == ["log_source_id", "instance_id", "timestamp", "level", "message"]
    assert entry["log_source_id"] == STRIPE_CHARGES_ID
    assert entry["timestamp"].endswith("Z")
    stamps = [at(row) for row in body["results"]]
    assert stamps == sorted(stamps, reverse=True)
    assert {row["level"] for row in body["results"]} <= {"DEBUG", "INFO", "WARNING", "ERROR"}


async def test_demo_schemas_come_with_past_runs(client: httpx2.AsyncClient) -> None:
    body = await logs(client, STRIPE_CHARGES_ID, limit=500)
    runs = {row["instance_id"] for row in body["results"]}
    assert len(runs) == 3
    finished = [row for row in body["results"] if row["message"].endswith("to status Completed")]
    assert len(finished) == 3
    # The never-run stalled schema has no logs at all.
    assert (await logs(client, STRIPE_PRICES_ID))["results"] == []


async def test_both_route_families_and_the_read_scope(client: httpx2.AsyncClient) -> None:
    projects = await logs(client, STRIPE_CHARGES_ID)
    environments = await client.get(schema_url(STRIPE_CHARGES_ID, "logs", family="environments"))
    assert environments.json() == projects
    read = await client.get(schema_url(STRIPE_CHARGES_ID, "logs"), headers=bearer(KEY_READ))
    assert read.status_code == 200
    refused = await client.get(schema_url(STRIPE_CHARGES_ID, "logs"), headers=bearer(KEY_UNRELATED_SCOPE))
    assert refused.status_code == 403
    assert refused.json() == envelope(
        "authentication_error", "permission_denied", "API key missing required scope 'external_data_source:read'"
    )


async def test_unknown_or_foreign_schema_is_404(client: httpx2.AsyncClient) -> None:
    not_found = envelope("invalid_request", "not_found", "Not found.")
    for url in (
        schema_url("0193f0c1-5c4e-7000-8000-999999999999", "logs"),
        schema_url(ISOLATION_STRIPE_REFUNDS_ID, "logs"),
        schema_url("not-a-uuid", "logs"),
    ):
        response = await client.get(url)
        assert (response.status_code, response.json()) == (404, not_found)
    # The object lookup comes before parameter validation.
    response = await client.get(schema_url("0193f0c1-5c4e-7000-8000-999999999999", "logs"), params={"limit": 0})
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"limit": "501"}, validation("Ensure this value is less than or equal to 500.", "limit", "max_value")),
        ({"limit": "0"}, validation("Ensure this value is greater than or equal to 1.", "limit", "min_value")),
        ({"limit": "abc"}, validation("A valid integer is required.", "limit")),
        (
            {"after": "yesterday"},
            validation(
                "Datetime has wrong format. Use one of these formats instead: "
                "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].",
                "after",
            ),
        ),
        (
            {"before": "2026-13-40T99:00"},
            validation(
                "Datetime has wrong format. Use one of these formats instead: "
                "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].",
                "before",
            ),
        ),
        # Serializer field order: limit is reported before after.
        (
            {"after": "bad", "limit": "900"},
            validation("Ensure this value is less than or equal to 500.", "limit", "max_value"),
        ),
    ],
)
async def test_bad_parameters_are_drf_400_envelopes(
    client: httpx2.AsyncClient, params: dict[str, str], expected: dict[str, Any]
) -> None:
    response = await client.get(schema_url(STRIPE_CHARGES_ID, "logs"), params=params)
    assert (response.status_code, response.json()) == (400, expected)


async def test_limit_bounds_and_blank_values(client: httpx2.AsyncClient) -> None:
    assert (await logs(client, STRIPE_CHARGES_ID, limit=500))["count"] > 10
    assert (await logs(client, STRIPE_CHARGES_ID, limit=1))["count"] == 1
    everything = await logs(client, STRIPE_CHARGES_ID)
    # A blank optional parameter counts as absent.
    assert await logs(client, STRIPE_CHARGES_ID, search="", level="", limit="") == everything


async def test_count_never_exceeds_limit_next_is_null_offset_only_slices(client: httpx2.AsyncClient) -> None:
    top = await logs(client, STRIPE_CHARGES_ID, limit=10)
    assert (top["count"], top["next"]) == (10, None)
    sliced = await logs(client, STRIPE_CHARGES_ID, limit=10, offset=6)
    assert (sliced["count"], sliced["next"]) == (10, None)
    assert sliced["results"] == top["results"][6:]
    assert sliced["previous"] == f"{BASE_URL}{schema_url(STRIPE_CHARGES_ID, 'logs')}?limit=10"
    assert (await logs(client, STRIPE_CHARGES_ID, limit=10, offset=10))["results"] == []
    # Paging back in time is done with `before`.
    older = await logs(client, STRIPE_CHARGES_ID, limit=10, before=top["results"][-1]["timestamp"])
    assert at(older["results"][0]) < at(top["results"][-1])


async def test_level_is_a_comma_list_upper_cased_without_trimming(client: httpx2.AsyncClient) -> None:
    errors = await logs(client, HUBSPOT_DEALS_ID, level="error", limit=500)
    assert errors["count"] > 0 and {row["level"] for row in errors["results"]} == {"ERROR"}
    both = await logs(client, HUBSPOT_DEALS_ID, level="info,Error", limit=500)
    assert {row["level"] for row in both["results"]} == {"INFO", "ERROR"}
    spaced = await logs(client, HUBSPOT_DEALS_ID, level="info, error", limit=500)
    assert {row["level"] for row in spaced["results"]} == {"INFO"}
    assert (await logs(client, HUBSPOT_DEALS_ID, level="verbose"))["results"] == []


async def test_search_is_a_case_insensitive_ilike_substring(client: httpx2.AsyncClient) -> None:
    found = await logs(client, HUBSPOT_DEALS_ID, search="FORBIDDEN FOR URL", limit=500)
    assert found["count"] > 0 and all("forbidden for url" in row["message"].lower() for row in found["results"])
    # `_` and `%` are LIKE wildcards: PostHog does not escape them.
    wildcard = await logs(client, HUBSPOT_DEALS_ID, search="job_with%to status", limit=500)
    assert wildcard["count"] > 0 and all("job with for" in row["message"] for row in wildcard["results"])


async def test_instance_id_after_and_before_filter_exactly(client: httpx2.AsyncClient) -> None:
    everything = (await logs(client, POSTGRES_ORDERS_ID, limit=500))["results"]
    run = everything[0]["instance_id"]
    one_run = await logs(client, POSTGRES_ORDERS_ID, instance_id=run, limit=500)
    assert one_run["count"] > 5 and {row["instance_id"] for row in one_run["results"]} == {run}
    pivot = everything[3]["timestamp"]
    after = await logs(client, POSTGRES_ORDERS_ID, after=pivot, limit=500)
    assert [row["timestamp"] for row in after["results"]] == [row["timestamp"] for row in everything[:3]]
    before = await logs(client, POSTGRES_ORDERS_ID, before=pivot, limit=500)
    assert all(at(row) < at(everything[3]) for row in before["results"])
    assert len(before["results"]) == len(everything) - 4
    # A naive datetime is UTC.
    naive = pivot.removesuffix("Z")
    assert await logs(client, POSTGRES_ORDERS_ID, after=naive, limit=500) == after


async def test_every_run_writes_its_lines_under_one_instance_id(client: httpx2.AsyncClient, clock: ManualClock) -> None:
    before = {row["instance_id"] for row in (await logs(client, POSTGRES_ORDERS_ID, limit=500))["results"]}
    assert (await client.post(schema_url(POSTGRES_ORDERS_ID, "reload"))).status_code == 200
    running = (await logs(client, POSTGRES_ORDERS_ID, limit=500))["results"]
    run = running[0]["instance_id"]
    assert run not in before
    opening = [row["message"] for row in running if row["instance_id"] == run]
    assert opening[-1] == "Created external data job for external data source 0193f0c1-0d00-7000-8000-000000000002"
    assert "Running V3 pipeline (feature flag enabled)" in opening
    assert any(message.startswith("Incremental last value being used is: ") for message in opening)
    clock.advance(2)
    done = [row for row in (await logs(client, POSTGRES_ORDERS_ID, limit=500))["results"] if row["instance_id"] == run]
    assert done[0]["level"] == "INFO" and done[0]["message"].endswith("to status Completed")
    assert sum(row["level"] == "DEBUG" for row in done) > len(done) / 2


async def test_a_failed_run_logs_the_raw_and_the_friendly_error(client: httpx2.AsyncClient, clock: ManualClock) -> None:
    assert (await client.post(schema_url(HUBSPOT_DEALS_ID, "reload"))).status_code == 200
    clock.advance(2)
    newest = (await logs(client, HUBSPOT_DEALS_ID, limit=500))["results"]
    run = [row for row in newest if row["instance_id"] == newest[0]["instance_id"]]
    errors = [row["message"] for row in run if row["level"] == "ERROR"]
    assert errors[0] == HUBSPOT_DEALS_LATEST_ERROR
    assert errors[1].startswith(f"External data job failed for external data schema {HUBSPOT_DEALS_ID} on job ")
    assert errors[1].endswith(f"with error: {HUBSPOT_DEALS_ERROR}")
    assert errors[2] == HUBSPOT_DEALS_ERROR
    assert any(row["message"].startswith("Non-retryable error after 3 runs, giving up.") for row in run)
    assert run[0]["message"].endswith("to status Failed")


async def test_logs_are_ordered_by_time_not_by_writing(client: httpx2.AsyncClient, clock: ManualClock) -> None:
    clock.advance(timedelta(hours=2).total_seconds())  # scheduled runs fire and settle retroactively
    stamps = [at(row) for row in (await logs(client, STRIPE_CHARGES_ID, limit=500))["results"]]
    assert stamps == sorted(stamps, reverse=True)
