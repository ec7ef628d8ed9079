"""PostHog's error bodies: the drf-exceptions-hog envelope and the raw bodies some actions return."""

from __future__ import annotations

import math
from typing import Any

JsonBody = dict[str, Any] | list[Any] | None


class ApiError(Exception):
    """An HTTP error answer. ``body`` is sent as JSON exactly as given."""

    def __init__(self, status: int, body: JsonBody, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body
        self.headers = headers or {}


def envelope(error_type: str, code: str, detail: str, attr: str | None = None) -> dict[str, Any]:
    """exceptions-hog's single-error shape (PostHog never enables its multi-error mode)."""
    return {"type": error_type, "code": code, "detail": detail, "attr": attr}


def validation_error(detail: str, attr: str | None = None, code: str = "invalid_input") -> ApiError:
    # exceptions-hog renames DRF's "invalid" code to "invalid_input".
    return ApiError(400, envelope("validation_error", "invalid_input" if code == "invalid" else code, detail, attr))


def not_found(detail: str = "Not found.") -> ApiError:
    return ApiError(404, envelope("invalid_request", "not_found", detail))


def permission_denied(detail: str) -> ApiError:
    return ApiError(403, envelope("authentication_error", "permission_denied", detail))


def not_authenticated() -> ApiError:
    return ApiError(
        401, envelope("authentication_error", "not_authenticated", "Authentication credentials were not provided.")
    )


def invalid_personal_api_key(source: str) -> ApiError:
    return ApiError(
        401,
        envelope(
            "authentication_error", "authentication_failed", f"Personal API key found in request {source} is invalid."
        ),
    )


def method_not_allowed(method: str) -> ApiError:
    return ApiError(405, envelope("invalid_request", "method_not_allowed", f'Method "{method}" not allowed.'))


def parse_error(reason: str) -> ApiError:
    return ApiError(400, envelope("invalid_request", "parse_error", f"JSON parse error - {reason}"))


def unsupported_media_type(media_type: str) -> ApiError:
    return ApiError(
        415, envelope("invalid_request", "unsupported_media_type", f'Unsupported media type "{media_type}" in request.')
    )


def throttled(wait_seconds: float) -> ApiError:
    """DRF's Throttled text (singular/plural like its ngettext) plus ``Retry-After``."""
    wait = max(0, math.ceil(wait_seconds))
    unit = "second" if wait == 1 else "seconds"
    return ApiError(
        429,
        envelope("throttled_error", "throttled", f"Request was throttled. Expected available in {wait} {unit}."),
        headers={"Retry-After": str(wait)},
    )


def server_error() -> ApiError:
    return ApiError(500, envelope("server_error", "error", "A server error occurred."))


def message_body(status: int, message: str) -> ApiError:
    """Raw ``{"message": ...}`` body some custom actions return instead of the envelope."""
    return ApiError(status, {"message": message})


def detail_body(status: int, detail: str) -> ApiError:
    """Raw ``{"detail": ...}`` body some custom actions return instead of the envelope."""
    return ApiError(status, {"detail": detail})
