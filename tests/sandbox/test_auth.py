"""Authentication, scopes, the error envelope, rate limits, and the order of the checks."""

from __future__ import annotations

import httpx2
import pytest
from starlette.applications import Starlette

from posthog_external_data_mcp.sandbox import ManualClock, SandboxConfig, create_app
from posthog_external_data_mcp.sandbox.demo import (
    INVALID_KEY,
    KEY_ALL,
    KEY_READ,
    KEY_UNRELATED_SCOPE,
    KEY_WRITE,
    MISSING_PROJECT_ID,
    POSTGRES_ORDERS_ID,
    STRIPE_CHARGES_ID,
)

from .conftest import BASE_URL, bearer, envelope, schema_url, schemas_url

pytestmark = pytest.mark.anyio

MISSING_WRITE = envelope(
    "authentication_error", "permission_denied", "API key missing required scope 'external_data_source:write'"
)
MISSING_READ = envelope(
    "authentication_error", "permission_denied", "API key missing required scope 'external_data_source:read'"
)


async def test_missing_credentials_is_401(client: httpx2.AsyncClient) -> None:
    response = await client.get(schemas_url(), headers={"Authorization": ""})
    assert response.status_code == 401
    assert response.json() == envelope(
        "authentication_error", "not_authenticated", "Authentication credentials were not provided."
    )


async def test_invalid_key_is_401(client: httpx2.AsyncClient) -> None:
    response = await client.get(schemas_url(), headers=bearer(INVALID_KEY))
    assert response.status_code == 401
    assert response.json() == envelope(
        "authentication_error",
        "authentication_failed",
        "Personal API key found in request Authorization header is invalid.",
    )


async def test_key_in_query_string_is_accepted_and_checked(client: httpx2.AsyncClient) -> None:
    ok = await client.get(schemas_url(), params={"personal_api_key": KEY_READ}, headers={"Authorization": ""})
    assert ok.status_code == 200
    bad = await client.get(schemas_url(), params={"personal_api_key": INVALID_KEY}, headers={"Authorization": ""})
    assert bad.status_code == 401
    assert bad.json()["detail"] == "Personal API key found in request query string is invalid."


async def test_key_in_body_is_accepted_and_checked(client: httpx2.AsyncClient) -> None:
    ok = await client.patch(
        schema_url(STRIPE_CHARGES_ID),
        json={"personal_api_key": KEY_WRITE, "should_sync": False},
        headers={"Authorization": ""},
    )
    assert ok.status_code == 200
    assert ok.json()["should_sync"] is False
    bad = await client.patch(
        schema_url(STRIPE_CHARGES_ID), json={"personal_api_key": INVALID_KEY}, headers={"Authorization": ""}
    )
    assert bad.status_code == 401
    assert bad.json()["detail"] == "Personal API key found in request body is invalid."


async def test_read_scope_lists_and_retrieves(client: httpx2.AsyncClient) -> None:
    assert (await client.get(schemas_url(), headers=bearer(KEY_READ))).status_code == 200
    assert (await client.get(schema_url(STRIPE_CHARGES_ID), headers=bearer(KEY_READ))).status_code == 200
    assert (await client.get(schema_url(STRIPE_CHARGES_ID, "logs"), headers=bearer(KEY_READ))).status_code == 200


@pytest.mark.parametrize(
    ("method", "action", "body"),
    [
        ("PATCH", None, {"should_sync": False}),
        ("PUT", None, {"should_sync": False}),
        ("DELETE", None, None),
        ("POST", "reload", None),
        ("POST", "resync", None),
        ("POST", "cancel", None),
        ("DELETE", "delete_data", None),
        ("POST", "incremental_fields", None),
        ("GET", "destinations", None),
    ],
)
async def test_read_scope_cannot_write(
    client: httpx2.AsyncClient, method: str, action: str | None, body: object
) -> None:
    response = await client.request(method, schema_url(STRIPE_CHARGES_ID, action), json=body, headers=bearer(KEY_READ))
    assert response.status_code == 403
    assert response.json() == MISSING_WRITE


async def test_write_scope_satisfies_read(client: httpx2.AsyncClient) -> None:
    assert (await client.get(schemas_url(), headers=bearer(KEY_WRITE))).status_code == 200
    patched = await client.patch(schema_url(STRIPE_CHARGES_ID), json={"should_sync": False}, headers=bearer(KEY_WRITE))
    assert patched.status_code == 200
    assert patched.json()["should_sync"] is False


async def test_all_access_scope_does_everything(client: httpx2.AsyncClient) -> None:
    assert (await client.get(schemas_url(), headers=bearer(KEY_ALL))).status_code == 200
    fields = await client.post(schema_url(POSTGRES_ORDERS_ID, "incremental_fields"), headers=bearer(KEY_ALL))
    assert fields.status_code == 200


async def test_unrelated_scope_is_403(client: httpx2.AsyncClient) -> None:
    response = await client.get(schemas_url(), headers=bearer(KEY_UNRELATED_SCOPE))
    assert response.status_code == 403
    assert response.json() == MISSING_READ


async def test_create_is_refused_for_personal_keys(client: httpx2.AsyncClient) -> None:
    response = await client.post(schemas_url(), json={"name": "new"})
    assert response.status_code == 403
    assert response.json() == envelope(
        "authentication_error", "permission_denied", "This action does not support personal API key access"
    )


async def test_check_order_authentication_before_project(client: httpx2.AsyncClient) -> None:
    response = await client.get(schemas_url(project=MISSING_PROJECT_ID), headers=bearer(INVALID_KEY))
    assert response.status_code == 401


async def test_check_order_project_before_scope(client: httpx2.AsyncClient) -> None:
    response = await client.patch(schema_url(STRIPE_CHARGES_ID, project=MISSING_PROJECT_ID), headers=bearer(KEY_READ))
    assert response.status_code == 404
    assert response.json()["detail"] == "Project not found."


async def test_check_order_scope_before_object_lookup(client: httpx2.AsyncClient) -> None:
    response = await client.patch(schema_url("0193f0c1-5c4e-7000-8000-00000000ffff"), json={}, headers=bearer(KEY_READ))
    assert response.status_code == 403
    assert response.json() == MISSING_WRITE


async def test_check_order_object_lookup_before_validation(client: httpx2.AsyncClient) -> None:
    response = await client.patch(schema_url("0193f0c1-5c4e-7000-8000-00000000ffff"), json={"sync_type": "blah"})
    assert response.status_code == 404


async def test_error_envelope_has_exactly_four_keys(client: httpx2.AsyncClient) -> None:
    responses = [
        await client.get(schemas_url(), headers={"Authorization": ""}),
        await client.get(schemas_url(), headers=bearer(KEY_UNRELATED_SCOPE)),
        await client.get(schema_url("nope")),
        await client.patch(schema_url(STRIPE_CHARGES_ID), json={"sync_type": "blah"}),
    ]
    for response in responses:
        assert set(response.json()) == {"type", "code", "detail", "attr"}
        assert response.headers["content-type"] == "application/json"


def _limited_app(clock: ManualClock, per_minute: int, per_hour: int) -> Starlette:
    return create_app(SandboxConfig(rate_limit_per_minute=per_minute, rate_limit_per_hour=per_hour), clock=clock)


async def test_burst_rate_limit_is_429_with_retry_after(clock: ManualClock) -> None:
    app = _limited_app(clock, per_minute=3, per_hour=1000)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=BASE_URL) as http:
        for _ in range(3):
            assert (await http.get(schemas_url(), headers=bearer(KEY_ALL))).status_code == 200
            clock.advance(1)
        throttled = await http.get(schemas_url(), headers=bearer(KEY_ALL))
        assert throttled.status_code == 429
        # The oldest of the 3 requests was 3 s ago, so the window frees up in 57 s.
        assert throttled.json() == envelope(
            "throttled_error", "throttled", "Request was throttled. Expected available in 57 seconds."
        )
        assert throttled.headers["Retry-After"] == "57"
        # Limits are per key: another key is unaffected.
        assert (await http.get(schemas_url(), headers=bearer(KEY_READ))).status_code == 200
        clock.advance(57)
        assert (await http.get(schemas_url(), headers=bearer(KEY_ALL))).status_code == 200


async def test_sustained_rate_limit_is_429(clock: ManualClock) -> None:
    app = _limited_app(clock, per_minute=1000, per_hour=2)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=BASE_URL) as http:
        assert (await http.get(schemas_url(), headers=bearer(KEY_ALL))).status_code == 200
        clock.advance(600)
        assert (await http.get(schemas_url(), headers=bearer(KEY_ALL))).status_code == 200
        throttled = await http.get(schemas_url(), headers=bearer(KEY_ALL))
        assert throttled.status_code == 429
        assert throttled.headers["Retry-After"] == "3000"
        assert throttled.json()["detail"] == "Request was throttled. Expected available in 3000 seconds."


async def test_default_limits_are_480_per_minute(clock: ManualClock) -> None:
    app = create_app(clock=clock)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=BASE_URL) as http:
        url = schema_url(STRIPE_CHARGES_ID)
        statuses = [(await http.get(url, headers=bearer(KEY_READ))).status_code for _ in range(481)]
    assert statuses[:480] == [200] * 480
    assert statuses[480] == 429


async def test_failed_authentication_is_not_throttled(clock: ManualClock) -> None:
    app = _limited_app(clock, per_minute=1, per_hour=10)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=BASE_URL) as http:
        for _ in range(3):
            assert (await http.get(schemas_url(), headers=bearer(INVALID_KEY))).status_code == 401
        assert (await http.get(schemas_url(), headers=bearer(KEY_ALL))).status_code == 200
