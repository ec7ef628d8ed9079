"""The sources list request, and what of its answer the client keeps: never `job_inputs` or who created it."""

from __future__ import annotations

import httpx2
import pytest

from posthog_external_data_mcp.posthog_client import PostHogClient, create_http_client
from tests.support.upstream import ScriptedUpstream

pytestmark = pytest.mark.anyio

SOURCE = {
    "id": "0193f0c1-5c4e-7000-8000-00000000a001",
    "created_at": "2026-01-02T03:04:05Z",
    "created_by": "owner@example.com",
    "status": "Failed",
    "source_type": "Hubspot",
    "latest_error": "403 Client Error: Forbidden for url: https://api.hubapi.com/crm/v3/objects/deals",
    "prefix": "crm_",
    "job_inputs": {"hubspot_secret_key": "pat-na1-secret", "hubspot_integration_id": 42},
    "revenue_analytics_config": {"enabled": False, "include_invoiceless_charges": True},
    "last_run_at": "2026-11-27T10:00:00+00:00",
    "schemas": [
        {
            "id": "0193f0c1-5c4e-7000-8000-000000000302",
            "name": "deals",
            "label": None,
            "should_sync": True,
            "status": "Failed",
            "sync_type": "full_refresh",
            "last_synced_at": None,
            "latest_error": "403 Client Error: Forbidden",
            "table": {"id": "t1", "name": "crm_hubspot_deals", "row_count": 12},
        }
    ],
}


def client_for(recorder: ScriptedUpstream, **options: object) -> PostHogClient:
    return PostHogClient(
        http=create_http_client(transport=httpx2.MockTransport(recorder)),
        base_url="https://eu.posthog.com",
        api_key="phx_unit_test_key",
        **options,  # type: ignore[arg-type]
    )


async def test_list_sources_sends_get_with_paging_and_search_on_the_project() -> None:
    recorder = ScriptedUpstream(httpx2.Response(200, json={"count": 1, "next": None, "previous": None, "results": []}))
    await client_for(recorder).list_sources(limit=10, offset=20, search="Stripe", project_id=7)
    (request,) = recorder.requests
    assert (request.method, request.url.path) == ("GET", "/api/projects/7/external_data_sources/")
    assert dict(request.url.params) == {"limit": "10", "offset": "20", "search": "Stripe"}
    assert request.headers["authorization"] == "Bearer phx_unit_test_key"


async def test_list_sources_follows_the_route_and_default_project_and_omits_empty_search() -> None:
    recorder = ScriptedUpstream(httpx2.Response(200, json={"count": 0, "next": None, "previous": None, "results": []}))
    await client_for(recorder, route="environments", project_id=3).list_sources(search="")
    (request,) = recorder.requests
    assert request.url.path == "/api/environments/3/external_data_sources/"
    assert dict(request.url.params) == {}


async def test_a_source_keeps_its_schemas_and_drops_credentials_and_creator() -> None:
    body = {"count": 1, "next": None, "previous": None, "results": [SOURCE]}
    page = await client_for(ScriptedUpstream(httpx2.Response(200, json=body))).list_sources()
    (source,) = page.results
    assert (source.source_type, source.status, source.prefix) == ("Hubspot", "Failed", "crm_")
    (schema,) = source.schemas
    assert (schema.name, schema.should_sync, schema.sync_frequency) == ("deals", True, None)
    assert schema.table is not None and schema.table.row_count == 12
    dumped = page.model_dump_json()
    assert "pat-na1-secret" not in dumped and "job_inputs" not in dumped and "owner@example.com" not in dumped


async def test_embedded_schemas_with_frequency_and_odd_extra_fields_still_parse() -> None:
    # An older PostHog embedded the full schema shape (A8.3); extra keys are ignored, frequency kept.
    schema = {**SOURCE["schemas"][0], "sync_frequency": "6hour", "table": {"id": "t", "name": "n", "columns": []}}  # type: ignore[index]
    body = {"count": 1, "next": None, "previous": None, "results": [{**SOURCE, "schemas": [schema], "new": 1}]}
    page = await client_for(ScriptedUpstream(httpx2.Response(200, json=body))).list_sources()
    assert page.results[0].schemas[0].sync_frequency == "6hour"
