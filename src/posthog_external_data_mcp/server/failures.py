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
from ..posthog_client.errors import clean_text
from .diagnosis import diagnose
from .tool_names import ToolName
from .untrusted import fence

ERROR_META_KEY = "io.github.posthog-external-data-mcp/error"
# What a caller wrote (an argument's name, a tool name) is echoed cleaned and at most this long.
ECHO_CHARS = 80
_VALIDATION_MESSAGE_CHARS = 200


def echo(text: str, limit: int = ECHO_CHARS) -> str:
    """A caller-supplied string made safe to show: control, bidi and zero-width characters removed, length
    bounded with a note of the cut (a 240,000-character argument name must not become a 240k error)."""
    cleaned = clean_text(text, limit=len(text) + 1)
    if len(cleaned) <= limit:
        return cleaned
    return f"{cleaned[:limit]}… ({len(cleaned) - limit} more characters cut)"


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
    maybe_sent: bool | None = None

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
            "maybe_sent": self.maybe_sent,
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
    errors = error.errors(include_url=False, include_input=False)
    for item in errors[:5]:
        # Names and pydantic's messages can quote what the caller sent: both are echoed cleaned and bounded.
        location = echo(".".join(str(part) for part in item["loc"])) or "arguments"
        if item["type"] == "extra_forbidden":
            problems.append(f"{location}: not an argument of this tool")
        else:
            problems.append(f"{location}: {echo(item['msg'], _VALIDATION_MESSAGE_CHARS)}")
    if len(errors) > 5:
        problems.append(f"and {len(errors) - 5} more")
    first_field = echo(str(errors[0]["loc"][0])) if errors and errors[0]["loc"] else None
    hint = f"Call {tool} again with valid arguments. Accepted: {', '.join(accepted)}."
    if first_field == "id":
        hint = f"Pass the schema's UUID exactly as {ToolName.LIST} returns it in `id`."
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
            kind=exc.kind,
            message="No PostHog personal API key is configured, nothing was sent.",
            hint=(
                f"Provide a personal API key (phx_…) with the {call.scope} scope via {call.key_source}, "
                "or start the server with --sandbox to try the tools on demo data."
            ),
        )
    if isinstance(exc, APIStatusError):
        return _from_status(exc, call, tool_hints)
    if isinstance(exc, PostHogConnectionError):
        return _from_transport_failure(exc, call)
    if isinstance(exc, PostHogError):
        return Failure(kind=exc.kind, message=exc.message, hint="Retry once; report it if it persists.")
    return Failure(
        kind="internal_error",
        message=f"{call.tool} failed unexpectedly inside this server.",
        hint="Retry once; if it fails again, report it to the server's maintainers (details are in the server log).",
    )


def _from_transport_failure(exc: PostHogConnectionError, call: CallContext) -> Failure:
    timed_out = isinstance(exc, PostHogTimeoutError)
    what = (
        f"PostHog at {call.host} did not answer in time" if timed_out else f"Could not talk to PostHog at {call.host}"
    )
    if exc.sent:
        # The request left: PostHog may have acted on it (a resync may be running). Say so, so that an agent
        # checks before it sends the same action again.
        return Failure(
            kind=exc.kind,
            message=f"{what} ({exc.message}) after the request was sent: the request may have reached PostHog.",
            hint=(
                f"Check the schema's status with {ToolName.RETRIEVE} before sending it again; if it is Running, "
                "the request went through."
            ),
            attempts=exc.attempts,
            maybe_sent=True,
        )
    if timed_out:
        hint = "Retry in a moment; if it keeps timing out check POSTHOG_HOST and https://status.posthog.com."
    else:
        hint = (
            "Check POSTHOG_HOST (https://us.posthog.com, https://eu.posthog.com or your own instance) and the network."
        )
    return Failure(
        kind=exc.kind, message=f"{what} ({exc.message}); nothing was sent.", hint=hint, attempts=exc.attempts
    )


def _from_status(exc: APIStatusError, call: CallContext, tool_hints: dict[int, str]) -> Failure:
    label = f"PostHog answered HTTP {exc.status_code}" + (f" ({exc.code})" if exc.code else "")
    where = f" (field: {exc.attr})" if exc.attr else ""
    # PostHog's message can relay the source's own words (a 400 from a live check of its table): quoted as data.
    message = f"{label}: {fence(exc.detail, len(exc.detail) + 1)}{where}"
    hint = _classified_hint(exc) or tool_hints.get(exc.status_code) or _generic_hint(exc, call)
    return Failure(
        kind=exc.kind,
        message=message,
        hint=hint,
        status=exc.status_code,
        detail=exc.detail,
        attr=exc.attr,
        retry_after=exc.retry_after,
        attempts=exc.attempts,
    )


# Causes that lie with the connected source (its credentials, grants or network), not with what the agent sent.
_SOURCE_SIDE = frozenset({"credentials", "permissions", "unreachable", "timeout", "source_outage"})


def _classified_hint(exc: APIStatusError) -> str | None:
    """A 400 that relays the source's own failure (incremental-fields asks the source live) gets that cause's
    fix in PostHog, not "change the arguments": e.g. HubSpot's 403 for missing scopes."""
    if exc.status_code != 400:
        return None
    cause = diagnose(exc.detail)
    if cause is None:
        return None
    if cause.kind in _SOURCE_SIDE:
        return f"The source refused PostHog ({cause.summary}); the arguments are fine. {cause.fix} Then call again."
    return cause.fix


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
            f"No schema with this id in project {call.project}. Get valid ids from {ToolName.LIST}; a "
            "schema of another project needs that project_id."
        )
    if isinstance(exc, RateLimitError):
        wait = f"{exc.retry_after:g} s" if exc.retry_after is not None else "a minute"
        return (
            f"PostHog limits each key to 480 requests/minute and 4800/hour; retried {exc.attempts - 1} time(s). "
            f"Wait {wait} before calling again."
        )
    if exc.status_code == 400:
        field = f"`{exc.attr}`" if exc.attr else "the arguments"
        return (
            f"Change {field} as PostHog's message says and call again. {ToolName.INCREMENTAL_FIELDS} "
            "shows which sync methods and fields this table supports."
        )
    if exc.status_code >= 500:
        return (
            f"PostHog had a server error (tried {exc.attempts} time(s)). Retry shortly; check https://status.posthog.com "
            "if it persists."
        )
    return "Check the arguments against the tool's description and retry."
