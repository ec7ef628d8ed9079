"""Logging for every entry point: stderr only (stdout belongs to the protocol on stdio), keys redacted."""

from __future__ import annotations

import logging
import sys

from .redaction import redact_text


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then removes anything shaped like a PostHog key — tracebacks included, since an
    exception's message can carry a header value."""

    def format(self, record: logging.LogRecord) -> str:
        return redact_text(super().format(record))


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Library chatter (request lines, session bookkeeping) only when debugging.
    for noisy in ("httpx2", "httpcore", "mcp", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if level == "debug" else logging.WARNING)
