"""Both route families, optional trailing slash, @current and the project errors."""

from __future__ import annotations

import httpx2
import pytest

from posthog_external_data_mcp.sandbox.demo import (
    DEMO_ORGANIZATION_ID,
    FOREIGN_PROJECT_ID,
    ISOLATION_PROJECT_ID,
    ISOLATION_STRIPE_REFUNDS_ID,
    KEY_OTHER_ORG,
    KEY_PROJECT2,
    MISSING_PROJECT_ID,
    STRIPE_CHARGES_ID,
)

from .conftest import bearer, envelope, schema_url, schemas_url

pytestmark = pytest.mark.anyio

NOT_FOUND = envelope("invalid_request", "not_found", "Not found.")
PROJECT_NOT_FOUND = envelope("invalid_request", "not_found", "Project not found.")


async def test_projects_and_environments_families_answer_the_same(client: httpx2.AsyncClient) -> None:
    projects = await client.get(schemas_url(family="projects"))
    environments = await client.get(schemas_url(family="environments"))
    assert projects.status_code == environments.status_code == 200
    assert [row["id"] for row in projects.json()["results"]] == [row["id"] for row in environments.json()["results"]]
    detail = await client.get(schema_url(STRIPE_CHARGES_ID, family="environments"))
    assert detail.status_code == 200
    assert detail.json()["name"] == "Charge"


async def test_trailing_slash_is_optional(client: httpx2.AsyncClient) -> None:
    with_slash = await client.get(schema_url(STRIPE_CHARGES_ID))
    without_slash = await client.get(schema_url(STRIPE_CHARGES_ID).rstrip("/"))
    assert with_slash.status_code == without_slash.status_code == 200
    assert with_slash.json() == without_slash.json()
    listed = await client.get(schemas_url().rstrip("/"))
    assert listed.status_code == 200
    patched = await client.patch(schema_url(STRIPE_CHARGES_ID).rstrip("/"), json={"should_sync": False})
    assert patched.status_code == 200
    action = await client.post(schema_url(STRIPE_CHARGES_ID, "reload").rstrip("/"))
    assert action.status_code == 200


async def test_current_resolves_to_the_users_current_project(client: httpx2.AsyncClient) -> None:
    current = await client.get(schemas_url(project="@current"))
    explicit = await client.get(schemas_url(project=1))
    assert current.status_code == 200
    assert current.json()["count"] == explicit.json()["count"]
    assert {row["id"] for row in current.json()["results"]} == {row["id"] for row in explicit.json()["results"]}


async def test_current_for_a_key_scoped_elsewhere_is_refused(client: httpx2.AsyncClient) -> None:
    # @current is the key owner's current project (1), not necessarily one the key may use.
    response = await client.get(schemas_url(project="@current"), headers=bearer(KEY_PROJECT2))
    assert response.status_code == 403
    assert response.json() == envelope(
        "authentication_error", "permission_denied", "API key does not have access to the requested project: ID 1."
    )


async def test_unknown_project_is_404(client: httpx2.AsyncClient) -> None:
    response = await client.get(schemas_url(project=MISSING_PROJECT_ID))
    assert response.status_code == 404
    assert response.json() == PROJECT_NOT_FOUND


async def test_non_numeric_project_is_404(client: httpx2.AsyncClient) -> None:
    response = await client.get(schemas_url(project="not-a-number"))
    assert response.status_code == 404
    assert response.json() == PROJECT_NOT_FOUND


async def test_project_of_another_organization_is_403(client: httpx2.AsyncClient) -> None:
    response = await client.get(schemas_url(project=FOREIGN_PROJECT_ID))
    assert response.status_code == 403
    assert response.json() == envelope(
        "authentication_error", "permission_denied", "You don't have access to the project."
    )


async def test_key_scoped_to_other_projects_is_403(client: httpx2.AsyncClient) -> None:
    response = await client.get(schemas_url(project=1), headers=bearer(KEY_PROJECT2))
    assert response.status_code == 403
    assert response.json() == envelope(
        "authentication_error", "permission_denied", "API key does not have access to the requested project: ID 1."
    )
    allowed = await client.get(schemas_url(project=ISOLATION_PROJECT_ID), headers=bearer(KEY_PROJECT2))
    assert allowed.status_code == 200


async def test_key_scoped_to_other_organizations_is_403(client: httpx2.AsyncClient) -> None:
    response = await client.get(schemas_url(project=1), headers=bearer(KEY_OTHER_ORG))
    assert response.status_code == 403
    assert response.json() == envelope(
        "authentication_error",
        "permission_denied",
        f"API key does not have access to the requested organization: ID {DEMO_ORGANIZATION_ID}.",
    )


async def test_unknown_schema_id_is_404(client: httpx2.AsyncClient) -> None:
    for schema_id in ("0193f0c1-5c4e-7000-8000-00000000ffff", "not-a-uuid"):
        response = await client.get(schema_url(schema_id))
        assert response.status_code == 404
        assert response.json() == NOT_FOUND


async def test_schema_of_another_project_is_404(client: httpx2.AsyncClient) -> None:
    response = await client.get(schema_url(ISOLATION_STRIPE_REFUNDS_ID, project=1))
    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    for action in ("reload", "cancel", "incremental_fields"):
        response = await client.post(schema_url(ISOLATION_STRIPE_REFUNDS_ID, action, project=1))
        assert response.status_code == 404, action
    own = await client.get(schema_url(ISOLATION_STRIPE_REFUNDS_ID, project=ISOLATION_PROJECT_ID))
    assert own.status_code == 200


async def test_unknown_path_is_404_envelope_without_auth(client: httpx2.AsyncClient) -> None:
    response = await client.get("/api/projects/1/no_such_thing/", headers={"Authorization": ""})
    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    response = await client.get("/nowhere")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


async def test_unmapped_method_is_refused_for_personal_keys(client: httpx2.AsyncClient) -> None:
    # DRF finds no action for the method, so APIScopePermission refuses personal keys before the 405.
    response = await client.post(schema_url(STRIPE_CHARGES_ID))
    assert response.status_code == 403
    assert response.json() == envelope(
        "authentication_error", "permission_denied", "This action does not support personal API key access"
    )
    response = await client.get(schema_url(STRIPE_CHARGES_ID, "reload"))
    assert response.status_code == 403


async def test_list_level_patch_is_405(client: httpx2.AsyncClient) -> None:
    # PATCH on the list maps to DRF's "patch" action (write scope), which has no handler.
    response = await client.patch(schemas_url(), json={})
    assert response.status_code == 405
    assert response.json() == envelope("invalid_request", "method_not_allowed", 'Method "PATCH" not allowed.')


async def test_head_and_options(client: httpx2.AsyncClient) -> None:
    head = await client.head(schemas_url())
    assert head.status_code == 200
    assert head.content == b""
    options = await client.options(schemas_url())
    assert options.status_code == 200
    assert options.json()["name"] == "External Data Schema List"
