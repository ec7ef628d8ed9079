"""The console script's start-up contract: help, version, and one clear line + exit 2 for bad settings."""

from __future__ import annotations

import subprocess
import sys

import pytest

from posthog_external_data_mcp import __version__
from tests.support.processes import SERVER_SCRIPT, clean_environment


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SERVER_SCRIPT, *args],
        capture_output=True,
        text=True,
        env=clean_environment(env),
        timeout=30,
        stdin=subprocess.DEVNULL,
    )


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"posthog-external-data-mcp {__version__}"


def test_help_explains_every_flag_and_environment_variable() -> None:
    text = run("--help").stdout
    for flag in ("--transport", "--host", "--port", "--sandbox", "--read-only", "--tools", "--posthog-host",
                 "--project-id", "--route", "--log-level", "--auth", "--allowed-hosts", "--allowed-origins", "--workers"):  # fmt: skip
        assert flag in text, flag
    for variable in (
        "POSTHOG_PERSONAL_API_KEY",
        "POSTHOG_HOST",
        "POSTHOG_PROJECT_ID",
        "POSTHOG_ROUTE",
        "MCP_AUTH_TOKEN",
    ):
        assert variable in text, variable


def test_python_dash_m_runs_the_same_entry_point() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "posthog_external_data_mcp", "--version"], capture_output=True, text=True, timeout=30
    )
    assert result.stdout.strip() == f"posthog-external-data-mcp {__version__}"


@pytest.mark.parametrize(
    ("env", "args", "message"),
    [
        ({"POSTHOG_HOST": "us.posthog.com"}, (), "POSTHOG_HOST must be an http(s) base URL"),
        ({"POSTHOG_HOST": "ftp://eu.posthog.com"}, (), "POSTHOG_HOST must be an http(s) base URL"),
        ({"POSTHOG_PROJECT_ID": "my-project"}, (), "POSTHOG_PROJECT_ID must be a positive integer or '@current'"),
        ({"POSTHOG_PROJECT_ID": "0"}, (), "POSTHOG_PROJECT_ID must be a positive integer or '@current'"),
        ({"POSTHOG_ROUTE": "teams"}, (), "POSTHOG_ROUTE must be 'projects' or 'environments'"),
        (
            {},
            ("--tools", "external-data-schemas-list,external-data-schemas-nuke"),
            "unknown tool(s) in --tools: external-data-schemas-nuke",
        ),
        ({}, ("--project-id", "../2"), "POSTHOG_PROJECT_ID must be a positive integer"),
        ({"POSTHOG_MCP_TIMEOUT": "soon"}, (), "POSTHOG_MCP_TIMEOUT must be a number"),
    ],
)
def test_malformed_settings_stop_the_server_with_one_line_and_exit_2(
    env: dict[str, str], args: tuple[str, ...], message: str
) -> None:
    result = run(*args, **env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("posthog-external-data-mcp: error: ")
    assert message in lines[0]
    assert result.stdout == ""


def test_flags_override_the_environment() -> None:
    # The bad POSTHOG_HOST is overridden by the flag, so start-up gets further and stops on the next problem.
    result = run(
        "--posthog-host", "https://eu.posthog.com", "--transport", "http", "--host", "0.0.0.0", POSTHOG_HOST="not a url"
    )
    assert result.returncode == 2
    assert "--allowed-hosts" in result.stderr
    assert "POSTHOG_HOST" not in result.stderr


def test_a_non_loopback_bind_with_the_server_key_and_no_client_auth_is_refused() -> None:
    result = run(
        "--transport",
        "http",
        "--host",
        "0.0.0.0",
        "--allowed-hosts",
        "mcp.example.com",
        POSTHOG_PERSONAL_API_KEY="phx_secret_value_123",
    )
    assert result.returncode == 2
    assert "MCP_AUTH_TOKEN" in result.stderr
    assert "phx_secret_value_123" not in result.stderr
