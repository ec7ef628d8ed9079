"""/api/personal_api_keys/@current/, /api/users/@me/ and the /_sandbox/ helper routes."""

from __future__ import annotations

from datetime import timedelta

import httpx2
import pytest
from starlette.applications import Starlette

from posthog_external_data_mcp.sandbox import ManualClock
from posthog_external_data_mcp.sandbox.demo import (
    DEMO_ORGANIZATION_ID,
    DEMO_USER_EMAIL,
    INVALID_KEY,
    KEY_ALL,
    KEY_PROJECT2,
    KEY_PROJECT2_ID,
    KEY_READ,
    KEY_READ_ID,
    KEY_UNRELATED_SCOPE,
    KEY_WRITE_ID,
    STRIPE_CHARGES_ID,
)

from .conftest import BASE_URL, bearer, envelope, schema_url, schemas_url

pytestmark = pytest.mark.anyio


async def test_current_personal_api_key(client: httpx2.AsyncClient, clock: ManualClock) -> None:
    for path in ("/api/personal_api_keys/@current/", "/api/personal_api_keys/@current"):
        response = await client.get(path, headers=bearer(KEY_READ))
        assert response.status_code == 200
        assert response.json() == {
            "id": KEY_READ_ID,
            "label": "Sandbox read only",
            "value": None,
            "mask_value": "phx_...read",
            "created_at": (clock.now - timedelta(days=30)).isoformat().replace("+00:00", "Z"),
            "last_used_at": clock.now.isoformat().replace("+00:00", "Z"),
            "user_id": 1,
            "scopes": ["external_data_source:read"],
            "scoped_teams": None,
            "scoped_organizations": None,
            "last_rolled_at": None,
        }


async def test_current_key_shows_scoped_teams(client: httpx2.AsyncClient) -> None:
    body = (await client.get("/api/personal_api_keys/@current/", headers=bearer(KEY_PROJECT2))).json()
    assert (body["id"], body["scopes"], body["scoped_teams"]) == (KEY_PROJECT2_ID, ["*"], [2])


async def test_any_valid_key_reads_itself_but_nothing_else(client: httpx2.AsyncClient) -> None:
    # No scope is needed to read one's own key (the doctor check relies on it).
    assert (
        await client.get("/api/personal_api_keys/@current/", headers=bearer(KEY_UNRELATED_SCOPE))
    ).status_code == 200
    other = await client.get(f"/api/personal_api_keys/{KEY_WRITE_ID}/", headers=bearer(KEY_READ))
    assert other.status_code == 403
    assert other.json() == envelope(
        "authentication_error", "permission_denied", "This action does not support Personal API Key access"
    )
    invalid = await client.get("/api/personal_api_keys/@current/", headers=bearer(INVALID_KEY))
    assert invalid.status_code == 401


async def test_users_me(client: httpx2.AsyncClient) -> None:
    body = (await client.get("/api/users/@me/", headers=bearer(KEY_ALL))).json()
    assert body["email"] == DEMO_USER_EMAIL
    assert body["team"] == {"id": 1, "name": "Hedgebox (demo)"}
    assert body["organization"]["id"] == DEMO_ORGANIZATION_ID
    denied = await client.get("/api/users/@me/", headers=bearer(KEY_READ))
    assert denied.status_code == 403
    assert denied.json()["detail"] == "API key missing required scope 'user:read'"


async def test_request_log_records_api_calls_without_keys(client: httpx2.AsyncClient) -> None:
    await client.get(schemas_url(), params={"search": "ord"})
    await client.patch(schema_url(STRIPE_CHARGES_ID), json={"should_sync": False}, headers=bearer(KEY_READ))
    await client.get(schemas_url(), headers=bearer(INVALID_KEY))
    log = (await client.get("/_sandbox/requests")).json()
    assert log == [
        {
            "method": "GET",
            "path": schemas_url(),
            "query": "search=ord",
            "json": None,
            "key_label": "Sandbox all access",
            "status": 200,
        },
        {
            "method": "PATCH",
            "path": schema_url(STRIPE_CHARGES_ID),
            "query": "",
            "json": {"should_sync": False},
            "key_label": "Sandbox read only",
            "status": 403,
        },
        {"method": "GET", "path": schemas_url(), "query": "", "json": None, "key_label": None, "status": 401},
    ]
    assert "phx_" not in str(log)
    assert (await client.delete("/_sandbox/requests")).status_code == 204
    assert (await client.get("/_sandbox/requests")).json() == []


async def test_reset_restores_demo_data(client: httpx2.AsyncClient, app: Starlette) -> None:
    assert (await client.delete(schema_url(STRIPE_CHARGES_ID))).status_code == 204
    assert (await client.get(schema_url(STRIPE_CHARGES_ID))).status_code == 404
    response = await client.post("/_sandbox/reset")
    assert response.status_code == 200
    assert (await client.get(schema_url(STRIPE_CHARGES_ID))).status_code == 200
    assert app.state.sandbox.store.state.schemas[STRIPE_CHARGES_ID].deleted is False


async def test_helper_routes_need_no_key(app: Starlette) -> None:
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=BASE_URL) as anonymous:
        assert (await anonymous.get("/_sandbox/requests")).status_code == 200
        assert (await anonymous.post("/_sandbox/reset")).status_code == 200
