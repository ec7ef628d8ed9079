"""`posthog-external-data-mcp call`: use the tools from a terminal, through the SDK's own MCP client.

    posthog-external-data-mcp call --sandbox                      # interactive: one "TOOL {json}" per line
    posthog-external-data-mcp call --sandbox external-data-schemas-list '{"limit": 3}'

The server runs in-process with the same flags and environment as `posthog-external-data-mcp` itself, so what
you see is exactly what an agent gets (the text block; `--json` prints the structured result instead).
"""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Sequence
from typing import Any, TextIO

import anyio
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp.types import CallToolResult

from .server.logging_setup import configure_logging
from .server.settings import PROG, Settings, SettingsError, default_environ, load_settings
from .wiring import server_for


def _arguments(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("tool arguments must be a JSON object, e.g. '{\"limit\": 3}'")
    return value  # type: ignore[return-value]


def _render(result: CallToolResult, as_json: bool, out: TextIO) -> None:
    if as_json:
        print(json.dumps(result.structured_content, indent=2, ensure_ascii=False), file=out)
        return
    for block in result.content:
        if block.type == "text":
            print(block.text, file=out)


async def _session(settings: Settings, call: tuple[str, dict[str, Any]] | None, as_json: bool) -> int:
    failed = 0
    async with Client(server_for(settings)) as client:
        if call is not None:
            try:
                result = await client.call_tool(*call)
            except MCPError as exc:  # an unknown tool, say
                print(f"error: {exc.error.message}", file=sys.stderr)
                return 1
            _render(result, as_json, sys.stdout)
            return 1 if result.is_error else 0
        tools = (await client.list_tools()).tools
        print("Tools: " + ", ".join(tool.name for tool in tools), file=sys.stderr)
        print(
            'Type one call per line, e.g.: external-data-schemas-list {"limit": 3}   (Ctrl-D to quit)', file=sys.stderr
        )
        while True:
            line = await anyio.to_thread.run_sync(sys.stdin.readline)
            if not line:
                return 1 if failed else 0
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            name, _, rest = line.strip().partition(" ")
            try:
                result = await client.call_tool(name, _arguments(rest.strip()))
            except ValueError as exc:
                print(f"error: {exc}", file=sys.stderr)
                failed += 1
                continue
            except MCPError as exc:
                print(f"error: {exc.error.message}", file=sys.stderr)
                failed += 1
                continue
            _render(result, as_json, sys.stdout)
            failed += int(bool(result.is_error))


def main(argv: Sequence[str]) -> int:
    arguments = list(argv)
    as_json = "--json" in arguments
    arguments = [argument for argument in arguments if argument != "--json"]
    positional = [argument for argument in arguments if not argument.startswith("-") or argument == "-"]
    # The tool name and its JSON are the trailing positional arguments; everything else is server flags.
    calls: list[str] = []
    if positional and positional[0].startswith("external-data-"):
        index = arguments.index(positional[0])
        calls, arguments = arguments[index:], arguments[:index]
    try:
        settings = load_settings(arguments, default_environ())
    except (SettingsError, ValueError) as exc:
        print(f"{PROG} call: error: {exc}", file=sys.stderr)
        return 2
    try:
        call = (calls[0], _arguments(calls[1] if len(calls) > 1 else None)) if calls else None
    except ValueError as exc:
        print(f"{PROG} call: error: {exc} ({shlex.join(calls)})", file=sys.stderr)
        return 2
    configure_logging("warning")
    return anyio.run(_session, settings, call, as_json)
