"""The handlers of the tools that can wait for a sync: reload and resync (action, then wait) and retrieve (read,
then wait while Running). With `wait_seconds=0` each sends exactly its one request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol
from uuid import UUID

from ...posthog_client import ActionOutcome, PostHogClient, ProjectRef
from .. import wait_results
from ..arguments import WaitArguments
from ..waiting import RUNNING, WaitRequest, wait_for_sync
from .rows import Output, ToolCall


class SyncTrigger(Protocol):
    """An unbound client method that starts a sync: `PostHogClient.reload` or `.resync`."""

    def __call__(
        self, client: PostHogClient, schema_id: UUID, /, *, project_id: ProjectRef | None = None
    ) -> Awaitable[ActionOutcome]: ...


def _wait_request(call: ToolCall, args: WaitArguments, started: float) -> WaitRequest:
    return WaitRequest(
        client=call.client,
        schema_id=args.id,
        project_id=args.project_id,
        wait_seconds=args.wait_seconds,
        started=started,
        clock=call.clock,
        report_progress=call.report_progress,
    )


def sync_action(method: SyncTrigger, headline: str) -> Callable[[ToolCall, WaitArguments], Awaitable[Output]]:
    async def run(call: ToolCall, args: WaitArguments) -> Output:
        started = call.clock.monotonic()
        outcome = await method(call.client, args.id, project_id=args.project_id)
        if args.wait_seconds == 0:
            return Output(outcome.detail or headline, wait_results.sync_started(outcome), wait_results.sync_run_text)
        waited = await wait_for_sync(_wait_request(call, args, started), current=None, status=RUNNING)
        name = waited.schema.name if waited.schema is not None else "The sync"
        return Output(
            wait_results.waited_headline(name, waited),
            wait_results.sync_run(outcome, waited),
            wait_results.sync_run_text,
        )

    return run


async def retrieve(call: ToolCall, args: WaitArguments) -> Output:
    started = call.clock.monotonic()
    schema = await call.client.retrieve_schema(args.id, project_id=args.project_id)
    headline = f"Retrieved schema '{schema.name}' ({schema.status or 'no status'})."
    if args.wait_seconds == 0:
        return Output(headline, wait_results.waited_schema(schema, None), wait_results.waited_schema_text)
    waited = await wait_for_sync(_wait_request(call, args, started), current=schema, status=schema.status)
    if waited.polls:
        headline = wait_results.waited_headline(schema.name, waited)
    return Output(headline, wait_results.waited_schema(schema, waited), wait_results.waited_schema_text)
