"""`posthog-external-data-mcp config CLIENT`: what it prints is started as the client would start it, and works."""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

from posthog_external_data_mcp.sandbox import demo
from posthog_external_data_mcp.server.tool_names import ToolName
from tests.support.processes import SERVER_SCRIPT, RunningSandbox, clean_environment

pytestmark = pytest.mark.anyio

CLIENTS = ["claude-desktop", "claude-code", "cursor", "vscode"]
PLACEHOLDERS = {"phx_your_personal_api_key", "${input:posthog-key}"}


def config(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SERVER_SCRIPT, "config", *args], capture_output=True, text=True, env=clean_environment(env), timeout=60
    )


def launch(client: str, printed: str) -> tuple[str, list[str], dict[str, str]]:
    """The command, arguments and environment the client would start from the printed snippet."""
    if client == "claude-code":
        words = shlex.split(printed)
        assert words[:4] == ["claude", "mcp", "add", "posthog-external-data"]
        separator = words.index("--")
        env = dict(words[i + 1].split("=", 1) for i, word in enumerate(words[:separator]) if word == "--env")
        return words[separator + 1], words[separator + 2 :], env
    document: dict[str, Any] = json.loads(printed)
    entry = document["servers" if client == "vscode" else "mcpServers"]["posthog-external-data"]
    if client == "vscode":
        assert entry["type"] == "stdio"
    return entry["command"], entry["args"], entry["env"]


@pytest.mark.parametrize("client", CLIENTS)
async def test_the_printed_config_starts_this_installation_with_a_key_placeholder(
    client: str, sandbox: RunningSandbox
) -> None:
    printed = config(client, POSTHOG_HOST=sandbox.url, POSTHOG_PERSONAL_API_KEY="phx_the_real_key_in_my_shell")
    assert printed.returncode == 0, printed.stderr
    assert "phx_the_real_key_in_my_shell" not in printed.stdout + printed.stderr
    command, args, env = launch(client, printed.stdout)
    assert Path(command).is_absolute() and Path(command).samefile(SERVER_SCRIPT)
    assert env["POSTHOG_PERSONAL_API_KEY"] in PLACEHOLDERS
    assert env["POSTHOG_HOST"] == sandbox.url  # taken from the environment it was asked in
    if client == "vscode":
        (prompt,) = json.loads(printed.stdout)["inputs"]
        assert prompt["id"] == "posthog-key" and prompt["password"] is True
    # What the user does: paste their key in place of the placeholder.
    env = {**env, "POSTHOG_PERSONAL_API_KEY": demo.KEY_ALL}
    async with Client(StdioServerParameters(command=command, args=args, env=clean_environment(env))) as session:
        tools = (await session.list_tools()).tools
        listed = await session.call_tool(ToolName.LIST, {"limit": 1})
    assert len(tools) == len(ToolName)
    assert not listed.is_error, listed.content
    assert [request["path"] for request in sandbox.requests()] == ["/api/projects/@current/external_data_schemas/"]


# claude-desktop and cursor share vscode's JSON shape minus its inputs; each process start costs seconds in CI.
@pytest.mark.parametrize("client", ["claude-code", "vscode"])
async def test_the_sandbox_config_needs_no_key_and_serves_demo_data(client: str) -> None:
    printed = config(client, "--sandbox", "--read-only")
    assert printed.returncode == 0, printed.stderr
    command, args, env = launch(client, printed.stdout)
    assert args == ["--sandbox", "--read-only"] and env == {}
    assert "inputs" not in printed.stdout  # nothing to prompt for
    async with Client(StdioServerParameters(command=command, args=args, env=clean_environment())) as session:
        tools = {tool.name for tool in (await session.list_tools()).tools}
        listed = await session.call_tool(ToolName.LIST, {})
    assert ToolName.LIST in tools and ToolName.DESTROY not in tools
    assert listed.structured_content is not None
    assert listed.structured_content["count"] == len(demo.DEMO_SCHEMA_IDS)


def test_where_to_put_it_goes_to_stderr_and_a_bad_client_is_a_usage_error() -> None:
    printed = config("cursor")
    assert "~/.cursor/mcp.json" in printed.stderr
    json.loads(printed.stdout)  # stdout is the snippet alone, ready to redirect into a file
    unknown = config("notepad")
    assert unknown.returncode == 2 and "invalid choice: 'notepad'" in unknown.stderr
