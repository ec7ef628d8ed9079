"""The sandbox and the PostHog client spell PostHog's value sets the same way.

They are written separately on purpose (the sandbox imports nothing of the client), so this test is what keeps
them in step: a value added to one and not the other fails here.
"""

from __future__ import annotations

from typing import Any, get_args

import pytest

from posthog_external_data_mcp.posthog_client import enums
from posthog_external_data_mcp.posthog_client.paths import SchemaAction
from posthog_external_data_mcp.sandbox import models
from posthog_external_data_mcp.sandbox.routes import SCHEMA_ACTIONS
from posthog_external_data_mcp.sandbox.row_filters import ROW_FILTER_OPERATORS


@pytest.mark.parametrize(
    ("client_literal", "sandbox_values"),
    [
        (enums.SyncType, models.SYNC_TYPES),
        (enums.IncrementalFieldType, models.INCREMENTAL_FIELD_TYPES),
        (enums.SyncFrequency, models.SYNC_FREQUENCY_CHOICES),
        (enums.CdcTableMode, models.CDC_TABLE_MODES),
        (enums.RowFilterOperator, ROW_FILTER_OPERATORS),
    ],
    ids=["sync_type", "incremental_field_type", "sync_frequency", "cdc_table_mode", "row_filter_operator"],
)
def test_client_and_sandbox_accept_the_same_values(client_literal: Any, sandbox_values: Any) -> None:
    assert sorted(get_args(client_literal)) == sorted(sandbox_values)


def test_the_sandbox_reads_back_every_frequency_the_client_can_send() -> None:
    # Every input choice has an interval, and the legacy 1min is readable though not accepted.
    assert set(get_args(enums.SyncFrequency)) <= set(models.SYNC_FREQUENCY_SECONDS)
    assert set(models.SYNC_FREQUENCY_SECONDS) - set(get_args(enums.SyncFrequency)) == {"1min"}


def test_every_action_the_client_calls_is_routed_by_the_sandbox() -> None:
    assert set(get_args(SchemaAction)) <= set(SCHEMA_ACTIONS)
