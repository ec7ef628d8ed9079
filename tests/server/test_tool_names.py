"""Every tool name written in prose (descriptions, hints, instructions, the README) names a tool that exists."""

from __future__ import annotations

import re
from pathlib import Path

import posthog_external_data_mcp
from posthog_external_data_mcp.server.tool_names import ToolName
from posthog_external_data_mcp.server.tools import TOOLS

SRC = Path(posthog_external_data_mcp.__file__).parent
REPO = Path(__file__).parents[2]
TOOL_NAME = re.compile(r"(?<![\w-])external-data-(?:schemas|sources)-[a-z]+(?:-[a-z]+)*")
# PostHog's own MCP tools, which the docs compare against; they are not ours and need not exist here.
POSTHOG_OFFICIAL_TOOLS = {"external-data-sources-jobs", "external-data-sources-retrieve"}


def mentioned_names(text: str) -> set[str]:
    return set(TOOL_NAME.findall(text))


def test_every_tool_named_in_src_and_the_readme_exists() -> None:
    texts = {path: path.read_text(encoding="utf-8") for path in SRC.rglob("*.py")}
    texts[REPO / "README.md"] = (REPO / "README.md").read_text(encoding="utf-8")
    unknown = {
        (str(path.relative_to(REPO)) if path.is_relative_to(REPO) else path.name, name)
        for path, text in texts.items()
        for name in mentioned_names(text)
        if name not in set(ToolName) | POSTHOG_OFFICIAL_TOOLS
    }
    assert not unknown


def test_the_check_finds_a_misspelled_tool() -> None:
    assert mentioned_names("then call external-data-schemas-relaod with the id") == {"external-data-schemas-relaod"}


def test_every_tool_name_has_exactly_one_row() -> None:
    assert [row.name for row in TOOLS].count(ToolName.LIST) == 1
    assert sorted(row.name for row in TOOLS) == sorted(ToolName)
