"""Every client config in the README is parsed and started far enough to list the tools (against the sandbox).

Placeholders are swapped for the test's own values — the sandbox's URL and a demo key — and `uvx
posthog-external-data-mcp` / the checkout path for the installed console script: the rest of each snippet
(arguments, environment names, transport, headers) is used as written.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from posthog_external_data_mcp.sandbox import demo
from tests.support.processes import SERVER_SCRIPT, RunningSandbox, clean_environment, http_server_process

pytestmark = pytest.mark.anyio

README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
READ_ONLY_TOOLS = 3


def fenced(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def server_entries() -> list[tuple[str, dict[str, Any]]]:
    entries: list[tuple[str, dict[str, Any]]] = []
    for block in fenced("json"):
        config = json.loads(block)
        for section in ("mcpServers", "servers"):
            entries.extend((f"{section}.{name}", entry) for name, entry in config.get(section, {}).items())
    return entries


def local_command(command: str, args: list[str]) -> tuple[str, list[str]]:
    if command == "uvx":
        assert args[0] == "posthog-external-data-mcp"
        return SERVER_SCRIPT, args[1:]
    assert command.endswith("/.venv/bin/posthog-external-data-mcp"), command
    return SERVER_SCRIPT, args


def local_env(env: dict[str, str], sandbox: RunningSandbox) -> dict[str, str]:
    resolved = dict(env)
    for name, value in env.items():
        if name == "POSTHOG_PERSONAL_API_KEY":
            assert value.startswith(("phx_", "${input:")), value
            resolved[name] = demo.KEY_ALL
        elif name == "POSTHOG_HOST":
            assert value in ("https://us.posthog.com", "https://eu.posthog.com")
            resolved[name] = sandbox.url
        elif name == "POSTHOG_PROJECT_ID":
            resolved[name] = "1"
    resolved.setdefault("POSTHOG_HOST", sandbox.url)
    return resolved


def test_the_readme_has_every_client_config() -> None:
    names = [name for name, _ in server_entries()]
    assert len(names) == 5, names
    assert "claude mcp add" in README


@pytest.mark.parametrize(("name", "entry"), server_entries(), ids=[name for name, _ in server_entries()])
async def test_each_json_snippet_starts_and_lists_the_tools(
    name: str, entry: dict[str, Any], sandbox: RunningSandbox
) -> None:
    if entry.get("type") == "http":
        headers = {
            key: (f"Bearer {demo.KEY_ALL}" if key == "Authorization" else value)
            for key, value in entry["headers"].items()
        }
        with http_server_process([], {"POSTHOG_HOST": sandbox.url}) as server:
            async with (
                httpx2.AsyncClient(headers=headers) as http,
                Client(streamable_http_client(server.url, http_client=http)) as client,
            ):  # type: ignore[arg-type]
                tools = (await client.list_tools()).tools
        expected = READ_ONLY_TOOLS if headers.get("x-posthog-readonly") == "true" else 10
    else:
        command, args = local_command(entry["command"], list(entry.get("args", [])))
        env = clean_environment(local_env(entry.get("env", {}), sandbox))
        async with Client(StdioServerParameters(command=command, args=args, env=env)) as client:
            tools = (await client.list_tools()).tools
            listed = await client.call_tool("external-data-schemas-list", {"limit": 1})
        assert not listed.is_error, listed.content
        expected = READ_ONLY_TOOLS if "--read-only" in args else 10
    assert len(tools) == expected, name


async def test_the_claude_code_command_starts_and_lists_the_tools(sandbox: RunningSandbox) -> None:
    (line,) = [line for block in fenced("sh") for line in block.splitlines() if line.startswith("claude mcp add")]
    words = shlex.split(line)
    separator = words.index("--")
    env = dict(words[i + 1].split("=", 1) for i, word in enumerate(words[:separator]) if word == "--env")
    command, args = local_command(words[separator + 1], words[separator + 2 :])
    async with Client(
        StdioServerParameters(command=command, args=args, env=clean_environment(local_env(env, sandbox)))
    ) as client:
        assert len((await client.list_tools()).tools) == 13


def test_the_readme_test_command_is_what_ci_runs() -> None:
    (command,) = [line for block in fenced("sh") for line in block.splitlines() if "pytest" in line]
    ci = (Path(__file__).parents[2] / ".ci" / "run").read_text(encoding="utf-8")
    assert command.strip() in ci


async def test_the_readme_sandbox_command_serves_demo_data() -> None:
    (line,) = [
        line
        for block in fenced("sh")
        for line in block.splitlines()
        if line.endswith("--sandbox") and "pip install" in line
    ]
    served = line.split("&&")[-1].split()
    assert served[0] == "posthog-external-data-mcp"
    async with Client(StdioServerParameters(command=SERVER_SCRIPT, args=served[1:], env=clean_environment())) as client:
        listing = await client.call_tool("external-data-schemas-list", {})
    assert listing.structured_content is not None and listing.structured_content["count"] == len(demo.DEMO_SCHEMA_IDS)
