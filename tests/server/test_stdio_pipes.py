"""Our stdio transport (asyncio pipes) keeps the wire clean: stray output of any kind goes to stderr."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from tests.support.processes import clean_environment

pytestmark = pytest.mark.anyio

NOISY_SERVER = Path(__file__).parent / "programs" / "noisy_stdio_server.py"


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_stray_stdout_writes_never_reach_the_protocol_stream(mode: str) -> None:
    params = StdioServerParameters(command=sys.executable, args=[str(NOISY_SERVER)], env=clean_environment())
    with tempfile.TemporaryFile("w+") as log:
        async with Client(stdio_client(params, errlog=log), mode=mode) as client:  # type: ignore[arg-type]
            for _ in range(3):
                result = await client.call_tool("noisy", {})
                assert not result.is_error
                assert result.content[0].text == "still fine"  # type: ignore[union-attr]
        log.seek(0)
        stderr = log.read()
    assert "pipes_usable=True" in stderr  # the asyncio-pipe path was the one exercised
    assert "stray print() to stdout" in stderr and "stray write to fd 1" in stderr
    assert "stray output of a child process" in stderr
