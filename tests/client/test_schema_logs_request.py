"""The minimal logs request the waiting loop needs: GET …/{id}/logs/ with only the filters given."""

from __future__ import annotations

from uuid import UUID

import httpx2
import pytest

from posthog_external_data_mcp.posthog_client import PostHogClient, create_http_client
from tests.support.upstream import ScriptedUpstream

pytestmark = pytest.mark.anyio

SCHEMA_ID = UUID("0b6f4a5e-1c2d-4e3f-8a9b-0c1d2e3f4a5b")
ENTRY = {
    "log_source_id": str(SCHEMA_ID),
    "instance_id": "run-1",
    "timestamp": "2026-11-27T12:00:00.000000Z",
    "level": "ERROR",
    "message": "403 Client Error: Forbidden",
}


async def test_schema_logs_sends_only_the_given_filters_and_reads_the_entries() -> None:
    recorder = ScriptedUpstream(
        httpx2.Response(200, json={"count": 1, "next": None, "previous": None, "results": [ENTRY]})
    )
    client = PostHogClient(
        http=create_http_client(transport=httpx2.MockTransport(recorder)),
        base_url="https://us.posthog.com",
        api_key="phx_unit_test_key",
    )
    page = await client.schema_logs(SCHEMA_ID, level="ERROR", limit=5, project_id=7)
    (request,) = recorder.requests
    assert (request.method, request.url.path) == ("GET", f"/api/projects/7/external_data_schemas/{SCHEMA_ID}/logs/")
    assert dict(request.url.params) == {"level": "ERROR", "limit": "5"}
    assert [(entry.level, entry.message, entry.instance_id) for entry in page.results] == [
        ("ERROR", "403 Client Error: Forbidden", "run-1")
    ]
