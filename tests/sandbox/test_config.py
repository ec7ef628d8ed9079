"""SandboxConfig: defaults, environment variables and validation."""

from __future__ import annotations

import pytest

from posthog_external_data_mcp.sandbox import SandboxConfig


def test_defaults() -> None:
    config = SandboxConfig()
    assert (config.sync_seconds, config.latency_ms, config.retry_after_seconds) == (2.0, 0, 1)
    assert (config.fault_429_rate, config.fault_5xx_rate, config.fault_drop_rate) == (0, 0, 0)
    assert (config.rate_limit_per_minute, config.rate_limit_per_hour, config.seed) == (480, 4800, None)
    assert config.extra_schemas == 0


def test_from_env_reads_every_variable() -> None:
    config = SandboxConfig.from_env(
        {
            "POSTHOG_SANDBOX_SYNC_SECONDS": "0.5",
            "POSTHOG_SANDBOX_LATENCY_MS": "25",
            "POSTHOG_SANDBOX_FAULT_429_RATE": "0.1",
            "POSTHOG_SANDBOX_FAULT_5XX_RATE": "0.2",
            "POSTHOG_SANDBOX_FAULT_DROP_RATE": "0.05",
            "POSTHOG_SANDBOX_RETRY_AFTER_SECONDS": "3",
            "POSTHOG_SANDBOX_RATE_LIMIT_PER_MINUTE": "10",
            "POSTHOG_SANDBOX_RATE_LIMIT_PER_HOUR": "100",
            "POSTHOG_SANDBOX_SEED": "42",
            "POSTHOG_SANDBOX_EXTRA_SCHEMAS": "1000",
            "UNRELATED": "x",
        }
    )
    assert config == SandboxConfig(
        sync_seconds=0.5,
        latency_ms=25,
        fault_429_rate=0.1,
        fault_5xx_rate=0.2,
        fault_drop_rate=0.05,
        retry_after_seconds=3,
        rate_limit_per_minute=10,
        rate_limit_per_hour=100,
        seed=42,
        extra_schemas=1000,
    )


def test_from_env_overrides_win_and_none_is_ignored() -> None:
    config = SandboxConfig.from_env({"POSTHOG_SANDBOX_FAULT_429_RATE": "1"}, fault_429_rate=0, seed=None)
    assert config.fault_429_rate == 0
    assert config.seed is None


def test_from_env_reads_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTHOG_SANDBOX_SYNC_SECONDS", "7")
    assert SandboxConfig.from_env().sync_seconds == 7


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"POSTHOG_SANDBOX_SEED": "abc"}, "POSTHOG_SANDBOX_SEED must be an integer"),
        ({"POSTHOG_SANDBOX_LATENCY_MS": "slow"}, "POSTHOG_SANDBOX_LATENCY_MS must be a number"),
        ({"POSTHOG_SANDBOX_FAULT_DROP_RATE": "1.5"}, "fault_drop_rate must be between 0 and 1"),
        (
            {"POSTHOG_SANDBOX_FAULT_429_RATE": "0.6", "POSTHOG_SANDBOX_FAULT_5XX_RATE": "0.6"},
            "must not exceed 1",
        ),
        ({"POSTHOG_SANDBOX_EXTRA_SCHEMAS": "-1"}, "extra_schemas must be between 0 and 20000"),
        ({"POSTHOG_SANDBOX_EXTRA_SCHEMAS": "lots"}, "POSTHOG_SANDBOX_EXTRA_SCHEMAS must be an integer"),
    ],
)
def test_invalid_values_are_rejected(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SandboxConfig.from_env(environ)


def test_config_is_frozen() -> None:
    config = SandboxConfig()
    with pytest.raises(AttributeError):
        config.sync_seconds = 1  # type: ignore[misc]
