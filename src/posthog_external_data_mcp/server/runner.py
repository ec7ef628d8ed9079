"""The generic call path, the same for every tool: arguments → validated model → the row's handler (its client
calls) → typed result or failure → tool result. Nothing here knows one tool from another."""

from __future__ import annotations

import logging
from typing import Any

from mcp import types
from pydantic import ValidationError

from . import failures, results
from .access import Access
from .arguments import ConfirmArguments
from .confirmation import consent
from .redaction import redact_structure, redact_text
from .tools import ToolCall, ToolRow
from .untrusted import clean_structure, note_if_fenced

logger = logging.getLogger("posthog_external_data_mcp")


async def run_tool(
    row: ToolRow[Any], arguments: dict[str, Any], call: ToolCall, access: Access, host: str
) -> tuple[types.CallToolResult | types.InputRequiredResult, str]:
    """The tool result and its outcome word for the log (`ok`, `input_required` or the failure's kind)."""
    try:
        args = row.arguments.model_validate(arguments)
    except ValidationError as exc:
        accepted = list(row.arguments.model_fields)
        return error_result(failures.invalid_arguments(exc, row.name, accepted), access), "invalid_arguments"
    refusal = row.precheck(args) if row.precheck is not None else None
    if refusal is None:
        refusal = _pinned_project_refusal(args.project_id, access)
    if refusal is not None:
        return error_result(refusal, access), refusal.kind
    context = failures.CallContext(
        tool=row.name,
        scope=row.scope,
        host=host,
        project=str(args.project_id or call.client.project_id),
        key_source=access.key_source,
    )
    try:
        if row.confirmation is not None:
            assert isinstance(args, ConfirmArguments), f"{row.name} has a confirmation: it takes ConfirmArguments"
            verdict = await consent(row.confirmation, row.name, args, call.client, call.asking)
            if isinstance(verdict, failures.Failure):
                return error_result(verdict, access), verdict.kind
            if verdict is not None:
                return verdict, "input_required"
        output = await row.run(call, args)
        # Third-party text is data: cleaned in the structured content, fenced (and explained) in the text.
        content = clean_structure(results.structured(output.result))
        text = note_if_fenced(f"{output.headline}\n{output.render(content)}")
    except Exception as exc:
        failure = failures.from_exception(exc, context, dict(row.hints))
        if failure.kind == "internal_error":
            # The traceback stays in the server log (which never holds keys); the agent gets a short message.
            logger.exception("tool %s crashed", row.name, exc_info=exc)
        return error_result(failure, access), failure.kind
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=redact_text(text, access.api_key))],
        structured_content=redact_structure(content, access.api_key),
    ), "ok"


def _pinned_project_refusal(requested: Any, access: Access) -> failures.Failure | None:
    if access.pinned_project is None or requested in (None, access.pinned_project):
        return None
    return failures.Failure(
        kind="invalid_arguments",
        message=f"This connection is pinned to project {access.pinned_project} (x-posthog-project-id); "
        f"project_id={requested} was refused and nothing was sent.",
        hint="Omit project_id, or connect without the x-posthog-project-id header.",
        attr="project_id",
    )


def error_result(failure: failures.Failure, access: Access) -> types.CallToolResult:
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=redact_text(note_if_fenced(failure.text()), access.api_key))],
        is_error=True,
        _meta=redact_structure(failure.as_meta(), access.api_key),
    )
