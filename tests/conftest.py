from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest
from mcp import Client

from posthog_external_data_mcp.sandbox import demo
from posthog_external_data_mcp.server.settings import Settings
from posthog_external_data_mcp.wiring import server_for
from tests.support.processes import RunningSandbox, sandbox_process

Connect = Callable[..., AbstractAsyncContextManager[Client]]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def shared_sandbox() -> Iterator[RunningSandbox]:
    """One standalone sandbox process (the installed console script) on loopback for the whole run."""
    with sandbox_process("--sync-seconds", "0.5") as running:
        yield running


@pytest.fixture
def sandbox(shared_sandbox: RunningSandbox) -> RunningSandbox:
    """The shared sandbox, with its demo data restored and its request log emptied for this test."""
    shared_sandbox.reset()
    return shared_sandbox


@pytest.fixture
def connect(sandbox: RunningSandbox) -> Connect:
    """An in-memory MCP client to a server configured against the sandbox over loopback HTTP."""

    @asynccontextmanager
    async def open_client(mode: str = "auto", **settings: Any) -> AsyncIterator[Client]:
        options: dict[str, Any] = {"api_key": demo.KEY_ALL, "posthog_host": sandbox.url}
        options.update(settings)
        async with Client(server_for(Settings(**options)), mode=mode) as client:  # type: ignore[arg-type]
            yield client

    return open_client
