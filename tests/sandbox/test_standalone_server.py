"""The ``posthog-external-data-sandbox`` console script over real loopback HTTP."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path

import httpx2
import pytest

from posthog_external_data_mcp.sandbox.demo import DEMO_SCHEMA_IDS, KEY_ALL, STRIPE_CHARGES_ID

from .conftest import bearer, schema_url, schemas_url

LISTENING = re.compile(r"^posthog-external-data-sandbox listening on (http://127\.0\.0\.1:(\d+))$")


def sandbox_script() -> str:
    script = Path(sys.executable).parent / "posthog-external-data-sandbox"
    found = str(script) if script.exists() else shutil.which("posthog-external-data-sandbox")
    assert found, "the posthog-external-data-sandbox console script is not installed"
    return found


def clean_env(**extra: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("POSTHOG_")}
    env.update(extra)
    return env


@contextmanager
def running_sandbox(*flags: str, env: dict[str, str] | None = None) -> Generator[str]:
    process = subprocess.Popen(
        [sandbox_script(), "--port", "0", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env or clean_env(),
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().rstrip("\n")
        match = LISTENING.match(line)
        assert match, f"unexpected first line {line!r}; stderr: {process.stderr.read() if process.stderr else ''}"
        assert int(match.group(2)) > 0
        yield match.group(1)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_serves_the_api_over_loopback() -> None:
    with running_sandbox("--sync-seconds", "0.2") as url, httpx2.Client(base_url=url, headers=bearer(KEY_ALL)) as http:
        listed = http.get(schemas_url())
        assert listed.status_code == 200
        assert listed.json()["count"] == len(DEMO_SCHEMA_IDS)
        assert listed.json()["results"][0]["source"] is None
        first = http.get(schemas_url(), params={"limit": 2}).json()
        assert first["next"] == f"{url}{schemas_url()}?limit=2&offset=2"

        assert http.post(schema_url(STRIPE_CHARGES_ID, "reload")).status_code == 200
        assert http.get(schema_url(STRIPE_CHARGES_ID)).json()["status"] == "Running"
        time.sleep(0.25)
        assert http.get(schema_url(STRIPE_CHARGES_ID)).json()["status"] == "Completed"

        log = http.get("/_sandbox/requests").json()
        assert [entry["method"] for entry in log] == ["GET", "GET", "POST", "GET", "GET"]
        assert {entry["key_label"] for entry in log} == {"Sandbox all access"}
        assert http.post("/_sandbox/reset").status_code == 200
        assert http.delete("/_sandbox/requests").status_code == 204
        assert http.get("/_sandbox/requests").json() == []


def test_injected_429_with_retry_after() -> None:
    with running_sandbox("--fault-429-rate", "1", "--retry-after-seconds", "3") as url:
        response = httpx2.get(f"{url}{schemas_url()}", headers=bearer(KEY_ALL))
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "3"
        assert response.json()["detail"] == "Request was throttled. Expected available in 3 seconds."


def test_injected_dropped_connection() -> None:
    with running_sandbox("--fault-drop-rate", "1") as url:
        with pytest.raises(httpx2.TransportError):
            httpx2.get(f"{url}{schema_url(STRIPE_CHARGES_ID)}", headers=bearer(KEY_ALL))
        # The server survives and keeps answering its helper routes.
        assert httpx2.get(f"{url}/_sandbox/requests").status_code == 200


def test_injected_5xx() -> None:
    with running_sandbox("--fault-5xx-rate", "1", "--seed", "4") as url:
        statuses = {httpx2.get(f"{url}{schemas_url()}", headers=bearer(KEY_ALL)).status_code for _ in range(30)}
        assert statuses == {500, 502, 503}


def test_added_latency_is_measurable() -> None:
    with running_sandbox("--latency-ms", "250") as url, httpx2.Client(base_url=url, headers=bearer(KEY_ALL)) as http:
        http.get("/_sandbox/requests")  # warm the connection
        started = time.perf_counter()
        assert http.get(schema_url(STRIPE_CHARGES_ID)).status_code == 200
        assert time.perf_counter() - started >= 0.25


def test_flags_override_environment() -> None:
    env = clean_env(POSTHOG_SANDBOX_FAULT_429_RATE="1")
    with running_sandbox("--fault-429-rate", "0", env=env) as url:
        assert httpx2.get(f"{url}{schemas_url()}", headers=bearer(KEY_ALL)).status_code == 200
    with running_sandbox(env=env) as url:
        assert httpx2.get(f"{url}{schemas_url()}", headers=bearer(KEY_ALL)).status_code == 429


def test_refuses_non_loopback_host_without_allow_remote() -> None:
    result = subprocess.run(
        [sandbox_script(), "--host", "0.0.0.0", "--port", "0"],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=30,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "refusing to bind 0.0.0.0" in result.stderr


def test_invalid_environment_is_reported() -> None:
    result = subprocess.run(
        [sandbox_script(), "--port", "0"],
        capture_output=True,
        text=True,
        env=clean_env(POSTHOG_SANDBOX_FAULT_429_RATE="lots"),
        timeout=30,
    )
    assert result.returncode == 2
    assert "POSTHOG_SANDBOX_FAULT_429_RATE must be a number" in result.stderr
