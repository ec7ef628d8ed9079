"""The MCP server: lists the tools a caller may use and runs a call through the generic runner.

Built on the SDK's low-level `Server` so that what agents see is exactly the table in `tools/`: flat input
schemas, compact output schemas, explicit annotations — and a call does nothing its row does not say. Which
PostHog to talk to (the upstream) is the caller's choice: see `wiring.py`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from mcp import types
from mcp.server import Server
from mcp.server.caching import CacheHint
from mcp.server.context import ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp_types.jsonrpc import INVALID_PARAMS
from starlette.requests import Request

from .. import __version__
from ..posthog_client import PostHogClient, RetryPolicy, create_http_client
from .access import TOOL_CALL_LOG_KEY, resolve_access
from .failures import echo
from .json_schema import tool_input_schema, tool_output_schema
from .runner import run_tool
from .settings import Settings
from .tool_names import ToolName
from .tools import TOOLS, ToolCall, ToolRow
from .upstream import Upstream

logger = logging.getLogger("posthog_external_data_mcp")

SERVER_NAME = "posthog-external-data-mcp"
INSTRUCTIONS = (
    f"Manage PostHog data-warehouse import schemas (one per source table). Start with {ToolName.LIST}; "
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


def tool_definition(row: ToolRow[Any]) -> types.Tool:
    return types.Tool(
        name=row.name,
        title=row.title,
        description=row.description,
        input_schema=tool_input_schema(row.arguments),
        output_schema=None if row.output is None else tool_output_schema(row.output, depth=row.output_depth),
        annotations=types.ToolAnnotations(
            read_only_hint=row.read_only,
            destructive_hint=row.destructive,
            idempotent_hint=row.idempotent,
            open_world_hint=True,
        ),
    )


def build_server(settings: Settings, upstream: Upstream, *, retry: RetryPolicy | None = None) -> Server[AppState]:
    """The MCP server for these settings, talking to `upstream` (real PostHog, the sandbox, or a test double)."""
    definitions: dict[str, types.Tool] = {row.name: tool_definition(row) for row in TOOLS}
    rows: dict[str, ToolRow[Any]] = {row.name: row for row in TOOLS}
    policy = retry or RetryPolicy(total_timeout=settings.timeout_seconds)

    def make_client() -> PostHogClient:
        # Holds no key: every call binds the key its caller is entitled to (see access.py).
        return PostHogClient(
            http=create_http_client(transport=upstream.transport),
            base_url=upstream.base_url,
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
        access = resolve_access(ctx.request, settings, upstream)
        return types.ListToolsResult(tools=[definitions[row.name] for row in TOOLS if access.may_use(row)])

    async def call_tool(
        ctx: ServerRequestContext[AppState], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        started = time.perf_counter()
        access = resolve_access(ctx.request, settings, upstream)
        row = rows.get(params.name)
        if row is None or not access.may_use(row):
            # An unknown (or hidden) tool is a protocol error, as the spec classes it.
            available = ", ".join(row.name for row in TOOLS if access.may_use(row))
            raise MCPError(INVALID_PARAMS, f"Unknown tool: {echo(params.name)!r}. Available tools: {available}.")
        client = ctx.lifespan_context.client.bind(api_key=access.api_key, project_id=access.pinned_project)
        call = ToolCall(client=client, report_progress=ctx.session.report_progress)
        result, outcome = await run_tool(row, params.arguments or {}, call, access, upstream.base_url)
        _log_call(row.name, outcome, client, started, ctx.request)
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
