"""MCP prompts: the everyday warehouse jobs as short, tool-by-tool plans an agent (or a user picking from the
client's prompt menu) can follow — each in the fewest calls, with PostHog's own cautions.

Written in product words (warehouse, source, table, sync, import) so a client's tool search finds the tools.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mcp import types
from mcp.server.context import ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp_types.jsonrpc import INVALID_PARAMS

from .failures import echo
from .tool_names import ToolName as T


@dataclass(frozen=True)
class WorkflowPrompt:
    name: str
    title: str
    description: str
    arguments: tuple[types.PromptArgument, ...]
    text: Callable[[Mapping[str, str]], str]

    def listed(self) -> types.Prompt:
        return types.Prompt(
            name=self.name, title=self.title, description=self.description, arguments=list(self.arguments)
        )


def _argument(name: str, description: str, *, required: bool = True) -> types.PromptArgument:
    return types.PromptArgument(name=name, description=description, required=required)


def _diagnose(args: Mapping[str, str]) -> str:
    scope = f" of the {args['source']} source" if args.get("source") else ""
    return (
        f"Find out why warehouse syncs{scope} fail and what the user must do.\n"
        f"1. {T.HEALTH} with problem=failed: each failed table with its classified cause and next step.\n"
        f"2. For a cause it does not name: {T.LOGS} with the table's id and level=ERROR.\n"
        "3. Tell the user the cause and the fix in PostHog. A source-side failure (expired credentials, a missing "
        "scope, an unreachable host) is fixed at the source or by reconnecting it in Data pipeline → Sources "
        "(allow PostHog's IP addresses for databases); resync or delete-data never fixes it.\n"
        f"4. Once fixed: {T.RELOAD} with wait_seconds=30 confirms the table syncs again."
    )


def _switch(args: Mapping[str, str]) -> str:
    return (
        f"Switch the warehouse table {args['table']} to an incremental sync.\n"
        f"1. Its id: {T.LIST} with search=<table name> (skip if you have the id).\n"
        f"2. {T.INCREMENTAL_FIELDS}: the sync methods this table offers and its candidate incremental fields. Pick "
        "a field that only grows (updated_at, an id), by its `field` value, not its label; use append when "
        "incremental is not offered.\n"
        f"3. {T.PARTIAL_UPDATE} with dry_run=true, sync_type, incremental_field and incremental_field_type (and "
        "primary_key_columns for incremental): read the effects and warnings. If the table is Running, wait first "
        f"({T.RETRIEVE} with wait_seconds).\n"
        "4. The same call without dry_run, after telling the user about any full re-import.\n"
        f"5. {T.RELOAD} with wait_seconds=30 and report the final status."
    )


def _audit(args: Mapping[str, str]) -> str:
    return (
        "Audit the health of the PostHog data warehouse imports.\n"
        f"1. {T.HEALTH}: every table that needs attention, grouped (failed, billing-limited, stale, stalled, "
        "never synced, running long), each with its next step.\n"
        f"2. {T.SOURCES_LIST} when the user wants it per source.\n"
        "3. Report the groups with their next steps; change nothing without the user's go-ahead."
    )


def _pause_or_resume(args: Mapping[str, str]) -> str:
    action = args["action"].strip().lower()
    if action not in ("pause", "resume"):
        raise MCPError(INVALID_PARAMS, f"action must be pause or resume, not {echo(args['action'])!r}")
    flag = "false" if action == "pause" else "true"
    effect = (
        "a sync already running finishes; imported data stays"
        if action == "pause"
        else "read each result's effects: a CDC table re-snapshots in full; reload syncs one now"
    )
    return (
        f"{action.capitalize()} every table of the warehouse source {args['source']}.\n"
        f"1. {T.SOURCES_LIST} with search=<source type or prefix>: the source's tables and their ids.\n"
        f"2. For each table: {T.PARTIAL_UPDATE} with should_sync={flag} ({effect}). One call per table, "
        "nothing else is needed.\n"
        "3. Report which tables changed."
    )


PROMPTS: tuple[WorkflowPrompt, ...] = (
    WorkflowPrompt(
        "diagnose-failing-syncs",
        "Diagnose failing warehouse syncs",
        "Why imports fail and what the user must fix, in a few calls.",
        (_argument("source", "Only this source (type like Stripe, or prefix).", required=False),),
        _diagnose,
    ),
    WorkflowPrompt(
        "switch-table-to-incremental",
        "Switch a table to incremental sync",
        "Pick the cursor field, preview the impact, apply, run.",
        (_argument("table", "Table (schema) name or id."),),
        _switch,
    ),
    WorkflowPrompt(
        "audit-warehouse-health",
        "Audit warehouse health",
        "Every data warehouse table that needs attention, with next steps.",
        (),
        _audit,
    ),
    WorkflowPrompt(
        "pause-or-resume-source",
        "Pause or resume a source's tables",
        "Stop or restart the syncs of every table of one source.",
        (_argument("source", "Source type (Stripe) or prefix."), _argument("action", "pause or resume")),
        _pause_or_resume,
    ),
)
_BY_NAME = {prompt.name: prompt for prompt in PROMPTS}


async def list_prompts(
    ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
) -> types.ListPromptsResult:
    return types.ListPromptsResult(prompts=[prompt.listed() for prompt in PROMPTS])


async def get_prompt(ctx: ServerRequestContext[Any], params: types.GetPromptRequestParams) -> types.GetPromptResult:
    prompt = _BY_NAME.get(params.name)
    if prompt is None:
        raise MCPError(INVALID_PARAMS, f"Unknown prompt: {echo(params.name)!r}. Prompts: {', '.join(_BY_NAME)}.")
    given = params.arguments or {}
    missing = [argument.name for argument in prompt.arguments if argument.required and not given.get(argument.name)]
    if missing:
        raise MCPError(INVALID_PARAMS, f"Missing required argument: {', '.join(missing)}")
    # What the caller typed goes into the plan: cleaned and bounded like every echoed string.
    values = {name: echo(value) for name, value in given.items() if name in {a.name for a in prompt.arguments}}
    text = prompt.text(values)
    return types.GetPromptResult(
        description=prompt.description,
        messages=[types.PromptMessage(role="user", content=types.TextContent(type="text", text=text))],
    )
