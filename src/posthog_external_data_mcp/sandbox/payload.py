"""Request bodies, parsed the way DRF's JSONParser does it (lazily, only by handlers that read them)."""

from __future__ import annotations

import json
from typing import Any

from .errors import parse_error, unsupported_media_type


def _reject_constant(name: str) -> Any:
    # DRF's strict JSON: NaN and Infinity are not JSON.
    raise ValueError(f"Out of range float values are not JSON compliant: {name!r}")


def parse_body(body: bytes, content_type: str | None) -> Any:
    """The request's JSON (``{}`` when empty); 400 parse_error or 415 like DRF."""
    if not body:
        return {}
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise unsupported_media_type(content_type or "")
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError as error:
        raise parse_error(str(error)) from None
    except ValueError as error:
        raise parse_error(str(error)) from None


def try_parse_json(body: bytes) -> Any:
    """Best-effort JSON for logging; None when the body is empty or not JSON."""
    if not body:
        return None
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
