"""Fault injection, in-process: each switch produces the fault it names, on /api/ only."""

from __future__ import annotations

import time
from collections import Counter

import httpx2
import pytest
from starlette.applications import Starlette

from posthog_external_data_mcp.sandbox import SandboxConfig, SandboxDroppedConnection, create_app
from posthog_external_data_mcp.sandbox.demo import KEY_ALL, STRIPE_CHARGES_ID

from .conftest import BASE_URL, bearer, envelope, schema_url, schemas_url

pytestmark = pytest.mark.anyio


def client_for(app: Starlette) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=BASE_URL, headers=bearer(KEY_ALL))


async def test_injected_429_has_envelope_and_retry_after() -> None:
    async with client_for(create_app(SandboxConfig(fault_429_rate=1, retry_after_seconds=7))) as http:
        response = await http.get(schemas_url())
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "7"
        assert response.json() == envelope(
            "throttled_error", "throttled", "Request was throttled. Expected available in 7 seconds."
        )
        # The helper routes are never faulted.
        assert (await http.get("/_sandbox/requests")).status_code == 200


async def test_injected_5xx_picks_500_502_503() -> None:
    async with client_for(create_app(SandboxConfig(fault_5xx_rate=1, seed=4))) as http:
        responses = [await http.get(schemas_url()) for _ in range(60)]
    statuses = Counter(response.status_code for response in responses)
    assert set(statuses) == {500, 502, 503}
    server_error = next(response for response in responses if response.status_code == 500)
    assert server_error.json() == envelope("server_error", "error", "A server error occurred.")
    gateway = next(response for response in responses if response.status_code == 502)
    assert gateway.headers["content-type"] == "text/html"
    assert "502 Bad Gateway" in gateway.text


async def test_injected_drop_raises_a_transport_error_after_handling() -> None:
    app = create_app(SandboxConfig(fault_drop_rate=1))
    async with client_for(app) as http:
        with pytest.raises(httpx2.RemoteProtocolError) as raised:
            await http.post(schema_url(STRIPE_CHARGES_ID, "reload"))
        assert isinstance(raised.value, SandboxDroppedConnection)
        assert isinstance(raised.value, httpx2.TransportError)
    # The request was handled before the connection dropped: the sync did start.
    assert app.state.sandbox.store.state.schemas[STRIPE_CHARGES_ID].status == "Running"


async def test_added_latency() -> None:
    async with client_for(create_app(SandboxConfig(latency_ms=200))) as http:
        started = time.perf_counter()
        assert (await http.get(schema_url(STRIPE_CHARGES_ID))).status_code == 200
        assert time.perf_counter() - started >= 0.2
        # The helper routes are not delayed.
        started = time.perf_counter()
        assert (await http.get("/_sandbox/requests")).status_code == 200
        assert time.perf_counter() - started < 0.2


async def test_fault_rates_are_shares_of_requests() -> None:
    config = SandboxConfig(fault_429_rate=0.2, fault_5xx_rate=0.1, seed=123, rate_limit_per_minute=0)
    async with client_for(create_app(config)) as http:
        statuses = [(await http.get(schema_url(STRIPE_CHARGES_ID))).status_code for _ in range(1000)]
    counts = Counter(statuses)
    assert 170 <= counts[429] <= 230
    assert 70 <= counts[500] + counts[502] + counts[503] <= 130
    assert counts[200] == 1000 - counts[429] - counts[500] - counts[502] - counts[503]


async def test_same_seed_same_faults() -> None:
    async def run() -> list[int]:
        async with client_for(create_app(SandboxConfig(fault_5xx_rate=0.5, seed=9))) as http:
            return [(await http.get(schema_url(STRIPE_CHARGES_ID))).status_code for _ in range(30)]

    assert await run() == await run()


async def test_no_faults_by_default() -> None:
    async with client_for(create_app()) as http:
        assert {(await http.get(schema_url(STRIPE_CHARGES_ID))).status_code for _ in range(50)} == {200}
