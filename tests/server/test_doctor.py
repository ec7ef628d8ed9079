"""`posthog-external-data-mcp doctor` against the standalone sandbox: the right verdict and fix for each case."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from posthog_external_data_mcp.doctor import main as doctor_main
from posthog_external_data_mcp.posthog_client import Scope
from posthog_external_data_mcp.sandbox import demo
from posthog_external_data_mcp.server.tools import TOOLS
from tests.support.processes import SERVER_SCRIPT, RunningSandbox, clean_environment, free_port, stop


def doctor_script(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The installed console script, as a user runs it."""
    return subprocess.run(
        [SERVER_SCRIPT, "doctor", *args], capture_output=True, text=True, env=clean_environment(env), timeout=60
    )


def doctor(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The same entry point in this process: each verdict and fix without a ~1.5 s interpreter start per case."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = doctor_main(list(args), clean_environment(env))
    return subprocess.CompletedProcess(["doctor", *args], code, out.getvalue(), err.getvalue())


def line(output: str, check: str) -> str:
    return next(row for row in output.splitlines() if row.strip().startswith(check))


@pytest.mark.parametrize("key", [demo.KEY_ALL, demo.KEY_WRITE])
def test_a_good_key_passes_every_check(sandbox: RunningSandbox, key: str) -> None:
    result = doctor_script(POSTHOG_HOST=sandbox.url, POSTHOG_PERSONAL_API_KEY=key)
    assert result.returncode == 0, result.stdout
    assert "all checks passed" in result.stdout
    assert f"{len(demo.DEMO_SCHEMA_IDS)} schema(s) visible" in result.stdout
    assert key not in result.stdout + result.stderr


def test_a_read_only_key_passes_with_a_warning_naming_exactly_the_tools_it_can_call(sandbox: RunningSandbox) -> None:
    result = doctor(POSTHOG_HOST=sandbox.url, POSTHOG_PERSONAL_API_KEY=demo.KEY_READ)
    assert result.returncode == 0
    warning = line(result.stdout, "write scope")
    assert "warn" in warning
    offered = {row.name for row in TOOLS if row.scope is Scope.READ}
    assert set(warning.split("only ", 1)[1].split(", ")) == offered
    # Not --read-only: that keeps incremental-fields, which a read key cannot call.
    assert "--read-only" not in result.stdout and "add the external_data_source:write scope" in result.stdout


def test_a_key_without_the_scope_is_told_to_add_it(sandbox: RunningSandbox) -> None:
    result = doctor(POSTHOG_HOST=sandbox.url, POSTHOG_PERSONAL_API_KEY=demo.KEY_UNRELATED_SCOPE)
    assert result.returncode == 1
    assert "FAIL" in line(result.stdout, "read scope")
    assert "add the external_data_source:read scope" in result.stdout


def test_a_key_of_another_region_points_at_the_region_host(sandbox: RunningSandbox) -> None:
    result = doctor(POSTHOG_HOST=sandbox.url, POSTHOG_PERSONAL_API_KEY=demo.INVALID_KEY)
    assert result.returncode == 1
    assert "FAIL" in line(result.stdout, "api key accepted")
    assert "POSTHOG_HOST" in result.stdout
    assert demo.INVALID_KEY not in result.stdout


def test_the_wrong_project_is_named_with_the_fix(sandbox: RunningSandbox) -> None:
    result = doctor(
        POSTHOG_HOST=sandbox.url, POSTHOG_PERSONAL_API_KEY=demo.KEY_ALL, POSTHOG_PROJECT_ID=str(demo.MISSING_PROJECT_ID)
    )
    assert result.returncode == 1
    assert "Project not found." in line(result.stdout, "project resolves")
    assert "POSTHOG_PROJECT_ID" in result.stdout


def test_a_project_scoped_key_is_told_which_project_to_use(sandbox: RunningSandbox) -> None:
    result = doctor(POSTHOG_HOST=sandbox.url, POSTHOG_PERSONAL_API_KEY=demo.KEY_PROJECT2, POSTHOG_PROJECT_ID="1")
    assert result.returncode == 1
    assert "limited to project(s) 2" in line(result.stdout, "project access")
    passing = doctor(POSTHOG_HOST=sandbox.url, POSTHOG_PERSONAL_API_KEY=demo.KEY_PROJECT2, POSTHOG_PROJECT_ID="2")
    assert passing.returncode == 0, passing.stdout


def test_missing_key_is_a_failure_with_the_variable_to_set(sandbox: RunningSandbox) -> None:
    result = doctor(POSTHOG_HOST=sandbox.url)
    assert result.returncode == 1
    assert "POSTHOG_PERSONAL_API_KEY is not set" in line(result.stdout, "api key accepted")


def fix_of(output: str, check: str) -> str:
    rows = output.splitlines()
    index = next(i for i, row in enumerate(rows) if row.strip().startswith(check))
    return rows[index + 1].strip()


def test_a_closed_port_is_told_apart_from_a_wrong_region() -> None:
    port = free_port()
    result = doctor(POSTHOG_HOST=f"http://127.0.0.1:{port}", POSTHOG_PERSONAL_API_KEY=demo.KEY_ALL)
    assert result.returncode == 1
    assert f"nothing accepts connections at 127.0.0.1:{port} (connection refused)" in line(
        result.stdout, "host reachable"
    )
    assert fix_of(result.stdout, "host reachable").startswith("fix: check the port in POSTHOG_HOST")
    assert "region" not in result.stdout
    assert "api key accepted" not in result.stdout  # nothing else is tried, and no key is sent


def test_a_name_that_does_not_resolve_is_a_dns_failure() -> None:
    result = doctor(POSTHOG_HOST="https://posthog.example.invalid", POSTHOG_PERSONAL_API_KEY=demo.KEY_ALL)
    assert result.returncode == 1
    assert "the name posthog.example.invalid does not resolve" in line(result.stdout, "host reachable")
    assert "check the spelling of POSTHOG_HOST" in fix_of(result.stdout, "host reachable")
    assert "region" not in result.stdout


def test_a_path_in_the_host_is_named_with_the_base_url_to_use(sandbox: RunningSandbox) -> None:
    result = doctor(POSTHOG_HOST=f"{sandbox.url}/project/1", POSTHOG_PERSONAL_API_KEY=demo.KEY_ALL)
    assert result.returncode == 1
    assert "where PostHog's API answers JSON" in line(result.stdout, "host reachable")
    assert fix_of(result.stdout, "host reachable") == (
        f"fix: POSTHOG_HOST must be the base URL without a path (/project/1): set POSTHOG_HOST={sandbox.url}"
    )


def test_a_host_that_is_not_posthog_is_told_so(tmp_path: Path) -> None:
    port = free_port()
    # Any web server that is not PostHog: here Python's own, answering 404 with an HTML page.
    other = subprocess.Popen(
        [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory", str(tmp_path), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        result = doctor(POSTHOG_HOST=f"http://127.0.0.1:{port}", POSTHOG_PERSONAL_API_KEY=demo.KEY_ALL)
    finally:
        stop(other)
    assert result.returncode == 1
    assert "answered HTTP 404 (text/html)" in line(result.stdout, "host reachable")
    assert "POSTHOG_HOST is not a PostHog instance" in fix_of(result.stdout, "host reachable")


def wait_for_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listened on port {port}")


def test_the_ingestion_host_is_recognised_as_the_wrong_host() -> None:
    from posthog_external_data_mcp.doctor import _region_fix

    assert "POSTHOG_HOST=https://eu.posthog.com" in _region_fix("https://eu.i.posthog.com")


def test_a_malformed_host_is_a_usage_error() -> None:
    result = doctor(POSTHOG_HOST="eu.posthog.com")
    assert result.returncode == 2
    assert "POSTHOG_HOST must be an http(s) base URL" in result.stderr


def test_doctor_runs_against_the_built_in_sandbox() -> None:
    result = doctor_script("--sandbox")
    assert result.returncode == 0
    assert "the built-in sandbox" in result.stdout
