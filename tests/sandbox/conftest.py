from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest
from starlette.applications import Starlette

from posthog_external_data_mcp.sandbox import ManualClock, SandboxConfig, create_app
from posthog_external_data_mcp.sandbox.demo import KEY_ALL
from posthog_external_data_mcp.sandbox.store import SandboxState

BASE_URL = "http://sandbox.test"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def config() -> SandboxConfig:
    return SandboxConfig()


@pytest.fixture
def app(config: SandboxConfig, clock: ManualClock) -> Starlette:
    return create_app(config, clock=clock)


@pytest.fixture
def state(app: Starlette) -> SandboxState:
    """The app's live state, for arranging situations the demo data doesn't contain."""
    return app.state.sandbox.store.state


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app),
        base_url=BASE_URL,
        headers={"Authorization": f"Bearer {KEY_ALL}"},
    ) as http:
        yield http


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def schemas_url(project: int | str = 1, family: str = "projects") -> str:
    return f"/api/{family}/{project}/external_data_schemas/"


def schema_url(schema_id: str, action: str | None = None, project: int | str = 1, family: str = "projects") -> str:
    url = f"{schemas_url(project, family)}{schema_id}/"
    return f"{url}{action}/" if action else url


def envelope(error_type: str, code: str, detail: str, attr: str | None = None) -> dict[str, Any]:
    return {"type": error_type, "code": code, "detail": detail, "attr": attr}


def validation(detail: str, attr: str | None = None, code: str = "invalid_input") -> dict[str, Any]:
    return envelope("validation_error", code, detail, attr)
