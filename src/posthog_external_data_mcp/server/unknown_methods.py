"""A JSON-RPC method this server does not serve is named back cleaned and bounded.

The SDK answers an unknown method with -32601 and the method name, whole, as the error's `data`: a caller's
240,000-character name, or one carrying ANSI escapes and bidi overrides, would come back verbatim. As with
unknown tool and argument names (failures.echo), the echo keeps the name readable and drops what could rewrite a
terminal or a log.
"""

from __future__ import annotations

from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp_types import METHOD_NOT_FOUND

from .failures import echo


async def echo_unknown_methods_cleanly(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
    """Server middleware: the SDK's -32601, with `data` made safe to show."""
    try:
        return await call_next(ctx)
    except MCPError as error:
        if error.code != METHOD_NOT_FOUND or not isinstance(error.data, str):
            raise
        raise MCPError(METHOD_NOT_FOUND, error.message, data=echo(error.data)) from None
