"""Rows of the actions on one schema that PostHog answers without a body: run, stop, restart, empty, delete."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol
from uuid import UUID

from ...posthog_client import ActionOutcome, PostHogClient, ProjectRef, Scope
from .. import results, wait_results
from ..arguments import ConfirmArguments, ResyncArguments, SchemaArguments, WaitArguments
from ..confirmation import Confirmation
from ..tool_names import ToolName
from .rows import Output, ToolCall, ToolRow
from .sync_runs import sync_action


class SchemaAction(Protocol):
    """An unbound client method acting on one schema, e.g. `PostHogClient.reload`."""

    def __call__(
        self, client: PostHogClient, schema_id: UUID, /, *, project_id: ProjectRef | None = None
    ) -> Awaitable[ActionOutcome]: ...


def _action(
    method: SchemaAction, headline: str, next_step: str
) -> Callable[[ToolCall, SchemaArguments], Awaitable[Output]]:
    async def run(call: ToolCall, args: SchemaArguments) -> Output:
        outcome = await method(call.client, args.id, project_id=args.project_id)
        return Output(outcome.detail or headline, results.action_result(outcome, next_step))

    return run


_BILLING_LIMIT_HINT = "If the billing limit is reached, raise it in PostHog's billing settings; otherwise retry later."

RELOAD = ToolRow(
    name=ToolName.RELOAD,
    title="Sync a table now",
    description=(
        "Sync this table now (its configured method; data kept). wait_seconds waits for the final status and a "
        "failure's error logs."
    ),
    scope=Scope.WRITE,
    read_only=False,
    destructive=False,
    idempotent=False,
    arguments=WaitArguments,
    output=wait_results.SyncRunShape,
    run=sync_action(PostHogClient.reload, "Sync started; status is Running."),
    hints={400: _BILLING_LIMIT_HINT},
)

CANCEL = ToolRow(
    name=ToolName.CANCEL,
    title="Cancel a running sync",
    description="Stop this table's running sync. Fails if none runs: check status with retrieve first.",
    scope=Scope.WRITE,
    read_only=False,
    destructive=False,
    idempotent=True,
    arguments=SchemaArguments,
    output=results.ActionResult,
    run=_action(PostHogClient.cancel, "Sync cancelled.", f"Call {ToolName.RETRIEVE} to see the new status."),
    hints={400: "Nothing is running for this schema (status is not Running): there is nothing to cancel."},
)

RESYNC = ToolRow(
    name=ToolName.RESYNC,
    title="Resync a table from scratch",
    description=(
        "Destructive: wipe and re-import every row in one step (cursor reset, running sync cancelled); never "
        "also delete-data. Prefer reload. wait_seconds as in reload."
    ),
    scope=Scope.WRITE,
    read_only=False,
    destructive=True,
    idempotent=False,
    arguments=ResyncArguments,
    output=wait_results.SyncRunShape,
    run=sync_action(PostHogClient.resync, "Full resync started; status is Running."),
    hints={400: _BILLING_LIMIT_HINT},
    confirmation=Confirmation(
        "Resync",
        "This wipes {table} and re-imports every row from the source in one step, resetting its sync state "
        "(incremental cursor included) and cancelling a running sync.",
    ),
)

DELETE_DATA = ToolRow(
    name=ToolName.DELETE_DATA,
    title="Delete a table's synced data",
    description=(
        "Destructive: empties the table and resets its cursor; schema and config stay; rows return at the next "
        "sync (or reload). Not needed before resync."
    ),
    scope=Scope.WRITE,
    read_only=False,
    destructive=True,
    idempotent=True,
    arguments=ConfirmArguments,
    output=results.ActionResult,
    confirmation=Confirmation(
        "Delete the synced data of",
        "This deletes {table}; the schema and its sync settings stay, and the data is gone until a sync imports "
        "it all again.",
    ),
    run=_action(
        PostHogClient.delete_data,
        "Synced data deleted.",
        "The table is empty until the next sync; reload to re-import now.",
    ),
)

DESTROY = ToolRow(
    name=ToolName.DESTROY,
    title="Delete a schema",
    description=(
        "Destructive: delete the schema and its imported table. To stop syncing but keep data, use "
        "partial-update with should_sync=false instead."
    ),
    scope=Scope.WRITE,
    read_only=False,
    destructive=True,
    idempotent=True,
    arguments=ConfirmArguments,
    output=results.ActionResult,
    confirmation=Confirmation(
        "Delete schema",
        "This deletes the schema, its sync settings and {table}. Refreshing the source's tables in PostHog can "
        "add the schema back, empty.",
    ),
    run=_action(
        PostHogClient.destroy,
        "Schema deleted.",
        f"Gone from {ToolName.LIST}; refreshing the source's tables in PostHog can add it back.",
    ),
)
