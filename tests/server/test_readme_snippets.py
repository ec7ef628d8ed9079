"""Every client config in the README is parsed and started as written far enough to list the tools and make a
call (against the sandbox).

Only what a reader must fill in is swapped: the checkout path (`/absolute/path/to/posthog-external-data-mcp`)
for this checkout, and placeholders for the test's own values — the sandbox's URL and a demo key. The command
(`uvx --from <checkout> …`, the checkout's `.venv` script), its arguments, environment names, transport and
headers are used as written. `uvx` is the one the dev extra installs, resolving from PyPI.
"""

from __future__ import annotations

import json
import re
import shlex
import sys
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from posthog_external_data_mcp.sandbox import demo
from posthog_external_data_mcp.server.tool_names import ToolName
from posthog_external_data_mcp.server.tools import TOOLS
from tests.support.processes import RunningSandbox, clean_environment, http_server_process

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CHECKOUT = "/absolute/path/to/posthog-external-data-mcp"
READ_ONLY_TOOLS = sum(row.read_only for row in TOOLS)
ALL_TOOLS = len(ToolName)
# uv must neither fetch a Python (the machine reaches PyPI only) nor pick one older than the package needs.
UV_ENV = {"UV_PYTHON_DOWNLOADS": "never", "UV_PYTHON": sys.executable}


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
    """The command as written, with the checkout path pointing at this checkout."""
    args = [str(ROOT) if arg == CHECKOUT else arg for arg in args]
    if command == "uvx":
        assert args[:3] == ["--from", str(ROOT), "posthog-external-data-mcp"], args
        return str(Path(sys.executable).parent / "uvx"), args
    assert command == f"{CHECKOUT}/.venv/bin/posthog-external-data-mcp", command
    script = ROOT / ".venv" / "bin" / "posthog-external-data-mcp"
    assert script.exists(), "run the README's first command in this checkout first"
    return str(script), args


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
    return {**resolved, **UV_ENV}


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
        expected = READ_ONLY_TOOLS if headers.get("x-posthog-readonly") == "true" else ALL_TOOLS
    else:
        command, args = local_command(entry["command"], list(entry.get("args", [])))
        env = clean_environment(local_env(entry.get("env", {}), sandbox))
        async with Client(StdioServerParameters(command=command, args=args, env=env)) as client:
            tools = (await client.list_tools()).tools
            listed = await client.call_tool("external-data-schemas-list", {"limit": 1})
        assert not listed.is_error, listed.content
        expected = READ_ONLY_TOOLS if "--read-only" in args else ALL_TOOLS
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
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert command.strip() in ci.splitlines()


def test_the_readme_install_commands_use_a_venv_not_the_system_python() -> None:
    install_lines = [line for block in fenced("sh") for line in block.splitlines() if "pip install" in line]
    assert len(install_lines) == 2
    for line in install_lines:
        assert line.startswith("python3 -m venv .venv && .venv/bin/pip install "), line


async def test_the_readme_sandbox_command_serves_demo_data() -> None:
    (line,) = [
        line
        for block in fenced("sh")
        for line in block.splitlines()
        if line.endswith("--sandbox") and "pip install" in line
    ]
    served = line.split("&&")[-1].split()
    assert served[0] == ".venv/bin/posthog-external-data-mcp"
    params = StdioServerParameters(command=str(ROOT / served[0]), args=served[1:], env=clean_environment(), cwd=ROOT)
    async with Client(params) as client:
        listing = await client.call_tool(ToolName.LIST, {})
    assert listing.structured_content is not None
    assert listing.structured_content["count"] == len(demo.DEMO_SCHEMA_IDS)


async def test_uvx_from_the_checkout_serves_the_sandbox() -> None:
    # What CI checks of the uv path: `uvx --from . posthog-external-data-mcp --sandbox` until it lists its tools.
    uvx = str(Path(sys.executable).parent / "uvx")
    params = StdioServerParameters(
        command=uvx,
        args=["--from", ".", "posthog-external-data-mcp", "--sandbox"],
        env=clean_environment(UV_ENV),
        cwd=ROOT,
    )
    async with Client(params) as client:
        tools = (await client.list_tools()).tools
    assert {tool.name for tool in tools} == set(ToolName)
