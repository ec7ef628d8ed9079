"""Typed errors: one class per HTTP status PostHog uses here, plus transport failures.

PostHog answers errors in two shapes (its DRF exception handler, drf-exceptions-hog): DRF errors in the exceptions-hog envelope
`{type, code, detail, attr}`, and the custom actions' raw `{"message": …}` / `{"detail": …}` bodies.
`error_from_response` reads both (and a few degenerate ones) into the same fields.
"""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar, Literal

import httpx2

_MAX_DETAIL_CHARS = 1000
# Control and invisible formatting characters (incl. bidi overrides): PostHog relays third-party text
# (a source database's error, say), which must reach the agent as plain data.
_UNSAFE_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# Whole ANSI escape sequences (CSI colours and moves, OSC titles and links), so no "[31m" is left behind.
_ANSI_SEQUENCES = re.compile(r"\x1b\[[0-9:;<=>?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
_SCOPE_IN_DETAIL = re.compile(r"missing required scope '([^']+)'")


def clean_text(text: str, limit: int = _MAX_DETAIL_CHARS) -> str:
    """Strip control/invisible characters and cap the length of text that came from upstream."""
    cleaned = _UNSAFE_CHARS.sub("", _ANSI_SEQUENCES.sub("", text)).strip()
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


class PostHogError(Exception):
    """Base of everything this client raises. `kind` names the failure for programs (and the MCP layer's
    error objects): one word per class, so there is one table of what a failure is."""

    kind: ClassVar[str] = "upstream_error"

    def __init__(self, message: str, *, attempts: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.attempts = attempts


class MissingApiKeyError(PostHogError):
    """No key was configured or presented; raised before any request is built."""

    kind: ClassVar[str] = "missing_api_key"


class PostHogConnectionError(PostHogError):
    """The request failed at the transport level (DNS, refused connection, reset, TLS)."""

    kind: ClassVar[str] = "connection_failed"

    def __init__(self, message: str, *, sent: bool, attempts: int = 1) -> None:
        super().__init__(message, attempts=attempts)
        self.sent = sent  # False when the request provably never left (connect phase)


class PostHogTimeoutError(PostHogConnectionError):
    """PostHog did not answer within the timeout, or the call ran out of its total time budget."""

    kind: ClassVar[str] = "timeout"


class APIStatusError(PostHogError):
    """PostHog answered with a non-2xx status. Subclasses pin `status_code` (as openai-python does); this base
    class carries whatever status PostHog sent."""

    status_code: int

    def __init__(
        self,
        *,
        status_code: int,
        detail: str,
        error_type: str | None = None,
        code: str | None = None,
        attr: str | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(f"HTTP {status_code}: {detail}", attempts=attempts)
        self.status_code = status_code
        self.detail = detail
        self.error_type = error_type
        self.code = code
        self.attr = attr
        self.request_id = request_id
        self.retry_after = retry_after


class BadRequestError(APIStatusError):
    status_code: Literal[400] = 400  # pyright: ignore[reportIncompatibleVariableOverride]
    kind: ClassVar[str] = "bad_request"


class AuthenticationError(APIStatusError):
    status_code: Literal[401] = 401  # pyright: ignore[reportIncompatibleVariableOverride]
    kind: ClassVar[str] = "unauthorized"


class PermissionDeniedError(APIStatusError):
    status_code: Literal[403] = 403  # pyright: ignore[reportIncompatibleVariableOverride]
    kind: ClassVar[str] = "forbidden"

    @property
    def missing_scope(self) -> str | None:
        """The scope PostHog named in "API key missing required scope '…'", if that is why it refused."""
        match = _SCOPE_IN_DETAIL.search(self.detail)
        return match.group(1) if match else None


class NotFoundError(APIStatusError):
    status_code: Literal[404] = 404  # pyright: ignore[reportIncompatibleVariableOverride]
    kind: ClassVar[str] = "not_found"


class MethodNotAllowedError(APIStatusError):
    status_code: Literal[405] = 405  # pyright: ignore[reportIncompatibleVariableOverride]
    kind: ClassVar[str] = "method_not_allowed"


class RateLimitError(APIStatusError):
    status_code: Literal[429] = 429  # pyright: ignore[reportIncompatibleVariableOverride]
    kind: ClassVar[str] = "rate_limited"


class ServerError(APIStatusError):
    """Any 5xx."""


# The one status → class table; each class also names its failure `kind`.
ERROR_CLASS_BY_STATUS: dict[int, type[APIStatusError]] = {
    cls.status_code: cls
    for cls in (
        BadRequestError,
        AuthenticationError,
        PermissionDeniedError,
        NotFoundError,
        MethodNotAllowedError,
        RateLimitError,
    )
}


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header (delta-seconds only; HTTP-dates are not used by PostHog)."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def _fields_from_body(body: Any) -> tuple[str | None, str | None, str | None, str | None]:
    """(detail, type, code, attr) from any of PostHog's error body shapes."""
    if not isinstance(body, dict):
        return None, None, None, None
    fields: dict[str, Any] = body  # pyright: ignore[reportUnknownVariableType]
    detail = fields.get("detail")
    if detail is None:
        detail = fields.get("message")
    if detail is None:
        # Plain DRF validation errors without the envelope: {"field": ["message", ...]}.
        for key, value in fields.items():
            messages: Any = value
            if isinstance(messages, list) and messages and isinstance(messages[0], str):
                return messages[0], "validation_error", None, key
    error_type, code, attr = fields.get("type"), fields.get("code"), fields.get("attr")
    return (
        None if detail is None else str(detail),
        error_type if isinstance(error_type, str) else None,
        code if isinstance(code, str) else None,
        attr if isinstance(attr, str) else None,
    )


def error_from_response(response: httpx2.Response, *, attempts: int = 1) -> APIStatusError:
    status = response.status_code
    try:
        body = json.loads(response.content) if response.content else None
    except ValueError:
        body = None  # an HTML error page from a proxy, say: never relay it
    detail, error_type, code, attr = _fields_from_body(body)
    if detail is None:
        detail = response.reason_phrase or f"HTTP {status}"
    error_class = ERROR_CLASS_BY_STATUS.get(status) or (ServerError if status >= 500 else APIStatusError)
    return error_class(
        status_code=status,
        detail=clean_text(detail),
        error_type=error_type,
        code=code,
        attr=attr,
        request_id=response.headers.get("x-request-id"),
        retry_after=parse_retry_after(response.headers.get("retry-after")),
        attempts=attempts,
    )
