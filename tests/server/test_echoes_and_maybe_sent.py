"""What a caller wrote comes back cleaned and bounded; a request that may have reached PostHog is said to have.

Both were defects found by probing from outside (issue 14): a 240,000-character argument name came back whole,
ANSI and bidi characters passed through, and a reload whose connection dropped after sending read as "Could not
talk to PostHog", inviting an agent to send it again.
"""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from mcp import Client, types
from mcp.shared.exceptions import MCPError

from posthog_external_data_mcp.posthog_client import RetryPolicy
from posthog_external_data_mcp.server.app import build_server
from posthog_external_data_mcp.server.failures import ERROR_META_KEY
from posthog_external_data_mcp.server.settings import DEFAULT_HOST, Settings
from posthog_external_data_mcp.server.upstream import Upstream
from tests.conftest import Connect
from tests.support.upstream import ScriptedUpstream

pytestmark = pytest.mark.anyio

SCHEMA_ID = "0193f0c1-5c4e-7000-8000-000000000201"
HOSTILE = "\x1b[31m\u202eevil\u200b\x00name"
INVISIBLE = ("\x1b", "\u202e", "\u200b", "\x00")


def error_text(result: object) -> str:
    return result.content[0].text  # type: ignore[attr-defined, no-any-return]


async def test_a_huge_argument_name_is_echoed_bounded(connect: Connect, sandbox) -> None:  # type: ignore[no-untyped-def]
    async with connect() as client:
        result = await client.call_tool("external-data-schemas-list", {"x" * 240_000: 1})
    assert result.is_error
    assert len(error_text(result)) < 1_500
    assert "more characters cut" in error_text(result)
    assert len(result.meta[ERROR_META_KEY]["attr"]) < 200  # type: ignore[index]
    assert sandbox.requests() == []


async def test_control_bidi_and_zero_width_characters_never_come_back(connect: Connect, sandbox) -> None:  # type: ignore[no-untyped-def]
    async with connect() as client:
        named = await client.call_tool("external-data-schemas-list", {HOSTILE: 1})
        quoted = await client.call_tool("external-data-schemas-retrieve", {"id": HOSTILE})
    for result in (named, quoted):
        assert result.is_error
        text = error_text(result) + str(result.meta)
        assert not any(character in text for character in INVISIBLE), text
    assert "evilname" in error_text(named)
    assert sandbox.requests() == []


async def test_an_unknown_tool_name_is_echoed_clean_and_bounded(connect: Connect) -> None:
    async with connect() as client:
        with pytest.raises(MCPError) as raised:
            await client.call_tool(HOSTILE + "y" * 10_000, {})
    message = raised.value.error.message
    assert len(message) < 2_000
    assert not any(character in message for character in INVISIBLE)


@pytest.mark.parametrize("tool", ["external-data-schemas-reload", "external-data-schemas-resync"])
async def test_a_connection_dropped_after_sending_says_the_request_may_have_reached_posthog(tool: str) -> None:
    upstream = ScriptedUpstream(httpx2.RemoteProtocolError("Server disconnected without sending a response."))
    server = build_server(Settings(), Upstream(DEFAULT_HOST, "phx_maybe_sent_test_key", httpx2.MockTransport(upstream)))
    async with Client(server) as client:
        result = await client.call_tool(tool, {"id": SCHEMA_ID})
    assert result.is_error
    assert len(upstream.requests) == 1  # a POST action is never sent twice
    assert "may have reached PostHog" in error_text(result)
    assert "external-data-schemas-retrieve" in error_text(result)
    assert result.meta[ERROR_META_KEY]["maybe_sent"] is True  # type: ignore[index]


async def test_a_connection_refused_says_nothing_was_sent() -> None:
    upstream = ScriptedUpstream(httpx2.ConnectError("Connection refused"))
    # Unsent, so the POST is retried: every attempt; millisecond waits keep the test from sleeping ~20 s.
    quick = RetryPolicy(initial_delay=0.001, max_delay=0.002)
    transport = httpx2.MockTransport(upstream)
    server = build_server(Settings(), Upstream(DEFAULT_HOST, "phx_maybe_sent_test_key", transport), retry=quick)
    async with Client(server) as client:
        result = await client.call_tool("external-data-schemas-reload", {"id": SCHEMA_ID})
    assert result.is_error
    assert len(upstream.requests) == quick.max_retries + 1
    assert "nothing was sent" in error_text(result)
    assert "maybe_sent" not in result.meta[ERROR_META_KEY]  # type: ignore[index]


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_an_unknown_method_is_echoed_clean_and_bounded(connect: Connect, mode: str) -> None:
    async with connect(mode=mode) as client:
        with pytest.raises(MCPError) as raised:
            # A method no MCP server serves, named with what must not come back.
            await client.session.send_request(
                types.Request(method="x/" + HOSTILE + "y" * 10_000, params=None), dict[str, Any]
            )
    assert raised.value.error.code == -32601
    echoed = str(raised.value.error.data)
    assert echoed.startswith("x/evilname") and "more characters cut" in echoed
    assert len(echoed) < 200
    assert not any(character in echoed for character in INVISIBLE)
