"""The MCP server: lists the tools a caller may use and runs a call through the generic runner.

Built on the SDK's low-level `Server` so that what agents see is exactly the table in `tools/`: flat input
schemas, compact output schemas, explicit annotations — and a call does nothing its row does not say. Which
PostHog to talk to (the upstream) is the caller's choice: see `wiring.py`.

Safety lives in three places wired here: the tools a caller sees fit its key (scope_fit.py, Access.may_use),
destructive calls are confirmed as the policy says (confirmation.py; 2026-07-28 state sealed by state_keys.py),
and third-party text is data (untrusted.py, applied by the runner).
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio
from anyio.abc import TaskGroup
from mcp import types
from mcp.server import Server
from mcp.server.caching import CacheHint
from mcp.server.context import ServerRequestContext
from mcp.server.session import ServerSession
from mcp.server.subscriptions import InMemorySubscriptionBus, ListenHandler, ToolsListChanged
from mcp.shared.exceptions import MCPError
from mcp_types.jsonrpc import INVALID_PARAMS
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from starlette.requests import Request

from .. import __version__
from ..posthog_client import PostHogClient, RetryPolicy, create_http_client
from . import prompts
from .access import TOOL_CALL_LOG_KEY, Access, local_access, resolve_access
from .confirmation import AnsweredQuestions, Asking
from .failures import echo
from .json_schema import tool_input_schema, tool_output_schema
from .runner import run_tool
from .scope_fit import ScopeBook, Scopes
from .settings import CONFIRM_POLICIES, ConfirmPolicy, Settings
from .state_keys import state_boundary
from .tool_names import ToolName
from .tools import TOOLS, ToolCall, ToolRow
from .unknown_methods import echo_unknown_methods_cleanly
from .upstream import Upstream
from .waiting import Clock

logger = logging.getLogger("posthog_external_data_mcp")

SERVER_NAME = "posthog-external-data-mcp"
INSTRUCTIONS = (
    "PostHog data warehouse: each source (Stripe, Postgres, Hubspot, …) imports tables; each table is a schema "
    f"with its own sync settings. Find tables with {ToolName.SOURCES_LIST} (per source) or {ToolName.LIST}; "
    f"what needs attention: {ToolName.HEALTH}; why a sync failed: {ToolName.LOGS}. Change a sync with "
    f"{ToolName.PARTIAL_UPDATE} (dry_run=true shows the impact first), choosing sync_type and incremental_field "
    f"from {ToolName.INCREMENTAL_FIELDS}. Sync now and wait: {ToolName.RELOAD} with wait_seconds. resync wipes "
    "and re-imports in one step, delete-data only empties: never both. Leave a Running table's settings alone "
    "until it ends. project_id is optional (default: the server's project). Prompts give each common job step "
    "by step."
)
_LIST_TTL_MS = 3_600_000
# What a destructive tool's description adds under each policy (the client and the model both read it).
_CONFIRM_NOTES: dict[ConfirmPolicy, str] = {
    "off": "",
    "auto": " Asks the user first when the client supports it; otherwise the client's approval prompt is the guard.",
    "strict": " Refused unless confirm is the schema's name; the user is also asked when the client supports it.",
}


@dataclass
class AppState:
    """Process-wide state, created once by the lifespan: the one PostHog client (and its connection pool)."""

    settings: Settings
    make_client: Callable[[], PostHogClient]
    tasks: TaskGroup | None = None  # for work no request waits for (learning the server key's scopes)
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

    def spawn(self, work: Callable[[], Awaitable[None]]) -> None:
        async def guarded() -> None:
            try:
                await work()
            except Exception:  # background work must never take the server down
                logger.exception("background task failed")

        if self.tasks is not None:
            self.tasks.start_soon(guarded)


def tool_definition(row: ToolRow[Any], policy: ConfirmPolicy = "auto") -> types.Tool:
    note = _CONFIRM_NOTES[policy] if row.confirmation is not None else ""
    return types.Tool(
        name=row.name,
        title=row.title,
        description=row.description + note,
        input_schema=tool_input_schema(row.arguments),
        output_schema=None if row.output is None else tool_output_schema(row.output, depth=row.output_depth),
        annotations=types.ToolAnnotations(
            read_only_hint=row.read_only,
            destructive_hint=row.destructive,
            idempotent_hint=row.idempotent,
            open_world_hint=True,
        ),
    )


def build_server(
    settings: Settings, upstream: Upstream, *, retry: RetryPolicy | None = None, clock: Clock | None = None
) -> Server[AppState]:
    """The MCP server for these settings, talking to `upstream` (real PostHog, the sandbox, or a test double)."""
    definitions: dict[ConfirmPolicy, dict[str, types.Tool]] = {
        policy: {row.name: tool_definition(row, policy) for row in TOOLS} for policy in CONFIRM_POLICIES
    }
    schemas = definitions["auto"]
    rows: dict[str, ToolRow[Any]] = {row.name: row for row in TOOLS}
    scope_book = ScopeBook(upstream.server_key)
    answered = AnsweredQuestions()
    listeners = InMemorySubscriptionBus()  # 2026-07-28 clients hear of list changes through subscriptions/listen
    # The legacy session (stdio or in-process: one per process) last shown a list before the scopes were known.
    # A ServerSession is made per request, but its notifications go out on the connection's own channel.
    shown_provisional: list[ServerSession] = []
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
        async with anyio.create_task_group() as tasks:
            state = AppState(settings=settings, make_client=make_client, tasks=tasks)
            try:
                yield state
            finally:
                tasks.cancel_scope.cancel()
                await state.close()

    async def learned(scopes: Scopes) -> None:
        """The server key's scopes are known: tell clients if that changed what they were shown."""
        shown = local_access(settings, upstream)
        fitted = shown.fitted(scopes, TOOLS)
        if [row for row in TOOLS if shown.may_use(row)] == [row for row in TOOLS if fitted.may_use(row)]:
            return
        logger.info("the API key's scopes allow %d tool(s); the others are hidden", sum(map(fitted.may_use, TOOLS)))
        await listeners.publish(ToolsListChanged())
        while shown_provisional:
            try:
                await shown_provisional.pop().send_tool_list_changed()
            except Exception:  # a session that went away meanwhile
                logger.debug("could not send tools/list_changed", exc_info=True)

    async def fit(ctx: ServerRequestContext[AppState], access: Access, *, listing: bool) -> tuple[Access, bool]:
        """`access` narrowed to its key's scopes when they are known, and whether they are (the list is final)."""
        key = access.api_key
        if key is None:
            return access, True
        if scope_book.settled(key):
            scopes = scope_book.known(key)
            return access.fitted(scopes, TOOLS), scopes is not None
        if not listing:
            return access, False  # a call neither waits nor starts a lookup: PostHog answers it either way
        state = ctx.lifespan_context
        if scope_book.is_server_key(key):
            # Never on the start-up path: learnt in the background, clients told when it changes their list.
            if ctx.request is None and ctx.protocol_version not in MODERN_PROTOCOL_VERSIONS:
                shown_provisional[:] = [ctx.session]
            state.spawn(lambda: scope_book.learn_in_background(state.client, key, learned))
            return access, False
        scopes = await scope_book.look_up(state.client, key)
        return access.fitted(scopes, TOOLS), scopes is not None

    def asking(ctx: ServerRequestContext[AppState], params: types.CallToolRequestParams, access: Access) -> Asking:
        """How this call could ask its user: the era, and whether the client declared form elicitation."""
        capabilities = ctx.session.client_capabilities
        elicitation = capabilities.elicitation if capabilities else None
        # An empty elicitation capability means form mode (the spec's backwards-compatible reading).
        form = elicitation is not None and (elicitation.form is not None or elicitation.url is None)
        if ctx.protocol_version in MODERN_PROTOCOL_VERSIONS:
            answers = {
                key: answer
                for key, answer in (params.input_responses or {}).items()
                if isinstance(answer, types.ElicitResult)
            }
            return Asking(
                access.confirm_policy, True, form, answers=answers, state=params.request_state, answered=answered
            )
        # Stateless HTTP has no back channel (and no capabilities to read): it cannot elicit.
        can_elicit = form and ctx.session.can_send_request

        async def elicit(message: str, schema: dict[str, Any]) -> types.ElicitResult:
            return await ctx.session.elicit_form(message, schema, related_request_id=ctx.request_id)

        return Asking(access.confirm_policy, False, can_elicit, elicit if can_elicit else None, answered=answered)

    async def list_tools(
        ctx: ServerRequestContext[AppState], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        access, final = await fit(ctx, resolve_access(ctx.request, settings, upstream), listing=True)
        shown = definitions[access.confirm_policy]
        tools = [shown[row.name] for row in TOOLS if access.may_use(row)]
        # Until the key's scopes are known the list may still shrink: clients must not keep it.
        return types.ListToolsResult(tools=tools) if final else types.ListToolsResult(tools=tools, ttl_ms=0)

    async def call_tool(
        ctx: ServerRequestContext[AppState], params: types.CallToolRequestParams
    ) -> types.CallToolResult | types.InputRequiredResult:
        started = time.perf_counter()
        access, _ = await fit(ctx, resolve_access(ctx.request, settings, upstream), listing=False)
        row = rows.get(params.name)
        if row is None or not access.may_use(row):
            # An unknown (or hidden) tool is a protocol error, as the spec classes it.
            available = ", ".join(row.name for row in TOOLS if access.may_use(row))
            why = "" if row is None else f" ({access.hidden_because(row)})"
            raise MCPError(INVALID_PARAMS, f"Unknown tool: {echo(params.name)!r}{why}. Available tools: {available}.")
        client = ctx.lifespan_context.client.bind(api_key=access.api_key, project_id=access.pinned_project)
        call = ToolCall(
            client=client,
            report_progress=ctx.session.report_progress,
            asking=asking(ctx, params, access),
            clock=clock or Clock(),
        )
        result, outcome = await run_tool(row, params.arguments or {}, call, access, upstream.base_url)
        _log_call(row.name, outcome, client, started, ctx.request)
        return result

    # This server has no resources; answering the list methods with empty lists spares clients that
    # ask anyway (many do at start) a "method not found" in their logs.
    async def no_resources(ctx: ServerRequestContext[AppState], params: Any) -> types.ListResourcesResult:
        return types.ListResourcesResult(resources=[])

    async def no_resource_templates(
        ctx: ServerRequestContext[AppState], params: Any
    ) -> types.ListResourceTemplatesResult:
        return types.ListResourceTemplatesResult(resource_templates=[])

    async def no_such_resource(ctx: ServerRequestContext[AppState], params: types.ReadResourceRequestParams) -> Any:
        # The spec's answer for an unknown resource (SEP-2164): every resource is unknown here.
        raise MCPError(INVALID_PARAMS, "Resource not found", data={"uri": str(params.uri)})

    server = Server(
        SERVER_NAME,
        version=__version__,
        title="PostHog External Data Schemas",
        instructions=INSTRUCTIONS,
        website_url="https://github.com/posthog-external-data-mcp/posthog-external-data-mcp",
        lifespan=lifespan,
        get_tool_input_schema=lambda name: schemas[name].input_schema if name in schemas else None,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=no_resources,
        on_list_resource_templates=no_resource_templates,
        on_read_resource=no_such_resource,
        on_list_prompts=prompts.list_prompts,
        on_get_prompt=prompts.get_prompt,
        on_subscriptions_listen=ListenHandler(listeners),
        # The tool list changes only with the process's flags, the caller's narrowing headers and its key's scopes
        # (a list served before those are known says ttl 0 itself): cache it per caller.
        cache_hints={
            "tools/list": CacheHint(ttl_ms=_LIST_TTL_MS, scope="private"),
            "resources/list": CacheHint(ttl_ms=_LIST_TTL_MS, scope="public"),
            "resources/templates/list": CacheHint(ttl_ms=_LIST_TTL_MS, scope="public"),
            "prompts/list": CacheHint(ttl_ms=_LIST_TTL_MS, scope="public"),
        },
    )
    # Seals the request state of 2026-07-28 confirmations, bound to the paying key (see state_keys.py).
    server.middleware.append(
        state_boundary(settings, SERVER_NAME, lambda ctx: resolve_access(ctx.request, settings, upstream).api_key)
    )
    server.middleware.append(echo_unknown_methods_cleanly)
    return server


def _log_call(tool: str, outcome: str, client: PostHogClient, started: float, request: Any) -> None:
    """One line per tool call: tool, outcome, upstream status, attempts, duration, PostHog's request id."""
    if not logger.isEnabledFor(logging.INFO):
        return
    last = client.exchanges[-1] if client.exchanges else None
    upstream = (
        f"tool={tool} outcome={outcome} "
        f"upstream_status={'-' if last is None or last.status is None else last.status} "
        f"attempts={0 if last is None else last.attempts}"
    )
    request_id = f"request_id={'-' if last is None or last.request_id is None else last.request_id}"
    if isinstance(request, Request):
        # Over HTTP the access log line of this request carries it (one line per request, not two); that line
        # has its own duration_ms, so it is not repeated here: each key once.
        request.scope.setdefault("state", {})[TOOL_CALL_LOG_KEY] = f"{upstream} {request_id}"
    else:
        logger.info("%s duration_ms=%.1f %s", upstream, (time.perf_counter() - started) * 1000, request_id)
