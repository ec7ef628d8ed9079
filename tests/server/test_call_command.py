"""`posthog-external-data-mcp call`: the tools from a terminal, through the SDK's MCP client, on the sandbox."""

from __future__ import annotations

import json
import subprocess

import pytest

from posthog_external_data_mcp.sandbox import demo
from tests.support.processes import SERVER_SCRIPT, RunningSandbox, clean_environment

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
    assert result.stdout.startswith(f"2 of {len(demo.DEMO_SCHEMA_IDS)} schemas from offset 0; next_offset=2.")


def test_call_has_its_own_help() -> None:
    result = call("--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: posthog-external-data-mcp call")
    assert "[TOOL] [JSON]" in result.stdout
    assert "each invocation starts from fresh demo data" in result.stdout
    assert "external-data-schemas-list" in result.stdout
    assert "--transport" not in result.stdout  # the server's HTTP flags mean nothing here


@pytest.mark.parametrize(
    "order",
    [
        ["--project-id", "2", "--json", "external-data-schemas-list", '{"limit": 1}'],
        ["external-data-schemas-list", '{"limit": 1}', "--project-id", "2", "--json"],
        ["external-data-schemas-list", "--json", '{"limit": 1}', "--project-id", "2"],
    ],
    ids=["flags first", "flags last", "flags between"],
)
def test_flags_count_before_or_after_the_tool_and_its_json(sandbox: RunningSandbox, order: list[str]) -> None:
    result = call(*order, POSTHOG_HOST=sandbox.url, POSTHOG_PERSONAL_API_KEY=demo.KEY_ALL)
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)["structuredContent"]["results"]) == 1
    (request,) = sandbox.requests()
    assert request["path"] == "/api/projects/2/external_data_schemas/"


def test_json_flag_prints_the_whole_result() -> None:
    result = call("--sandbox", "--json", "external-data-schemas-retrieve", json.dumps({"id": ORDERS}))
    document = json.loads(result.stdout)
    assert document["structuredContent"]["name"] == "orders"
    assert document["isError"] is False
    assert document["content"][0]["type"] == "text"


def test_json_flag_prints_an_error_result_too() -> None:
    result = call("--sandbox", "--json", "external-data-schemas-cancel", json.dumps({"id": ORDERS}))
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert document["isError"] is True
    error = document["_meta"]["io.github.posthog-external-data-mcp/error"]
    assert error["status"] == 400 and error["detail"] == "No running sync to cancel."


def test_interactive_session_keeps_state_between_calls() -> None:
    lines = f'external-data-schemas-reload {{"id": "{ORDERS}"}}\nexternal-data-schemas-retrieve {{"id": "{ORDERS}"}}\n'
    result = call("--sandbox", "--json", stdin=lines, POSTHOG_SANDBOX_SYNC_SECONDS="0")
    assert result.returncode == 0, result.stderr
    assert '"status": "Completed"' in result.stdout  # the reload ran to completion in the same sandbox
    assert "Tools: external-data-schemas-list" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["external-data-schemas-nope"],
            "unknown tool 'external-data-schemas-nope'; tools: external-data-schemas-list",
        ),
        (["external-data-schemas-list", '{"limit": '], "the arguments are not valid JSON (Expecting value at column"),
        (["external-data-schemas-list", "[1, 2]"], "the arguments must be one JSON object"),
        (["external-data-schemas-list", "{}", "extra"], "unrecognized arguments: extra"),
        (["--read-only", "external-data-schemas-reload", json.dumps({"id": ORDERS})], "Unknown tool"),
    ],
    ids=["unknown tool", "bad JSON", "not an object", "extra argument", "hidden tool"],
)
def test_usage_errors_are_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = call("--sandbox", *args)
    assert result.returncode == 2
    assert result.stdout == ""
    (line,) = result.stderr.strip().splitlines()[-1:]
    assert message in line, result.stderr
    assert "Traceback" not in result.stderr


def test_a_tool_error_exits_1() -> None:
    refused = call("--sandbox", "external-data-schemas-cancel", json.dumps({"id": ORDERS}))
    assert refused.returncode == 1 and "No running sync to cancel." in refused.stdout


def test_a_closed_pipe_ends_quietly() -> None:
    # As `call ... | head -1` does once it has its line: the reader goes away before the output is written.
    process = subprocess.Popen(
        [SERVER_SCRIPT, "call", "--sandbox", "--json", "external-data-schemas-list", '{"limit": 100}'],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_environment(),
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    stderr = process.stderr.read()
    assert process.wait(timeout=60) == 141  # 128 + SIGPIPE, as Unix tools report a closed pipe
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr
