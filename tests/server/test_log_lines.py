"""One log line per tool call on stderr, and each key in it once: over HTTP the request's access line carries the
call's fields beside its own duration; over stdio (here through `call`) the call's line has its duration."""

from __future__ import annotations

import re
import subprocess

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from posthog_external_data_mcp.sandbox import demo
from posthog_external_data_mcp.server.tool_names import ToolName
from tests.support.processes import SERVER_SCRIPT, RunningSandbox, clean_environment, http_server_process

pytestmark = pytest.mark.anyio

KEY = re.compile(r"(?:^|\s)([a-z_]+)=")


def keys_of(line: str) -> list[str]:
    return KEY.findall(line)


async def test_an_http_tool_call_is_one_line_with_each_key_once(sandbox: RunningSandbox) -> None:
    env = {"POSTHOG_HOST": sandbox.url, "POSTHOG_PERSONAL_API_KEY": demo.KEY_ALL}
    with http_server_process(["--log-level", "info"], env) as server:
        async with (
            httpx2.AsyncClient() as http,
            Client(streamable_http_client(server.url, http_client=http)) as client,
        ):  # type: ignore[arg-type]
            await client.call_tool(ToolName.LIST, {"limit": 1})
        stderr = server.stderr_so_far()
    (line,) = [line for line in stderr.splitlines() if "tool=" in line]
    keys = keys_of(line)
    assert len(keys) == len(set(keys)), keys
    assert {"status", "auth", "duration_ms", "tool", "outcome", "upstream_status", "attempts", "request_id"} <= set(
        keys
    )
    assert demo.KEY_ALL not in stderr


def test_a_stdio_tool_call_is_one_line_with_each_key_once() -> None:
    result = subprocess.run(
        [SERVER_SCRIPT, "call", "--sandbox", "--log-level", "info", ToolName.LIST, '{"limit": 1}'],
        capture_output=True,
        text=True,
        env=clean_environment(),
        timeout=60,
    )
    (line,) = [line for line in result.stderr.splitlines() if "tool=" in line]
    keys = keys_of(line)
    assert len(keys) == len(set(keys)), keys
    assert {"tool", "outcome", "upstream_status", "attempts", "duration_ms", "request_id"} <= set(keys)
