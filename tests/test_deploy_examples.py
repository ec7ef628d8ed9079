"""The container and manifest examples pass flags the server accepts (they cannot be run here)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from posthog_external_data_mcp.server.http import check_startup
from posthog_external_data_mcp.server.settings import load_settings
from posthog_external_data_mcp.wiring import upstream_for

DEPLOY = Path(__file__).parents[1] / "docs" / "deploy"


def dockerfile_argv() -> list[str]:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    entrypoint = json.loads(re.search(r"^ENTRYPOINT (\[.*\])$", text, re.MULTILINE).group(1))  # type: ignore[union-attr]
    command = json.loads(re.search(r"^CMD (\[.*\])$", text, re.MULTILINE).group(1))  # type: ignore[union-attr]
    assert entrypoint[0] == "posthog-external-data-mcp"
    return [*entrypoint[1:], *command]


def test_the_container_starts_in_passthrough_mode_on_all_interfaces() -> None:
    settings = load_settings(dockerfile_argv(), {"POSTHOG_HOST": "https://us.posthog.com"})
    check_startup(settings, upstream_for(settings))  # raises if the server would refuse to start
    assert (settings.transport, settings.bind_host, settings.auth_mode) == ("http", "0.0.0.0", "passthrough")
    assert settings.allowed_hosts and settings.workers == 2


def test_the_manifest_args_replace_the_images_cmd_and_still_start() -> None:
    manifest = (DEPLOY / "kubernetes.yaml").read_text(encoding="utf-8")
    args = json.loads(re.search(r"args: (\[.*\])", manifest).group(1))  # type: ignore[union-attr]
    entrypoint = dockerfile_argv()[: dockerfile_argv().index("--allowed-hosts")]
    settings = load_settings([*entrypoint, *args], {"POSTHOG_HOST": "https://eu.posthog.com"})
    check_startup(settings, upstream_for(settings))
    assert "/health" in manifest


def test_the_manifest_shares_state_keys_from_a_secret_that_the_server_accepts() -> None:
    manifest = (DEPLOY / "kubernetes.yaml").read_text(encoding="utf-8")
    assert "name: POSTHOG_MCP_STATE_KEYS" in manifest and "secretKeyRef" in manifest and "kind: Secret" in manifest
    placeholder = re.search(r'state-keys: "([^"]+)"', manifest).group(1)  # type: ignore[union-attr]
    settings = load_settings([], {"POSTHOG_MCP_STATE_KEYS": placeholder})
    assert len(settings.state_keys) == 1
    assert "POSTHOG_MCP_STATE_KEYS" in (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
