"""The tool table: every row, in the order tools/list shows them."""

from __future__ import annotations

from typing import Any

from ..tool_names import ToolName
from .health import HEALTH
from .logs import LOGS
from .rows import Output, ToolCall, ToolRow
from .schema_actions import CANCEL, DELETE_DATA, DESTROY, RELOAD, RESYNC
from .schema_changes import CREATE, PARTIAL_UPDATE
from .schema_reads import INCREMENTAL_FIELDS, LIST, RETRIEVE
from .sources import SOURCES_LIST

TOOLS: tuple[ToolRow[Any], ...] = (
    LIST,
    RETRIEVE,
    SOURCES_LIST,
    HEALTH,
    LOGS,
    PARTIAL_UPDATE,
    INCREMENTAL_FIELDS,
    RELOAD,
    CANCEL,
    RESYNC,
    DELETE_DATA,
    DESTROY,
    CREATE,
)
TOOLS_BY_NAME: dict[str, ToolRow[Any]] = {row.name: row for row in TOOLS}
assert set(TOOLS_BY_NAME) == set(ToolName), "every ToolName has exactly one row"

__all__ = ["TOOLS", "TOOLS_BY_NAME", "Output", "ToolCall", "ToolName", "ToolRow"]
