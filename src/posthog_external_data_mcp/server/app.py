"""The MCP server: lists the enabled tools and runs a call as arguments → one client call → tool result.

Built on the SDK's low-level `Server` so that what agents see is exactly the table in `tools.py`: flat input
schemas, compact output schemas, explicit annotations — and a call does nothing the table does not say.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx2
from mcp import types
from mcp.server import Server
from mcp.server.caching import CacheHint
from mcp.server.context import ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp_types.jsonrpc import INVALID_PARAMS
from pydantic import ValidationError
from starlette.requests import Request

from .. import __version__
from ..posthog_client import PostHogClient, ProjectRef, RetryPolicy, create_http_client
from . import failures, results
from .access import TOOL_CALL_LOG_KEY, Access, resolve_access
from .arguments import PartialUpdateArguments
from .json_schema import tool_input_schema, tool_output_schema
from .settings import LOOKS_LIKE_KEY, Settings
from .tools import TOOLS, ToolSpec

logger = logging.getLogger("posthog_external_data_mcp")

SERVER_NAME = "posthog-external-data-mcp"
INSTRUCTIONS = (
    "Manage PostHog data-warehouse import schemas (one per source table). Start with external-data-schemas-list; "
    "use ids from it. Sync status: Running, Completed, Failed, Paused. Destructive tools say so."
)
_LIST_TTL_MS = 3_600_000


@dataclass
class AppState:
    """Process-wide state, created once by the lifespan: the one PostHog client (and its connection pool)."""

    settings: Settings
    make_client: Callable[[], PostHogClient]
    _client: PostHogClient | None = None

    @property
    def client(self) -> PostHogClient:
        # Made on first use: building the HTTP client (its TLS context above all) costs ~30 ms, which a desktop
        # client would otherwise wait for before it even sees the tool list.
        if self._client is None:
            self._client = self.make_client()
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.http.aclose()


def enabled_tools(settings: Settings) -> tuple[ToolSpec, ...]:
    selected = [tool for tool in TOOLS if settings.tools is None or tool.name in settings.tools]
    return tuple(tool for tool in selected if tool.read_only or not settings.read_only)


def tool_definition(spec: ToolSpec) -> types.Tool:
    return types.Tool(
        name=spec.name,
        title=spec.title,
        description=spec.description,
        input_schema=tool_input_schema(spec.arguments),
        output_schema=None if spec.output is None else tool_output_schema(spec.output, depth=spec.output_depth),
        annotations=types.ToolAnnotations(
            read_only_hint=spec.read_only,
            destructive_hint=spec.destructive,
            idempotent_hint=spec.idempotent,
            open_world_hint=True,
        ),
    )


def build_server(
    settings: Settings,
    *,
    upstream_transport: httpx2.AsyncBaseTransport | None = None,
    retry: RetryPolicy | None = None,
) -> Server[AppState]:
    """The MCP server for these settings. `upstream_transport` replaces the network (sandbox, tests)."""
    tools = enabled_tools(settings)
    definitions = {spec.name: tool_definition(spec) for spec in tools}
    specs = {spec.name: spec for spec in tools}
    policy = retry or RetryPolicy(total_timeout=settings.timeout_seconds)

    def make_client() -> PostHogClient:
        # Holds no key: every call binds the key its caller is entitled to (see access.py).
        return PostHogClient(
            http=create_http_client(transport=upstream_transport or _sandbox_transport(settings)),
            base_url=settings.base_url,
            route=settings.route,
            project_id=settings.project_id,
            retry=policy,
        )

    @asynccontextmanager
    async def lifespan(_: Server[AppState]) -> AsyncGenerator[AppState]:
        state = AppState(settings=settings, make_client=make_client)
        try:
            yield state
        finally:
            await state.close()

    async def list_tools(
        ctx: ServerRequestContext[AppState], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        access = resolve_access(ctx.request, settings)
        visible = [definitions[name] for name in definitions if access.may_use(specs[name])]
        return types.ListToolsResult(tools=visible)

    async def call_tool(
        ctx: ServerRequestContext[AppState], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        started = time.perf_counter()
        access = resolve_access(ctx.request, settings)
        spec = specs.get(params.name)
        if spec is None or not access.may_use(spec):
            # An unknown (or hidden) tool is a protocol error, as the spec classes it.
            available = ", ".join(name for name in specs if access.may_use(specs[name]))
            raise MCPError(INVALID_PARAMS, f"Unknown tool: {params.name!r}. Available tools: {available}.")
        client = ctx.lifespan_context.client.bind(api_key=access.api_key, project_id=access.pinned_project)
        result, outcome = await _run(spec, params.arguments or {}, client, access, settings)
        _log_call(spec.name, outcome, client, started, ctx.request)
        return result

    # This server has no resources or prompts; answering the list methods with empty lists spares clients that
    # ask anyway (many do at start) a "method not found" in their logs.
    async def no_resources(ctx: ServerRequestContext[AppState], params: Any) -> types.ListResourcesResult:
        return types.ListResourcesResult(resources=[])

    async def no_resource_templates(
        ctx: ServerRequestContext[AppState], params: Any
    ) -> types.ListResourceTemplatesResult:
        return types.ListResourceTemplatesResult(resource_templates=[])

    async def no_prompts(ctx: ServerRequestContext[AppState], params: Any) -> types.ListPromptsResult:
        return types.ListPromptsResult(prompts=[])

    async def no_such_resource(ctx: ServerRequestContext[AppState], params: types.ReadResourceRequestParams) -> Any:
        # The spec's answer for an unknown resource (SEP-2164): every resource is unknown here.
        raise MCPError(INVALID_PARAMS, "Resource not found", data={"uri": str(params.uri)})

    return Server(
        SERVER_NAME,
        version=__version__,
        title="PostHog External Data Schemas",
        instructions=INSTRUCTIONS,
        website_url="https://github.com/posthog-external-data-mcp/posthog-external-data-mcp",
        lifespan=lifespan,
        get_tool_input_schema=lambda name: definitions[name].input_schema if name in definitions else None,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=no_resources,
        on_list_resource_templates=no_resource_templates,
        on_read_resource=no_such_resource,
        on_list_prompts=no_prompts,
        # The tool list changes only with the process's flags and the caller's narrowing headers: cache it per caller.
        cache_hints={
            "tools/list": CacheHint(ttl_ms=_LIST_TTL_MS, scope="private"),
            "resources/list": CacheHint(ttl_ms=_LIST_TTL_MS, scope="public"),
            "resources/templates/list": CacheHint(ttl_ms=_LIST_TTL_MS, scope="public"),
            "prompts/list": CacheHint(ttl_ms=_LIST_TTL_MS, scope="public"),
        },
    )


async def _run(
    spec: ToolSpec, arguments: dict[str, Any], client: PostHogClient, access: Access, settings: Settings
) -> tuple[types.CallToolResult, str]:
    try:
        args = spec.arguments.model_validate(arguments)
    except ValidationError as exc:
        accepted = list(spec.arguments.model_fields)
        return _error_result(failures.invalid_arguments(exc, spec.name, accepted), access), "invalid_arguments"
    if isinstance(args, PartialUpdateArguments) and not args.update().model_fields_set:
        return _error_result(failures.nothing_to_update(), access), "invalid_arguments"

    requested: ProjectRef | None = getattr(args, "project_id", None)
    if access.pinned_project is not None and requested not in (None, access.pinned_project):
        failure = failures.Failure(
            kind="invalid_arguments",
            message=f"This connection is pinned to project {access.pinned_project} (x-posthog-project-id); "
            f"project_id={requested} was refused and nothing was sent.",
            hint="Omit project_id, or connect without the x-posthog-project-id header.",
            attr="project_id",
        )
        return _error_result(failure, access), "invalid_arguments"
    project = requested or client.project_id
    call = failures.CallContext(
        tool=spec.name,
        scope=spec.scope,
        host=settings.base_url,
        project=str(project),
        key_source=access.key_source,
    )
    try:
        output = await spec.run(client, args)
        content = results.structured(output.result)
        text = f"{output.headline}\n{output.render(content)}"
    except Exception as exc:
        failure = failures.from_exception(exc, call, dict(spec.hints))
        if failure.kind == "internal_error":
            # The traceback stays in the server log (which never holds keys); the agent gets a short message.
            logger.exception("tool %s crashed", spec.name, exc_info=exc)
        return _error_result(failure, access), failure.kind
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=_redact(text, access))],
        structured_content=_redact_structure(content, access),
    ), "ok"


def _error_result(failure: failures.Failure, access: Access) -> types.CallToolResult:
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=_redact(failure.text(), access))],
        is_error=True,
        _meta=_redact_structure(failure.as_meta(), access),
    )


def _redact(text: str, access: Access) -> str:
    """Belt and braces: no key ever leaves in a result, even if upstream text echoed one."""
    if access.api_key:
        text = text.replace(access.api_key, "[redacted]")
    return LOOKS_LIKE_KEY.sub("[redacted]", text)


def _redact_structure(content: dict[str, Any], access: Access) -> dict[str, Any]:
    serialized = json.dumps(content, ensure_ascii=False)
    redacted = _redact(serialized, access)
    # The common case costs one dump and one scan; only a result that held a key is rebuilt.
    return content if redacted == serialized else json.loads(redacted)


def _log_call(tool: str, outcome: str, client: PostHogClient, started: float, request: Any) -> None:
    """One line per tool call: tool, outcome, upstream status, attempts, duration, PostHog's request id."""
    if not logger.isEnabledFor(logging.INFO):
        return
    last = client.exchanges[-1] if client.exchanges else None
    line = (
        f"tool={tool} outcome={outcome} "
        f"upstream_status={'-' if last is None or last.status is None else last.status} "
        f"attempts={0 if last is None else last.attempts} "
        f"duration_ms={(time.perf_counter() - started) * 1000:.1f} "
        f"request_id={'-' if last is None or last.request_id is None else last.request_id}"
    )
    if isinstance(request, Request):
        # Over HTTP the access log line of this request carries it: one line per request, not two.
        request.scope.setdefault("state", {})[TOOL_CALL_LOG_KEY] = line
    else:
        logger.info("%s", line)


def _sandbox_transport(settings: Settings) -> httpx2.AsyncBaseTransport | None:
    if not settings.sandbox:
        return None
    # Imported only in sandbox mode: a normal start never pays for it.
    from ..sandbox import SandboxConfig, create_app  # noqa: PLC0415

    return httpx2.ASGITransport(app=create_app(SandboxConfig.from_env()))
