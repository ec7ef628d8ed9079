"""`posthog-external-data-mcp call`: the tools from a terminal, through the SDK's MCP client, on the sandbox."""

from __future__ import annotations

import json
import subprocess

from posthog_external_data_mcp.sandbox import demo
from tests.support.processes import SERVER_SCRIPT, clean_environment

ORDERS = demo.POSTGRES_ORDERS_ID


def call(*args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SERVER_SCRIPT, "call", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=clean_environment(env),
        timeout=60,
    )


def test_one_call_prints_the_text_the_agent_would_see() -> None:
    result = call("--sandbox", "external-data-schemas-list", '{"limit": 2}')
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("2 of 11 schemas from offset 0; next_offset=2.")


def test_json_flag_prints_the_structured_result() -> None:
    result = call("--sandbox", "--json", "external-data-schemas-retrieve", json.dumps({"id": ORDERS}))
    assert json.loads(result.stdout)["name"] == "orders"


def test_interactive_session_keeps_state_between_calls() -> None:
    lines = f'external-data-schemas-reload {{"id": "{ORDERS}"}}\nexternal-data-schemas-retrieve {{"id": "{ORDERS}"}}\n'
    result = call("--sandbox", "--json", stdin=lines, POSTHOG_SANDBOX_SYNC_SECONDS="0")
    assert result.returncode == 0, result.stderr
    assert '"status": "Completed"' in result.stdout  # the reload ran to completion in the same sandbox
    assert "Tools: external-data-schemas-list" in result.stderr


def test_a_tool_error_exits_1_and_bad_arguments_exit_2() -> None:
    refused = call("--sandbox", "external-data-schemas-cancel", json.dumps({"id": ORDERS}))
    assert refused.returncode == 1 and "No running sync to cancel." in refused.stdout
    malformed = call("--sandbox", "external-data-schemas-list", "[1, 2]")
    assert malformed.returncode == 2 and "JSON object" in malformed.stderr
