"""Keys never leave: anything shaped like a PostHog token is removed from results, errors and log lines."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

# PostHog personal (phx_), OAuth (pha_) and project secret (phs_) tokens: never shown, wherever they turn up.
LOOKS_LIKE_KEY = re.compile(r"ph[xas]_[A-Za-z0-9_\-]{8,}")
REDACTED = "[redacted]"


def redact_text(text: str, key: str | None = None) -> str:
    """Belt and braces: no key ever leaves in a result, even if upstream text echoed one."""
    if key:
        text = text.replace(key, REDACTED)
    return LOOKS_LIKE_KEY.sub(REDACTED, text)


def redact_structure(content: dict[str, Any], key: str | None = None) -> dict[str, Any]:
    # The common case is one pass over the strings (keys included) and one scan of them joined — a key never
    # spans two strings, and the newline between them matches no key character. Only a result that held a key
    # is serialized and rebuilt. (Dumping every result to JSON to scan it cost twice as much.)
    strings: list[str] = []
    _collect_strings(content, strings.append)
    joined = "\n".join(strings)
    if not (key and key in joined) and LOOKS_LIKE_KEY.search(joined) is None:
        return content
    return json.loads(redact_text(json.dumps(content, ensure_ascii=False), key))


def _collect_strings(value: Any, add: Callable[[str], None]) -> None:
    if isinstance(value, str):
        add(value)
    elif isinstance(value, dict):
        for name, item in value.items():  # pyright: ignore[reportUnknownVariableType]
            add(str(name))  # pyright: ignore[reportUnknownArgumentType]
            _collect_strings(item, add)
    elif isinstance(value, list | tuple):
        for item in value:  # pyright: ignore[reportUnknownVariableType]
            _collect_strings(item, add)
