"""`posthog-external-data-mcp call`: use the tools from a terminal, through the SDK's own MCP client.

The server runs in-process with the same flags and environment as `posthog-external-data-mcp` itself, so what
you see is exactly what an agent gets: the text block, or with `--json` the whole tool result.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO

import anyio
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp.types import CallToolResult

from .server.logging_setup import configure_logging
from .server.settings import PROG, Settings, SettingsError, build_parser, default_environ, load_settings
from .server.terminal import read_line, terminal_reader
from .server.tool_names import ToolName
from .wiring import server_for

CALL_PROG = f"{PROG} call"
USAGE_ERROR = 2
CLOSED_PIPE = 141  # 128 + SIGPIPE: the reader (`| head`, say) stopped reading
EXAMPLE = '{"limit": 3}'

_TOOL_LINES = "\n".join(f"  {name}" for name in ToolName)
CALL_HELP = f"""\
TOOL is one of:
{_TOOL_LINES}
JSON is the tool's arguments as one JSON object (default {{}}). Flags may come before or after TOOL and JSON.

Without TOOL, the session is interactive: one `TOOL {{json}}` call per line, all in one server (with --sandbox,
one demo PostHog: a reload you start is visible to the next retrieve). Ctrl-D or `quit` ends it, Ctrl-C at once.

With --sandbox, each invocation starts from fresh demo data (nothing is kept between invocations): run several
calls in one interactive session to see their effects, or point --posthog-host at a standalone
posthog-external-data-sandbox to keep state across invocations.

exit codes: 0 the call succeeded, 1 the tool answered with an error, 2 a usage error (unknown tool, bad JSON,
bad flag), 130 interrupted (Ctrl-C).

examples:
  {PROG} call --sandbox external-data-schemas-list '{EXAMPLE}'
  {PROG} call external-data-schemas-list --project-id 2 --json       (POSTHOG_PERSONAL_API_KEY from the environment)
  {PROG} call --sandbox                                                 (interactive)
"""


class UsageError(ValueError):
    """A mistake in the command line or an interactive line: one line on stderr, exit code 2."""


def build_call_parser() -> argparse.ArgumentParser:
    parser = build_parser(
        prog=CALL_PROG,
        description="Call the server's tools from a terminal, through an MCP client (the server runs in-process).",
        serving=False,
        epilog=CALL_HELP,
    )
    parser.add_argument("--json", action="store_true", help="print the whole tool result as JSON, errors included")
    parser.add_argument("tool", nargs="?", metavar="TOOL", help="the tool to call; omit for an interactive session")
    parser.add_argument("arguments", nargs="?", metavar="JSON", help="the tool's arguments as a JSON object")
    return parser


def parse_call(name: str, text: str | None) -> tuple[str, dict[str, Any]]:
    if name not in set(ToolName):
        raise UsageError(f"unknown tool {name!r}; tools: {', '.join(ToolName)}")
    if not text or not text.strip():
        return name, {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"the arguments are not valid JSON ({exc.msg} at column {exc.colno}); e.g. '{EXAMPLE}'"
        ) from None
    if not isinstance(value, dict):
        raise UsageError(f"the arguments must be one JSON object, e.g. '{EXAMPLE}'")
    return name, value  # type: ignore[return-value]


def render(result: CallToolResult, as_json: bool, out: TextIO) -> None:
    if as_json:
        document = result.model_dump(mode="json", by_alias=True, exclude_none=True)
        print(json.dumps(document, indent=2, ensure_ascii=False), file=out)
    else:
        for block in result.content:
            if block.type == "text":
                print(block.text, file=out)
    out.flush()


async def _call(client: Client, call: tuple[str, dict[str, Any]], as_json: bool, prefix: str) -> int:
    try:
        result = await client.call_tool(*call)
    except MCPError as exc:  # a tool this server hides (--read-only, --tools)
        print(f"{prefix}error: {exc.error.message}", file=sys.stderr)
        return USAGE_ERROR
    try:
        render(result, as_json, sys.stdout)
    except BrokenPipeError:  # here rather than in main: inside the client's task group it arrives wrapped
        _silence_stdout()
        return CLOSED_PIPE
    return 1 if result.is_error else 0


def _silence_stdout() -> None:
    """The reader went away: print nothing more (not even at exit, when Python flushes stdout again)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


async def _interactive(client: Client, as_json: bool) -> int:
    tools = (await client.list_tools()).tools
    print("Tools: " + ", ".join(tool.name for tool in tools), file=sys.stderr)
    print(f"Type one call per line, e.g.: {ToolName.LIST} {EXAMPLE}   (Ctrl-D or quit to end)", file=sys.stderr)
    failed = 0
    async with terminal_reader() as terminal:
        while True:
            if terminal is not None:
                print("call> ", end="", file=sys.stderr, flush=True)
                line = await read_line(terminal)
            else:
                line = await anyio.to_thread.run_sync(sys.stdin.readline, abandon_on_cancel=True)
            if not line or line.strip() in ("quit", "exit"):
                return 1 if failed else 0
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            name, _, rest = line.strip().partition(" ")
            try:
                call = parse_call(name, rest)
            except UsageError as exc:
                print(f"error: {exc}", file=sys.stderr)
                failed += 1
                continue
            code = await _call(client, call, as_json, prefix="")
            if code == CLOSED_PIPE:
                return code
            failed += bool(code)


async def _session(settings: Settings, call: tuple[str, dict[str, Any]] | None, as_json: bool) -> int:
    async with Client(server_for(settings)) as client:
        if call is not None:
            return await _call(client, call, as_json, prefix=f"{CALL_PROG}: ")
        return await _interactive(client, as_json)


def main(argv: Sequence[str]) -> int:
    # Ctrl-C is left to cli.main, whose handler ends every command the same way.
    try:
        return _main(argv)
    except BrokenPipeError:
        _silence_stdout()
        return CLOSED_PIPE


def _main(argv: Sequence[str]) -> int:
    args = build_call_parser().parse_intermixed_args(list(argv))
    try:
        settings = load_settings(args, default_environ())
        call = parse_call(args.tool, args.arguments) if args.tool is not None else None
    except (SettingsError, ValueError) as exc:
        print(f"{CALL_PROG}: error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return USAGE_ERROR
    # Warnings only, unless asked: the answers are what a person came for.
    configure_logging(settings.log_level if args.log_level else "warning")
    return anyio.run(_session, settings, call, args.json)
