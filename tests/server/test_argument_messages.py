"""What a caller reads about the update arguments: every writable field described, and a bad time of day
refused in words (with an example), not with the regular expression that checks it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from posthog_external_data_mcp.posthog_client import SchemaUpdate
from posthog_external_data_mcp.sandbox import demo
from posthog_external_data_mcp.server.tool_names import ToolName
from tests.conftest import Connect
from tests.support.processes import RunningSandbox

pytestmark = pytest.mark.anyio


def test_every_writable_field_is_described() -> None:
    undescribed = [name for name, field in SchemaUpdate.model_fields.items() if not field.description]
    assert not undescribed


@pytest.mark.parametrize("value", ["25:00", "3pm", "15:30:61", "1530"])
async def test_a_bad_time_of_day_is_refused_in_words_before_any_request(
    connect: Connect, sandbox: RunningSandbox, value: str
) -> None:
    async with connect() as client:
        result = await client.call_tool(
            ToolName.PARTIAL_UPDATE, {"id": demo.POSTGRES_ORDERS_ID, "sync_time_of_day": value}
        )
    assert result.is_error
    text = result.content[0].text  # type: ignore[union-attr]
    assert "sync_time_of_day: use HH:MM or HH:MM:SS, UTC (24-hour, e.g. 03:00 or 15:30:00)" in text
    assert "pattern" not in text and "[0-5]" not in text
    assert sandbox.requests() == []


def test_a_time_without_seconds_is_completed_for_posthog() -> None:
    assert SchemaUpdate(sync_time_of_day="15:30").to_body() == {"sync_time_of_day": "15:30:00"}
    assert SchemaUpdate(sync_time_of_day=None).to_body() == {"sync_time_of_day": None}
    with pytest.raises(ValidationError) as caught:
        SchemaUpdate(sync_time_of_day="24:00")
    assert caught.value.errors()[0]["type"] == "time_of_day"
