"""Rows of the tools that change a schema's configuration, or try to create one."""

from __future__ import annotations

from ...posthog_client import APIStatusError, IncrementalFields, Scope
from .. import change_impact, failures, results, update_results
from ..arguments import CreateArguments, PartialUpdateArguments
from ..diagnosis import diagnose
from ..tool_names import ToolName
from ..untrusted import clean
from .rows import Output, ToolCall, ToolRow


async def _partial_update(call: ToolCall, args: PartialUpdateArguments) -> Output:
    update = args.update()
    if args.dry_run:
        return await _preview(call, args)
    # Read first only when what the change does depends on the stored config (pausing and rescheduling don't).
    before = None
    if change_impact.needs_stored_config(update):
        before = await call.client.retrieve_schema(args.id, project_id=args.project_id)
    after = await call.client.update_schema(args.id, update, project_id=args.project_id)
    impact = change_impact.assess(before, update, after=after)
    return Output(
        update_results.update_headline(after.name, impact, dry_run=False),
        update_results.update_result(after, impact, dry_run=False),
        update_results.update_text,
    )


async def _preview(call: ToolCall, args: PartialUpdateArguments) -> Output:
    update = args.update()
    before = await call.client.retrieve_schema(args.id, project_id=args.project_id)
    candidates: IncrementalFields | None = None
    unchecked: str | None = None
    if change_impact.needs_candidates(update):
        try:
            candidates = await call.client.incremental_fields(args.id, project_id=args.project_id)
        except APIStatusError as exc:
            # The preview stands without them; why they are missing is itself worth knowing.
            cause = diagnose(exc.detail)
            fix = f" {cause.fix}" if cause is not None else ""
            unchecked = f"Candidates not checked: PostHog answered {exc.status_code}: {clean(exc.detail, 200)}.{fix}"
    impact = change_impact.assess(before, update, candidates=candidates)
    if unchecked is not None:
        impact = change_impact.Impact(impact.changes, impact.effects, (*impact.warnings, unchecked))
    return Output(
        update_results.update_headline(before.name, impact, dry_run=True),
        update_results.update_result(change_impact.projected(before, update), impact, dry_run=True),
        update_results.update_text,
    )


def _something_to_change(args: PartialUpdateArguments) -> failures.Failure | None:
    return None if args.update().model_fields_set else failures.nothing_to_update()


async def _create(call: ToolCall, args: CreateArguments) -> Output:
    # Sent as documented; PostHog refuses (403/405) and the refusal reaches the agent with the hint below.
    schema = await call.client.create_schema(args.create(), project_id=args.project_id)
    return Output(f"Created schema '{schema.name}' ({schema.status or 'no status'}).", schema, results.schema_text)


_HOW_SCHEMAS_ARE_CREATED = (
    "PostHog creates schemas only by discovering a source's tables: connect the source in PostHog (Data pipeline → "
    "Sources) or refresh an existing source's tables there, then find the new schema with "
    f"{ToolName.LIST} and enable it with {ToolName.PARTIAL_UPDATE} (should_sync=true)."
)

PARTIAL_UPDATE = ToolRow(
    name=ToolName.PARTIAL_UPDATE,
    title="Update a schema's sync config",
    description=(
        "Change a table's sync config (only fields passed; null clears) and get its impact: full re-import, "
        "cancelled sync, … dry_run=true previews it and sends nothing. Pick sync_type/incremental_field from "
        "incremental-fields-create."
    ),
    scope=Scope.WRITE,
    read_only=False,
    destructive=False,
    idempotent=True,
    arguments=PartialUpdateArguments,
    output=update_results.UpdateShape,
    run=_partial_update,
    precheck=_something_to_change,
)

CREATE = ToolRow(
    name=ToolName.CREATE,
    title="Create a schema (refused by PostHog)",
    description=(
        "PostHog refuses to create schemas by API: they come from source discovery. Sends the documented "
        "request and reports the refusal with how to add a table instead."
    ),
    scope=Scope.WRITE,
    read_only=False,
    destructive=False,
    idempotent=False,
    arguments=CreateArguments,
    output=None,
    run=_create,
    hints={403: _HOW_SCHEMAS_ARE_CREATED, 405: _HOW_SCHEMAS_ARE_CREATED},
)
