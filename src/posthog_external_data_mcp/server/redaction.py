"""Keys never leave: anything shaped like a PostHog token is removed from results, errors and log lines."""

from __future__ import annotations

import json
import re
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
    serialized = json.dumps(content, ensure_ascii=False)
    redacted = redact_text(serialized, key)
    # The common case costs one dump and one scan; only a result that held a key is rebuilt.
    return content if redacted == serialized else json.loads(redacted)
