"""Failures as agents need them: what went wrong, PostHog's own words, the field at fault, and how to fix it.

Every failure becomes a tool result with `isError: true` (not a protocol error): a text for the model, and the
same facts as an object for programs under `_meta["io.github.posthog-external-data-mcp/error"]` — not as
`structuredContent`, which must match the tool's output schema. Nothing from an unexpected exception leaks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from ..posthog_client import (
    APIStatusError,
    AuthenticationError,
    MissingApiKeyError,
    NotFoundError,
    PermissionDeniedError,
    PostHogConnectionError,
    PostHogError,
    PostHogTimeoutError,
    RateLimitError,
)

ERROR_META_KEY = "io.github.posthog-external-data-mcp/error"


@dataclass(frozen=True)
class Failure:
    kind: str
    message: str
    hint: str
    status: int | None = None
    detail: str | None = None
    attr: str | None = None
    retry_after: float | None = None
    attempts: int | None = None

    def text(self) -> str:
        return f"{self.message}\nHow to fix: {self.hint}"

    def as_meta(self) -> dict[str, Any]:
        fields = {
            "kind": self.kind,
            "status": self.status,
            "detail": self.detail,
            "attr": self.attr,
            "hint": self.hint,
            "retry_after": self.retry_after,
            "attempts": self.attempts,
        }
        return {ERROR_META_KEY: {key: value for key, value in fields.items() if value is not None}}


@dataclass(frozen=True)
class CallContext:
    """What a hint may mention: never a secret."""

    tool: str
    scope: str
    host: str
    project: str
    key_source: str  # how a caller supplies a key in this deployment, e.g. "POSTHOG_PERSONAL_API_KEY"


def invalid_arguments(error: ValidationError, tool: str, accepted: Sequence[str]) -> Failure:
    problems: list[str] = []
    for item in error.errors(include_url=False, include_input=False):
        location = ".".join(str(part) for part in item["loc"]) or "arguments"
        if item["type"] == "extra_forbidden":
            problems.append(f"{location}: not an argument of this tool")
        else:
            problems.append(f"{location}: {item['msg']}")
    first_field = str(error.errors()[0]["loc"][0]) if error.errors() and error.errors()[0]["loc"] else None
    hint = f"Call {tool} again with valid arguments. Accepted: {', '.join(accepted)}."
    if first_field == "id":
        hint = "Pass the schema's UUID exactly as external-data-schemas-list returns it in `id`."
    elif first_field == "project_id":
        hint = "Pass a positive integer project id or '@current', or omit project_id to use the server's default."
    return Failure(
        kind="invalid_arguments",
        message=f"Invalid arguments, nothing was sent to PostHog: {'; '.join(problems)}.",
        hint=hint,
        attr=first_field,
    )


def nothing_to_update() -> Failure:
    return Failure(
        kind="invalid_arguments",
        message="No field to change was given, nothing was sent to PostHog.",
        hint="Pass at least one writable field (for example sync_frequency or should_sync) besides id.",
    )


def from_exception(exc: Exception, call: CallContext, tool_hints: dict[int, str]) -> Failure:
    if isinstance(exc, MissingApiKeyError):
        return Failure(
            kind="missing_api_key",
            message="No PostHog personal API key is configured, nothing was sent.",
            hint=(
                f"Provide a personal API key (phx_…) with the {call.scope} scope via {call.key_source}, "
                "or start the server with --sandbox to try the tools on demo data."
            ),
        )
    if isinstance(exc, APIStatusError):
        return _from_status(exc, call, tool_hints)
    if isinstance(exc, PostHogTimeoutError):
        return Failure(
            kind="timeout",
            message=f"PostHog at {call.host} did not answer in time ({exc.message}).",
            hint="Retry in a moment; if it keeps timing out check POSTHOG_HOST and https://status.posthog.com.",
            attempts=exc.attempts,
        )
    if isinstance(exc, PostHogConnectionError):
        return Failure(
            kind="connection_failed",
            message=f"Could not talk to PostHog at {call.host}: {exc.message}.",
            hint="Check POSTHOG_HOST (https://us.posthog.com, https://eu.posthog.com or your own instance) and the network.",
            attempts=exc.attempts,
        )
    if isinstance(exc, PostHogError):
        return Failure(kind="upstream_error", message=exc.message, hint="Retry once; report it if it persists.")
    return Failure(
        kind="internal_error",
        message=f"{call.tool} failed unexpectedly inside this server.",
        hint="Retry once; if it fails again, report it to the server's maintainers (details are in the server log).",
    )


def _from_status(exc: APIStatusError, call: CallContext, tool_hints: dict[int, str]) -> Failure:
    label = f"PostHog answered HTTP {exc.status}" + (f" ({exc.code})" if exc.code else "")
    where = f" (field: {exc.attr})" if exc.attr else ""
    message = f"{label}: {exc.detail}{where}"
    hint = tool_hints.get(exc.status) or _generic_hint(exc, call)
    kind = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
            429: "rate_limited"}.get(exc.status, "upstream_error")  # fmt: skip
    return Failure(
        kind=kind,
        message=message,
        hint=hint,
        status=exc.status,
        detail=exc.detail,
        attr=exc.attr,
        retry_after=exc.retry_after,
        attempts=exc.attempts,
    )


def _generic_hint(exc: APIStatusError, call: CallContext) -> str:
    if isinstance(exc, AuthenticationError):
        return (
            f"The key was not accepted by {call.host}. Personal API keys only work in their own region: use "
            "POSTHOG_HOST=https://eu.posthog.com for EU accounts, https://us.posthog.com for US, or your instance's "
            f"URL if self-hosted; and check the key (from {call.key_source}) is a current phx_… personal API key."
        )
    if isinstance(exc, PermissionDeniedError):
        scope = exc.missing_scope
        if scope:
            return (
                f"The key lacks the '{scope}' scope. Add it to the key in PostHog (Settings → Personal API keys) "
                "or use a key that has it."
            )
        return (
            f"The key cannot access project {call.project}. Pass a project_id the key is scoped to (or set "
            "POSTHOG_PROJECT_ID), or widen the key's project access in PostHog."
        )
    if isinstance(exc, NotFoundError):
        if "project" in exc.detail.lower():
            return f"Project {call.project} does not exist here. Pass the numeric project id from PostHog's URL (/project/<id>/)."
        return (
            f"No schema with this id in project {call.project}. Get valid ids from external-data-schemas-list; a "
            "schema of another project needs that project_id."
        )
    if isinstance(exc, RateLimitError):
        wait = f"{exc.retry_after:g} s" if exc.retry_after is not None else "a minute"
        return (
            f"PostHog limits each key to 480 requests/minute and 4800/hour; retried {exc.attempts - 1} time(s). "
            f"Wait {wait} before calling again."
        )
    if exc.status == 400:
        field = f"`{exc.attr}`" if exc.attr else "the arguments"
        return (
            f"Change {field} as PostHog's message says and call again. external-data-schemas-incremental-fields-create "
            "shows which sync methods and fields this table supports."
        )
    if exc.status >= 500:
        return (
            f"PostHog had a server error (tried {exc.attempts} time(s)). Retry shortly; check https://status.posthog.com "
            "if it persists."
        )
    return "Check the arguments against the tool's description and retry."
