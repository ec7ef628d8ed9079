"""The tool schemas in the dialects real clients speak: one `type` per node, accepted unchanged by the MCP
Inspector's portability check (.ci/inspector-smoke), by a Gemini-style single-type conversion, and by
pydantic-ai's TestModel, which generates arguments from each schema and calls every tool with them."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
from mcp import Client
from pydantic_ai import Agent, Tool
from pydantic_ai.models.test import TestModel
from pydantic_ai.profiles.google import GoogleJsonSchemaTransformer, GoogleOpenAPISchemaTransformer

from posthog_external_data_mcp.server.settings import Settings
from posthog_external_data_mcp.server.tool_names import ToolName
from posthog_external_data_mcp.wiring import server_for
from tests.conftest import Connect
from tests.support.processes import RunningSandbox

pytestmark = pytest.mark.anyio


def _nodes(schema: Any) -> list[dict[str, Any]]:
    if isinstance(schema, list):
        return [node for item in schema for node in _nodes(item)]
    if not isinstance(schema, dict):
        return []
    return [schema, *(node for value in schema.values() for node in _nodes(value))]


async def _definitions(client: Client) -> list[dict[str, Any]]:
    return [
        tool.model_dump(mode="json", by_alias=True, exclude_none=True) for tool in (await client.list_tools()).tools
    ]


async def _listed() -> list[dict[str, Any]]:
    async with Client(server_for(Settings())) as client:
        return await _definitions(client)


async def test_every_schema_node_has_at_most_one_type() -> None:
    tools = await _listed()
    for tool in tools:
        for schema in (tool["inputSchema"], tool.get("outputSchema", {})):
            arrays = [node["type"] for node in _nodes(schema) if isinstance(node.get("type"), list)]
            assert not arrays, (tool["name"], arrays)


async def test_nullable_inputs_are_an_any_of_with_null() -> None:
    tools = {tool["name"]: tool for tool in await _listed()}
    update = tools[ToolName.PARTIAL_UPDATE]["inputSchema"]["properties"]
    assert update["sync_time_of_day"]["anyOf"] == [{"type": "string"}, {"type": "null"}]
    assert {"type": "null"} in update["sync_type"]["anyOf"]
    assert "type" not in update["sync_type"]  # the type lives in each branch
    assert "anyOf" not in update["should_sync"]  # not nullable upstream, so not advertised as such
    assert tools[ToolName.LIST]["inputSchema"]["properties"]["project_id"]["type"] == "string"


@pytest.mark.parametrize("transformer", [GoogleJsonSchemaTransformer, GoogleOpenAPISchemaTransformer])
async def test_schemas_convert_to_gemini_function_declarations(transformer: type[Any]) -> None:
    # GoogleOpenAPISchemaTransformer produces the OpenAPI 3.0 subset Gemini's `parameters` take: a single
    # `type` string per node, `nullable` instead of a null branch, string enums only.
    for tool in await _listed():
        converted = transformer(copy.deepcopy(tool["inputSchema"])).walk()
        for node in _nodes(converted):
            assert isinstance(node.get("type", ""), str), (tool["name"], node)
            assert "const" not in node, (tool["name"], node)
            if "enum" in node:
                assert all(isinstance(value, str) for value in node["enum"]), (tool["name"], node)


def _pydantic_ai_tools(client: Client, definitions: list[dict[str, Any]], calls: list[str]) -> list[Tool[Any]]:
    def forward(name: str) -> Any:
        async def call(**arguments: Any) -> str:
            calls.append(name)
            result = await client.call_tool(name, arguments)
            return json.dumps(
                {"is_error": result.is_error, "text": [b.text for b in result.content if b.type == "text"]}
            )

        return call

    return [
        Tool.from_schema(forward(tool["name"]), tool["name"], tool["description"], tool["inputSchema"])
        for tool in definitions
    ]


async def test_pydantic_ai_test_model_calls_every_tool(connect: Connect, sandbox: RunningSandbox) -> None:
    calls: list[str] = []
    async with connect() as client:
        definitions = await _definitions(client)
        agent = Agent(TestModel(), tools=_pydantic_ai_tools(client, definitions, calls))
        result = await agent.run("Check the imports.")
    assert sorted(calls) == sorted(tool["name"] for tool in definitions)
    answers = {name: json.loads(text) for name, text in json.loads(result.output).items()}
    # TestModel fills only the required arguments: the list works as is; an `id` of "a" is refused before any
    # request is built, with the fix in words, so no request names one schema.
    assert answers[ToolName.LIST]["is_error"] is False
    assert answers[ToolName.RETRIEVE]["is_error"] is True
    assert "UUID" in answers[ToolName.RETRIEVE]["text"][0]
    paths = [request["path"] for request in sandbox.requests()]
    assert "/api/projects/@current/external_data_schemas/" in paths
    assert not [path for path in paths if re.search(r"/external_data_schemas/[^/]+/", str(path))], paths


async def test_pydantic_ai_test_model_generates_a_value_for_every_argument(
    connect: Connect, sandbox: RunningSandbox
) -> None:
    # With every property marked required, TestModel must generate a value from each argument's schema
    # (type arrays made it raise "Unknown type"). Its values are placeholders ("a", 0), so the server refuses
    # them as arguments, and nothing malformed goes upstream.
    calls: list[str] = []
    async with connect() as client:
        definitions = [
            {**tool, "inputSchema": {**tool["inputSchema"], "required": list(tool["inputSchema"]["properties"])}}
            for tool in await _definitions(client)
        ]
        agent = Agent(TestModel(), tools=_pydantic_ai_tools(client, definitions, calls))
        result = await agent.run("Check the imports.")
    assert sorted(calls) == sorted(tool["name"] for tool in definitions)
    for name, text in json.loads(result.output).items():
        answer = json.loads(text)
        assert answer["is_error"] is True, name
        assert answer["text"][0].startswith("Invalid arguments, nothing was sent to PostHog"), (name, answer)
    assert sandbox.requests() == []
