"""The safety settings as the operator gives them: the confirmation policy (flag wins over environment) and the
state keys (each at least 32 bytes, never echoed back); a bad value stops the server at start."""

from __future__ import annotations

import subprocess

import pytest

from posthog_external_data_mcp.server.settings import SettingsError, load_settings
from tests.support.processes import SERVER_SCRIPT, clean_environment


def test_the_policy_defaults_to_auto_and_the_flag_wins_over_the_environment() -> None:
    assert load_settings([], {}).confirm_destructive == "auto"
    assert load_settings([], {"POSTHOG_MCP_CONFIRM_DESTRUCTIVE": "Strict"}).confirm_destructive == "strict"
    flagged = load_settings(["--confirm-destructive", "off"], {"POSTHOG_MCP_CONFIRM_DESTRUCTIVE": "strict"})
    assert flagged.confirm_destructive == "off"
    with pytest.raises(SettingsError, match="auto, strict or off"):
        load_settings([], {"POSTHOG_MCP_CONFIRM_DESTRUCTIVE": "sometimes"})


def test_state_keys_are_a_ring_of_long_secrets() -> None:
    first, second = "a" * 64, "b" * 32
    keys = load_settings([], {"POSTHOG_MCP_STATE_KEYS": f" {first} , {second} "}).state_keys
    assert [key.get_secret_value() for key in keys] == [first, second]
    assert first not in repr(keys)
    with pytest.raises(SettingsError, match="key 2 is 31 bytes, at least 32") as short:
        load_settings([], {"POSTHOG_MCP_STATE_KEYS": f"{first},{'c' * 31}"})
    assert "c" * 31 not in str(short.value)
    with pytest.raises(SettingsError, match="same key twice"):
        load_settings([], {"POSTHOG_MCP_STATE_KEYS": f"{first},{first}"})


def test_a_short_state_key_stops_the_console_script_with_one_line_and_exit_code_2() -> None:
    secret = "too-short-secret"
    result = subprocess.run(
        [SERVER_SCRIPT, "--transport", "http", "--port", "0"],
        capture_output=True,
        text=True,
        env=clean_environment({"POSTHOG_MCP_STATE_KEYS": secret}),
        timeout=60,
    )
    assert result.returncode == 2
    assert "POSTHOG_MCP_STATE_KEYS: key 1 is 16 bytes" in result.stderr and secret not in result.stderr
