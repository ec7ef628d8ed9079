"""The sandbox ASGI app: PostHog's External Data Schemas API on demo data, plus ``/_sandbox/`` helpers."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import actions, schedule, source_actions
from .auth import (
    PERSONAL_KEY_ACTION_UNSUPPORTED,
    authenticate,
    check_key_reach,
    check_membership,
    check_scope,
    find_key,
    resolve_team,
)
from .clock import Clock, format_datetime, system_clock
from .config import SandboxConfig
from .context import Reply, RequestContext
from .errors import ApiError, method_not_allowed, not_found, permission_denied, throttled
from .faults import FaultInjectionMiddleware
from .models import PersonalApiKey
from .payload import parse_body
from .request_log import RequestLogMiddleware
from .routes import RouteMatch, match_route
from .runtime import SandboxRuntime

SCOPE_OBJECT = "external_data_source"
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def create_app(config: SandboxConfig | None = None, *, clock: Clock | None = None) -> Starlette:
    """A fresh sandbox with its own in-memory demo data; ``clock`` lets tests move time by hand."""
    runtime = SandboxRuntime(config or SandboxConfig(), clock or system_clock)

    async def api(request: Request) -> Response:
        return await _handle_api(runtime, request)

    async def sandbox_requests(request: Request) -> Response:
        if request.method == "DELETE":
            runtime.request_log.clear()
            return Response(status_code=204)
        return JSONResponse(runtime.request_log.entries())

    async def sandbox_reset(request: Request) -> Response:
        runtime.reset()
        return JSONResponse({"reset": True})

    async def sandbox_reconnect(request: Request) -> Response:
        # What a user does outside the API: replace an expired key, grant a missing scope, reconnect.
        with runtime.store.lock:
            source = runtime.store.state.sources.get(request.path_params["source_id"])
            if source is None:
                return JSONResponse({"detail": "Unknown source."}, status_code=404)
            source.credentials_error = None
            source.sync_error = None
            for table in source.discovery.values():
                table.sync_error = None
                table.discovery_error = None
        return JSONResponse({"reconnected": True})

    app = Starlette(
        routes=[
            Route("/_sandbox/requests", sandbox_requests, methods=["GET", "DELETE"]),
            Route("/_sandbox/reset", sandbox_reset, methods=["POST"]),
            Route("/_sandbox/sources/{source_id}/reconnect", sandbox_reconnect, methods=["POST"]),
            Route("/{path:path}", api, methods=ALL_METHODS),
        ],
        middleware=[
            Middleware(RequestLogMiddleware, runtime=runtime),
            Middleware(FaultInjectionMiddleware, config=runtime.config, dice=runtime.dice),
        ],
    )
    app.state.sandbox = runtime
    return app


async def _handle_api(runtime: SandboxRuntime, request: Request) -> Response:
    route = match_route(request.url.path)
    if route is None:
        return _to_response(request.method, Reply(404, not_found().body))
    body = await request.body()
    with runtime.store.lock:
        now = runtime.clock()
        schedule.advance(runtime.store.state, now, runtime.config.sync_seconds)
        try:
            reply = _dispatch(runtime, request, route, body, now)
        except ApiError as error:
            reply = Reply(error.status, error.body, error.headers)
    return _to_response(request.method, reply)


def _dispatch(runtime: SandboxRuntime, request: Request, route: RouteMatch, body: bytes, now: datetime) -> Reply:
    state = runtime.store.state
    method = request.method
    query = dict(parse_qsl(request.url.query, keep_blank_values=True))
    headers = {name.lower(): value for name, value in request.headers.items()}

    # Authentication reads the body only when no Authorization header carries a key.
    found = find_key(headers, None, {})
    if found is None:
        found = find_key(headers, parse_body(body, headers.get("content-type")) if body else None, query)
    key = authenticate(state, found, now)

    if route.kind == "personal_api_key":
        return _personal_api_key(runtime, route, method, key, now)
    if route.kind == "users_me":
        return _users_me(runtime, method, key, now)

    action = route.action_for(method)
    level = route.scope_level(action, method)
    if level is None:
        # Neither a read nor a write action (schema create, or a method the route doesn't map).
        raise permission_denied(PERSONAL_KEY_ACTION_UNSUPPORTED)
    required_scope = f"{SCOPE_OBJECT}:{level}"

    assert route.project is not None
    team = resolve_team(state, route.project)
    check_key_reach(key, team)
    check_scope(key, required_scope)
    check_membership(state, team)
    _throttle(runtime, key, now)

    if action is None:  # OPTIONS
        return Reply(200, _options_metadata(route))
    ctx = RequestContext(
        state=state,
        config=runtime.config,
        now=now,
        method=method,
        absolute_url=str(request.url),
        query=query,
        body=body,
        content_type=headers.get("content-type"),
        key=key,
        team=team,
        action=action,
    )
    if route.kind == "schema_list":
        return actions.LIST_HANDLERS[action](ctx)
    if route.kind == "source_list":
        return source_actions.SOURCE_LIST_HANDLERS[action](ctx)
    assert route.pk is not None
    if route.kind == "source_detail":
        return source_actions.SOURCE_DETAIL_HANDLERS[action](ctx, route.pk)
    return actions.DETAIL_HANDLERS[action](ctx, route.pk)


def _throttle(runtime: SandboxRuntime, key: PersonalApiKey, now: datetime) -> None:
    wait = runtime.rate_limiter.check(key.value, now.timestamp())
    if wait is not None:
        raise throttled(wait)


def _personal_api_key(
    runtime: SandboxRuntime, route: RouteMatch, method: str, key: PersonalApiKey, now: datetime
) -> Reply:
    # Personal keys may only retrieve themselves (PersonalApiKeySelfAccessPermission).
    if route.action_for(method) != "retrieve":
        raise permission_denied("This action does not support Personal API Key access")
    _throttle(runtime, key, now)
    state = runtime.store.state
    if route.pk in ("@current", key.id):
        return Reply(200, serialize_personal_api_key(key))
    if any(other.id == route.pk for other in state.keys.values()):
        raise permission_denied("This action does not support Personal API Key access")
    raise not_found()


def serialize_personal_api_key(key: PersonalApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "label": key.label,
        "value": None,
        "mask_value": f"{key.value[:4]}...{key.value[-4:]}",
        "created_at": format_datetime(key.created_at),
        "last_used_at": format_datetime(key.last_used_at),
        "user_id": 1,
        "scopes": list(key.scopes),
        "scoped_teams": list(key.scoped_teams) if key.scoped_teams else None,
        "scoped_organizations": list(key.scoped_organizations) if key.scoped_organizations else None,
        "last_rolled_at": None,
    }


def _users_me(runtime: SandboxRuntime, method: str, key: PersonalApiKey, now: datetime) -> Reply:
    state = runtime.store.state
    if method not in ("GET", "HEAD"):
        raise method_not_allowed(method)
    check_scope(key, "user:read")
    _throttle(runtime, key, now)
    team = state.teams[state.user.current_team_id]
    organization = state.organizations[team.organization_id]
    return Reply(
        200,
        {
            "uuid": state.user.uuid,
            "email": state.user.email,
            "first_name": state.user.first_name,
            "team": {"id": team.id, "name": team.name},
            "organization": {"id": organization.id, "name": organization.name},
        },
    )


def _options_metadata(route: RouteMatch) -> dict[str, Any]:
    noun = "Source" if route.kind.startswith("source") else "Schema"
    name = f"External Data {noun} {'List' if route.kind.endswith('_list') else 'Instance'}"
    return {"name": name, "description": "", "renders": ["application/json"], "parses": ["application/json"]}


def _to_response(method: str, reply: Reply) -> Response:
    empty = reply.body is None or reply.status == 204
    content = b"" if empty else json.dumps(reply.body, ensure_ascii=False).encode()
    # HEAD answers carry the headers of the GET but no body.
    return Response(
        content=b"" if method == "HEAD" else content,
        status_code=reply.status,
        headers=reply.headers,
        media_type="application/json",
    )
