"""Retry rules: which failures are repeated, how long the client waits, and what is never sent twice."""

from __future__ import annotations

from uuid import UUID

import httpx2
import pytest

from posthog_external_data_mcp.posthog_client import (
    PostHogClient,
    PostHogConnectionError,
    RateLimitError,
    RetryPolicy,
    ServerError,
    create_http_client,
)
from tests.support.upstream import ScriptedUpstream

pytestmark = pytest.mark.anyio

SCHEMA_ID = UUID("0b6f4a5e-1c2d-4e3f-8a9b-0c1d2e3f4a5b")
SCHEMA = {"id": str(SCHEMA_ID), "name": "charges", "should_sync": True}
THROTTLED = {
    "type": "throttled_error",
    "code": "throttled",
    "detail": "Request was throttled. Expected available in 2 seconds.",
    "attr": None,
}


def client_for(script: ScriptedUpstream, waits: list[float], policy: RetryPolicy | None = None) -> PostHogClient:
    async def record_sleep(seconds: float) -> None:
        waits.append(seconds)

    return PostHogClient(
        http=create_http_client(transport=httpx2.MockTransport(script)),
        base_url="https://us.posthog.com",
        api_key="phx_retry_test_key",
        retry=policy or RetryPolicy(),
        sleep=record_sleep,
    )


async def test_429_is_retried_after_the_seconds_posthog_asks_for() -> None:
    script = ScriptedUpstream(
        httpx2.Response(429, json=THROTTLED, headers={"Retry-After": "2"}), httpx2.Response(200, json=SCHEMA)
    )
    waits: list[float] = []
    schema = await client_for(script, waits).retrieve_schema(SCHEMA_ID)
    assert schema.name == "charges"
    assert waits == [2.0]
    assert len(script.requests) == 2


async def test_a_post_action_is_retried_on_429_because_posthog_did_not_act() -> None:
    script = ScriptedUpstream(httpx2.Response(429, json=THROTTLED, headers={"Retry-After": "1"}), httpx2.Response(200))
    waits: list[float] = []
    outcome = await client_for(script, waits).resync(SCHEMA_ID)
    assert outcome.status == 200
    assert len(script.requests) == 2


async def test_429_gives_up_after_max_retries_and_reports_retry_after_and_attempts() -> None:
    throttled = httpx2.Response(429, json=THROTTLED, headers={"Retry-After": "2"})
    script = ScriptedUpstream(throttled, throttled, throttled)
    waits: list[float] = []
    with pytest.raises(RateLimitError) as caught:
        await client_for(script, waits, RetryPolicy(max_retries=2)).list_schemas()
    assert caught.value.retry_after == 2.0
    assert caught.value.attempts == 3
    assert caught.value.detail == THROTTLED["detail"]
    assert len(script.requests) == 3


async def test_a_retry_after_longer_than_the_cap_is_reported_not_waited_for() -> None:
    script = ScriptedUpstream(httpx2.Response(429, json=THROTTLED, headers={"Retry-After": "3600"}))
    waits: list[float] = []
    with pytest.raises(RateLimitError) as caught:
        await client_for(script, waits, RetryPolicy(max_retry_after=30)).list_schemas()
    assert waits == []
    assert caught.value.retry_after == 3600


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_gateway_errors_are_retried_for_get_patch_and_delete(status: int) -> None:
    for call in ("retrieve_schema", "destroy"):
        script = ScriptedUpstream(
            httpx2.Response(status), httpx2.Response(200 if call == "retrieve_schema" else 204, json=SCHEMA)
        )
        waits: list[float] = []
        await getattr(client_for(script, waits), call)(SCHEMA_ID)
        assert len(script.requests) == 2
        assert len(waits) == 1 and 0.25 <= waits[0] <= 0.5  # first backoff step with jitter


@pytest.mark.parametrize("action", ["reload", "resync", "cancel", "incremental_fields"])
async def test_post_actions_are_never_repeated_after_a_502(action: str) -> None:
    script = ScriptedUpstream(httpx2.Response(502), httpx2.Response(200))
    with pytest.raises(ServerError):
        await getattr(client_for(script, []), action)(SCHEMA_ID)
    assert len(script.requests) == 1


async def test_500_is_not_retried() -> None:
    script = ScriptedUpstream(
        httpx2.Response(
            500, json={"type": "server_error", "code": "error", "detail": "A server error occurred.", "attr": None}
        )
    )
    with pytest.raises(ServerError) as caught:
        await client_for(script, []).retrieve_schema(SCHEMA_ID)
    assert caught.value.detail == "A server error occurred."
    assert len(script.requests) == 1


async def test_connect_errors_are_retried_even_for_resync_because_nothing_was_sent() -> None:
    script = ScriptedUpstream(httpx2.ConnectError("refused"), httpx2.Response(200))
    outcome = await client_for(script, []).resync(SCHEMA_ID)
    assert outcome.status == 200
    assert len(script.requests) == 2


async def test_a_resync_whose_answer_was_lost_is_not_sent_again() -> None:
    script = ScriptedUpstream(httpx2.ReadTimeout("no answer"), httpx2.Response(200))
    with pytest.raises(PostHogConnectionError) as caught:
        await client_for(script, []).resync(SCHEMA_ID)
    assert caught.value.sent is True
    assert len(script.requests) == 1


async def test_a_get_whose_connection_dropped_is_retried() -> None:
    script = ScriptedUpstream(httpx2.RemoteProtocolError("peer closed"), httpx2.Response(200, json=SCHEMA))
    schema = await client_for(script, []).retrieve_schema(SCHEMA_ID)
    assert schema.id == str(SCHEMA_ID)
    assert len(script.requests) == 2


async def test_backoff_grows_and_stays_jittered_within_bounds() -> None:
    script = ScriptedUpstream(
        httpx2.Response(503), httpx2.Response(503), httpx2.Response(503), httpx2.Response(200, json=SCHEMA)
    )
    waits: list[float] = []
    await client_for(script, waits, RetryPolicy(max_retries=3, initial_delay=1, max_delay=3)).retrieve_schema(SCHEMA_ID)
    assert 0.5 <= waits[0] <= 1 and 1 <= waits[1] <= 2 and 1.5 <= waits[2] <= 3


async def test_the_total_budget_stops_retries_that_would_overrun_it() -> None:
    script = ScriptedUpstream(
        httpx2.Response(429, json=THROTTLED, headers={"Retry-After": "20"}), httpx2.Response(200, json=SCHEMA)
    )
    with pytest.raises(RateLimitError):
        await client_for(script, [], RetryPolicy(total_timeout=5)).retrieve_schema(SCHEMA_ID)
    assert len(script.requests) == 1
