"""`posthog-external-data-mcp config CLIENT`: the ready-to-paste MCP client config for this installation.

The command is the absolute path of the console script that is running now, so the snippet works no matter
how the package was installed (a venv, pipx, `uv tool`); the key is a placeholder, never the one in the
environment. The snippet goes to stdout (so it can be piped or redirected) and where to put it to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .server.settings import DEFAULT_HOST, PROG

SERVER_KEY = "posthog-external-data"
KEY_PLACEHOLDER = "phx_your_personal_api_key"
VSCODE_KEY_INPUT = "posthog-key"
CLIENTS = ("claude-desktop", "claude-code", "cursor", "vscode")

WHERE = {
    "claude-desktop": "Add this to claude_desktop_config.json (Claude Desktop: Settings → Developer → Edit Config; "
    "macOS ~/Library/Application Support/Claude/, Windows %APPDATA%\\Claude\\), then restart Claude Desktop.",
    "claude-code": "Run this command (add --scope user to use it in every project).",
    "cursor": "Add this to ~/.cursor/mcp.json (every project) or .cursor/mcp.json (this project).",
    "vscode": "Add this to .vscode/mcp.json (VS Code asks for the key once and stores it).",
}


def server_command() -> list[str]:
    """How to start this installation's server: its console script, else this interpreter with `-m`."""
    script = Path(sys.executable).parent / PROG
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script.absolute())]
    invoked = Path(sys.argv[0])
    if invoked.name == PROG and invoked.is_file():
        return [str(invoked.resolve())]
    return [str(Path(sys.executable).absolute()), "-m", "posthog_external_data_mcp"]


def server_env(environ: Mapping[str, str], *, sandbox: bool, key: str) -> dict[str, str]:
    if sandbox:
        return {}  # the demo PostHog needs neither a key nor a host
    env = {"POSTHOG_PERSONAL_API_KEY": key, "POSTHOG_HOST": environ.get("POSTHOG_HOST", "").strip() or DEFAULT_HOST}
    if project := environ.get("POSTHOG_PROJECT_ID", "").strip():
        env["POSTHOG_PROJECT_ID"] = project
    return env


def snippet(client: str, environ: Mapping[str, str], *, sandbox: bool, read_only: bool) -> str:
    command, *args = server_command()
    args += [flag for flag, wanted in (("--sandbox", sandbox), ("--read-only", read_only)) if wanted]
    if client == "claude-code":
        env = server_env(environ, sandbox=sandbox, key=KEY_PLACEHOLDER)
        words = ["claude", "mcp", "add", SERVER_KEY]
        for name, value in env.items():
            words += ["--env", f"{name}={value}"]
        return shlex.join([*words, "--", command, *args])
    if client == "vscode":
        env = server_env(environ, sandbox=sandbox, key=f"${{input:{VSCODE_KEY_INPUT}}}")
        entry: dict[str, Any] = {"type": "stdio", "command": command, "args": args, "env": env}
        config: dict[str, Any] = {"servers": {SERVER_KEY: entry}}
        if not sandbox:
            prompt = {"type": "promptString", "id": VSCODE_KEY_INPUT, "description": "PostHog personal API key"}
            config = {"inputs": [{**prompt, "password": True}], **config}
        return json.dumps(config, indent=2)
    env = server_env(environ, sandbox=sandbox, key=KEY_PLACEHOLDER)
    return json.dumps({"mcpServers": {SERVER_KEY: {"command": command, "args": args, "env": env}}}, indent=2)


def build_config_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"{PROG} config",
        description="Print the MCP client config that starts this installation of the server.",
        epilog=f"POSTHOG_HOST and POSTHOG_PROJECT_ID are taken from the environment when set; the key is always a "
        f"placeholder ({KEY_PLACEHOLDER}) to replace with your own.\n\nexample:\n  {PROG} config claude-desktop "
        "--sandbox",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("client", choices=CLIENTS, help="the MCP client to configure")
    parser.add_argument("--sandbox", action="store_true", help="start the server on the built-in demo data")
    parser.add_argument("--read-only", action="store_true", help="expose only the read-only tools")
    return parser


def is_temporary(command: str) -> bool:
    """A script inside uv's cache (`uvx --from …` environments): it can vanish at the next cache prune."""
    return any(part.startswith("archive-v") for part in Path(command).parts)


def main(argv: Sequence[str], environ: Mapping[str, str]) -> int:
    args = build_config_parser().parse_args(list(argv))
    print(snippet(args.client, environ, sandbox=args.sandbox, read_only=args.read_only))
    sys.stdout.flush()
    note = WHERE[args.client]
    if not args.sandbox and args.client != "vscode":
        note += f" Replace {KEY_PLACEHOLDER} with your key."
    if is_temporary(server_command()[0]):
        note += (
            " Note: this runs from uvx's temporary environment, whose path can change: in the config, start "
            f"`uvx --from /absolute/path/to/your/checkout {PROG}` instead (see the README)."
        )
    print(note, file=sys.stderr)
    return 0
