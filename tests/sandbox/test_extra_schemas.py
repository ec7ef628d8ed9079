"""``extra_schemas``: a big project 1 for health audits, mostly healthy, some failing or stale, kept across resets."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import httpx2
import pytest

from posthog_external_data_mcp.sandbox import ManualClock, SandboxConfig, create_app
from posthog_external_data_mcp.sandbox.demo import DEMO_SCHEMA_IDS, GENERATED_SOURCE_ID, KEY_ALL
from posthog_external_data_mcp.sandbox.extra_schemas import schema_id

from .conftest import BASE_URL, bearer, schemas_url
from .test_standalone_server import clean_env, running_sandbox

pytestmark = pytest.mark.anyio

EXTRA = 1000
SECONDS = {"15min": 900, "1hour": 3600, "6hour": 21600, "24hour": 86400}


async def every_schema(http: httpx2.AsyncClient) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    url: str | None = schemas_url()
    params: dict[str, int] | None = {"limit": 100}
    while url is not None:
        body = (await http.get(url, params=params)).json()
        rows += body["results"]
        url, params = body["next"], None
    return rows


def health(row: dict[str, Any], now: datetime) -> str:
    if row["status"] == "Failed":
        return "failed, off" if not row["should_sync"] else "failed, on"
    if not row["should_sync"]:
        return "off"
    last = row["last_synced_at"]
    if last and now - datetime.fromisoformat(last) > timedelta(seconds=2 * SECONDS[row["sync_frequency"]]):
        return "stale"
    return "healthy"


async def test_a_thousand_schemas_mostly_healthy_with_some_to_find(clock: ManualClock) -> None:
    app = create_app(SandboxConfig(extra_schemas=EXTRA, rate_limit_per_minute=0), clock=clock)
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app), base_url=BASE_URL, headers=bearer(KEY_ALL)
    ) as http:
        rows = await every_schema(http)
        assert len(rows) == len(DEMO_SCHEMA_IDS) + EXTRA
        generated = [row for row in rows if row["name"].startswith("table_")]
        kinds = Counter(health(row, clock.now) for row in generated)
        assert kinds["healthy"] > 0.9 * EXTRA
        for kind in ("failed, off", "failed, on", "stale", "off"):
            assert 5 <= kinds[kind] <= 40, kinds
        # The demo's own schemas come first (newest), the generated ones after.
        assert {row["id"] for row in rows[: len(DEMO_SCHEMA_IDS)]} == set(DEMO_SCHEMA_IDS)
        source = (await http.get(f"/api/projects/1/external_data_sources/{GENERATED_SOURCE_ID}/")).json()
        assert (source["prefix"], len(source["schemas"])) == ("bulk_", EXTRA)


async def test_generated_schemas_are_deterministic_and_survive_a_reset(clock: ManualClock) -> None:
    app = create_app(SandboxConfig(extra_schemas=50), clock=clock)
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app), base_url=BASE_URL, headers=bearer(KEY_ALL)
    ) as http:
        first = (await http.get(f"{schemas_url()}{schema_id(7)}/")).json()
        assert (await http.delete(f"{schemas_url()}{schema_id(7)}/")).status_code == 204
        assert (await http.post("/_sandbox/reset")).status_code == 200
        again = await http.get(f"{schemas_url()}{schema_id(7)}/")
        assert again.json() == first
        assert (await http.get(schemas_url())).json()["count"] == len(DEMO_SCHEMA_IDS) + 50


def test_the_standalone_server_takes_the_flag_over_the_variable() -> None:
    with running_sandbox("--extra-schemas", "25", env=clean_env(POSTHOG_SANDBOX_EXTRA_SCHEMAS="5")) as url:
        body = httpx2.get(f"{url}{schemas_url()}", headers=bearer(KEY_ALL)).json()
        assert body["count"] == len(DEMO_SCHEMA_IDS) + 25
    with running_sandbox(env=clean_env(POSTHOG_SANDBOX_EXTRA_SCHEMAS="5")) as url:
        body = httpx2.get(f"{url}{schemas_url()}", headers=bearer(KEY_ALL)).json()
        assert body["count"] == len(DEMO_SCHEMA_IDS) + 5
