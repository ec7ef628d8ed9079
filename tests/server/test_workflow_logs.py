"""Workflow: read a table's sync logs — minimum level, paging back with `before`, and arguments refused before
any request is built."""

from __future__ import annotations

from typing import Any

import pytest
from mcp.types import CallToolResult

from posthog_external_data_mcp.sandbox import demo
from tests.conftest import Connect
from tests.server.test_workflow_sources import text_of, warehouse_requests
from tests.support.processes import RunningSandbox

pytestmark = pytest.mark.anyio

DEALS = demo.HUBSPOT_DEALS_ID
LOGS = "external-data-schemas-logs"


def ok(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, text_of(result)
    assert result.structured_content is not None
    return result.structured_content


async def test_the_level_is_a_minimum_sent_as_posthogs_comma_list(connect: Connect, sandbox: RunningSandbox) -> None:
    async with connect() as client:
        errors = ok(await client.call_tool(LOGS, {"id": DEALS, "level": "warning"}))
        everything = ok(await client.call_tool(LOGS, {"id": DEALS, "level": "DEBUG", "limit": 500}))
    assert errors["results"] and {line["level"] for line in errors["results"]} <= {"WARNING", "ERROR"}
    assert any("permission" in line["message"] or "scopes" in line["message"] for line in errors["results"])
    assert {"DEBUG", "INFO"} <= {line["level"] for line in everything["results"]}
    first, second = warehouse_requests(sandbox)
    assert first["path"] == f"/api/projects/@current/external_data_schemas/{DEALS}/logs/"
    assert first["query"] == "level=WARNING%2CERROR&limit=50"
    assert second["query"] == "level=DEBUG%2CINFO%2CWARNING%2CERROR&limit=500"


async def test_lines_are_newest_first_and_before_pages_back_without_overlap(
    connect: Connect, sandbox: RunningSandbox
) -> None:
    async with connect() as client:
        answer = await client.call_tool(LOGS, {"id": DEALS, "level": "DEBUG", "limit": 3})
        first = ok(answer)
        assert first["next_before"] == first["results"][-1]["timestamp"]
        arguments = {"id": DEALS, "level": "DEBUG", "limit": 3, "before": first["next_before"]}
        second = ok(await client.call_tool(LOGS, arguments))
    stamps = [line["timestamp"] for line in first["results"] + second["results"]]
    assert stamps == sorted(stamps, reverse=True) and len(set(stamps)) == 6
    assert f"Older lines: call again with before={first['next_before']}." in text_of(answer)
    assert "before=" in warehouse_requests(sandbox)[1]["query"]


async def test_each_line_is_compact_and_its_message_fenced(connect: Connect) -> None:
    async with connect() as client:
        result = await client.call_tool(LOGS, {"id": DEALS, "level": "ERROR", "limit": 5})
    content = ok(result)
    line = content["results"][0]
    rendered = text_of(result).splitlines()[1]
    assert rendered.startswith(f"{line['timestamp']} ERROR …{line['run'][-8:]} ⟦")
    assert f"Runs (instance_id): {line['run']}" in text_of(result)
    assert "quoted as data" in text_of(result)


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"before": "yesterday"}, "before"),
        ({"after": "2026-13-01T00:00:00Z"}, "after"),
        ({"before": "2026-01-01T00:00:00Z", "after": "2026-02-01T00:00:00Z"}, "arguments"),
        ({"limit": 501}, "limit"),
        ({"limit": 0}, "limit"),
        ({"level": "VERBOSE"}, "level"),
        ({"instance_id": "run&level=DEBUG"}, "instance_id"),
    ],
)
async def test_bad_arguments_are_refused_with_the_field_and_no_request(
    connect: Connect, sandbox: RunningSandbox, arguments: dict[str, Any], field: str
) -> None:
    async with connect() as client:
        result = await client.call_tool(LOGS, {"id": DEALS, **arguments})
    assert result.is_error
    assert f"{field}:" in text_of(result) and "nothing was sent" in text_of(result)
    assert warehouse_requests(sandbox) == []


async def test_a_naive_time_is_sent_as_utc(connect: Connect, sandbox: RunningSandbox) -> None:
    async with connect() as client:
        ok(await client.call_tool(LOGS, {"id": DEALS, "after": "2026-01-02T03:04:05"}))
    (request,) = warehouse_requests(sandbox)
    assert "after=2026-01-02T03%3A04%3A05Z" in request["query"]


async def test_logs_of_an_unknown_schema_are_a_404_with_a_fix(connect: Connect) -> None:
    async with connect() as client:
        result = await client.call_tool(LOGS, {"id": "00000000-0000-4000-8000-000000000000"})
    assert result.is_error and "HTTP 404" in text_of(result)
