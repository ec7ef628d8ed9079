"""The PostHog client's requests: exactly the documented method, path, auth and body per action."""

from __future__ import annotations

import json
from uuid import UUID

import httpx2
import pytest

from posthog_external_data_mcp.posthog_client import (
    MissingApiKeyError,
    PostHogClient,
    RetryPolicy,
    SchemaUpdate,
    create_http_client,
)
from posthog_external_data_mcp.posthog_client.paths import schemas_path
from tests.support.upstream import ScriptedUpstream

pytestmark = pytest.mark.anyio

SCHEMA_ID = UUID("0b6f4a5e-1c2d-4e3f-8a9b-0c1d2e3f4a5b")
SCHEMA_BODY = {"id": str(SCHEMA_ID), "name": "charges", "should_sync": True, "status": "Completed"}


def make_client(recorder: ScriptedUpstream, **overrides: object) -> PostHogClient:
    http = create_http_client(transport=httpx2.MockTransport(recorder))

    async def no_sleep(_: float) -> None:
        return None

    options: dict[str, object] = {"api_key": "phx_unit_test_key", "retry": RetryPolicy(), "sleep": no_sleep}
    options.update(overrides)
    return PostHogClient(http=http, base_url="https://eu.posthog.com", **options)  # type: ignore[arg-type]


async def test_list_sends_get_with_pagination_search_and_bearer() -> None:
    recorder = ScriptedUpstream(httpx2.Response(200, json={"count": 0, "next": None, "previous": None, "results": []}))
    page = await make_client(recorder).list_schemas(limit=5, offset=10, search="char")
    (request,) = recorder.requests
    assert request.method == "GET"
    assert request.url.path == "/api/projects/@current/external_data_schemas/"
    assert dict(request.url.params) == {"limit": "5", "offset": "10", "search": "char"}
    assert request.headers["authorization"] == "Bearer phx_unit_test_key"
    assert request.headers["user-agent"].startswith("posthog-external-data-mcp/")
    assert page.count == 0


@pytest.mark.parametrize(
    ("method_name", "http_method", "suffix"),
    [
        ("reload", "POST", "reload/"),
        ("resync", "POST", "resync/"),
        ("cancel", "POST", "cancel/"),
        ("delete_data", "DELETE", "delete_data/"),
        ("destroy", "DELETE", ""),
    ],
)
async def test_actions_hit_their_documented_routes(method_name: str, http_method: str, suffix: str) -> None:
    recorder = ScriptedUpstream(httpx2.Response(204 if method_name == "destroy" else 200))
    client = make_client(recorder, route="environments", project_id=42)
    outcome = await getattr(client, method_name)(SCHEMA_ID)
    (request,) = recorder.requests
    assert request.method == http_method
    assert request.url.path == f"/api/environments/42/external_data_schemas/{SCHEMA_ID}/{suffix}"
    assert request.content == b""
    assert outcome.status in (200, 204)


async def test_incremental_fields_posts_no_body() -> None:
    recorder = ScriptedUpstream(httpx2.Response(200, json={"incremental_fields": [], "incremental_available": False}))
    found = await make_client(recorder).incremental_fields(SCHEMA_ID, project_id=7)
    (request,) = recorder.requests
    assert (request.method, request.url.path) == (
        "POST",
        f"/api/projects/7/external_data_schemas/{SCHEMA_ID}/incremental_fields/",
    )
    assert request.content == b""
    assert found.incremental_available is False


async def test_patch_sends_only_the_fields_that_were_set_and_keeps_explicit_nulls() -> None:
    recorder = ScriptedUpstream(httpx2.Response(200, json=SCHEMA_BODY))
    update = SchemaUpdate(sync_time_of_day=None, sync_frequency="1hour", enabled_columns=None)
    await make_client(recorder).update_schema(SCHEMA_ID, update)
    (request,) = recorder.requests
    assert request.method == "PATCH"
    assert json.loads(request.content) == {"sync_time_of_day": None, "sync_frequency": "1hour", "enabled_columns": None}


async def test_patch_completes_hh_mm_to_the_hh_mm_ss_posthog_requires() -> None:
    recorder = ScriptedUpstream(httpx2.Response(200, json=SCHEMA_BODY))
    await make_client(recorder).update_schema(SCHEMA_ID, SchemaUpdate(sync_time_of_day="07:05"))
    assert json.loads(recorder.requests[0].content) == {"sync_time_of_day": "07:05:00"}


async def test_missing_key_raises_before_any_request() -> None:
    recorder = ScriptedUpstream(httpx2.Response(200, json=SCHEMA_BODY))
    with pytest.raises(MissingApiKeyError):
        await make_client(recorder, api_key=None).retrieve_schema(SCHEMA_ID)
    assert recorder.requests == []


async def test_bind_gives_each_call_its_own_key_and_project_without_touching_the_shared_client() -> None:
    recorder = ScriptedUpstream(httpx2.Response(200, json=SCHEMA_BODY))
    shared = make_client(recorder)
    first = shared.bind(api_key="phx_first_caller_key", project_id=3)
    second = shared.bind(api_key="phx_second_caller_key")
    keyless = shared.bind(api_key=None)
    await first.retrieve_schema(SCHEMA_ID)
    await second.retrieve_schema(SCHEMA_ID)
    assert [r.headers["authorization"] for r in recorder.requests] == [
        "Bearer phx_first_caller_key",
        "Bearer phx_second_caller_key",
    ]
    assert recorder.requests[0].url.path.startswith("/api/projects/3/")
    assert recorder.requests[1].url.path.startswith("/api/projects/@current/")
    assert shared.api_key == "phx_unit_test_key" and shared.exchanges == []
    assert len(first.exchanges) == len(second.exchanges) == 1
    with pytest.raises(MissingApiKeyError):  # a view never falls back to the shared client's key
        await keyless.retrieve_schema(SCHEMA_ID)


async def test_redirects_are_not_followed_so_the_key_never_travels_elsewhere() -> None:
    recorder = ScriptedUpstream(httpx2.Response(302, headers={"location": "https://evil.example/steal"}))
    with pytest.raises(Exception) as caught:
        await make_client(recorder).retrieve_schema(SCHEMA_ID)
    assert len(recorder.requests) == 1
    assert "phx_unit_test_key" not in str(caught.value)


@pytest.mark.parametrize("project", [0, -1, True, "12", "../1", "@other"])
def test_paths_refuse_anything_but_positive_ints_and_current(project: object) -> None:
    with pytest.raises(ValueError, match="positive integer or '@current'"):
        schemas_path("projects", project)  # type: ignore[arg-type]


def test_paths_canonicalise_the_uuid() -> None:
    braced = UUID("{0B6F4A5E-1C2D-4E3F-8A9B-0C1D2E3F4A5B}")
    assert schemas_path("projects", 1, braced, "reload") == f"/api/projects/1/external_data_schemas/{SCHEMA_ID}/reload/"
