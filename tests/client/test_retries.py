"""Retry rules: which failures are repeated, how long the client waits, and what is never sent twice."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Awaitable, Callable
from uuid import UUID

import httpx2
import pytest

from posthog_external_data_mcp.posthog_client import (
    NotFoundError,
    PostHogClient,
    PostHogConnectionError,
    PostHogError,
    RateLimitError,
    RetryPolicy,
    SchemaUpdate,
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
SERVER_ERROR = {"type": "server_error", "code": "error", "detail": "A server error occurred.", "attr": None}
NOT_FOUND = {"type": "invalid_request", "code": "not_found", "detail": "Not found.", "attr": None}
FIRST_BACKOFF = RetryPolicy().initial_delay


class VirtualClock:
    """Time that passes only when the client sleeps, so budgets of a minute are tested in milliseconds."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def client_for(
    script: Callable[[httpx2.Request], httpx2.Response],
    waits: list[float],
    policy: RetryPolicy | None = None,
    *,
    clock: VirtualClock | None = None,
    rng: random.Random | None = None,
) -> PostHogClient:
    virtual = clock or VirtualClock()

    async def record_sleep(seconds: float) -> None:
        waits.append(seconds)
        virtual.now += seconds

    return PostHogClient(
        http=create_http_client(transport=httpx2.MockTransport(script)),
        base_url="https://us.posthog.com",
        api_key="phx_retry_test_key",
        retry=policy or RetryPolicy(),
        sleep=record_sleep,
        clock=virtual,
        rng=rng or random.Random(0),
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
        assert len(waits) == 1 and FIRST_BACKOFF / 2 <= waits[0] <= FIRST_BACKOFF  # first backoff step, jittered


@pytest.mark.parametrize("action", ["reload", "resync", "cancel", "incremental_fields"])
@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_post_actions_are_never_repeated_after_a_5xx(action: str, status: int) -> None:
    script = ScriptedUpstream(httpx2.Response(status), httpx2.Response(200))
    with pytest.raises(ServerError):
        await getattr(client_for(script, []), action)(SCHEMA_ID)
    assert len(script.requests) == 1


IDEMPOTENT_CALLS: dict[str, Callable[[PostHogClient], Awaitable[object]]] = {
    "list": lambda client: client.list_schemas(),
    "retrieve": lambda client: client.retrieve_schema(SCHEMA_ID),
    "partial-update": lambda client: client.update_schema(SCHEMA_ID, SchemaUpdate(should_sync=False)),
    "delete-data": lambda client: client.delete_data(SCHEMA_ID),
    "destroy": lambda client: client.destroy(SCHEMA_ID),
}


def success_for(request: httpx2.Request) -> httpx2.Response:
    if request.method == "DELETE":
        return httpx2.Response(204)
    if request.url.path.endswith("external_data_schemas/"):
        return httpx2.Response(200, json={"count": 1, "next": None, "previous": None, "results": [SCHEMA]})
    return httpx2.Response(200, json=SCHEMA)


@pytest.mark.parametrize("call", sorted(IDEMPOTENT_CALLS))
async def test_500_is_retried_for_get_patch_and_delete(call: str) -> None:
    answers = iter([httpx2.Response(500, json=SERVER_ERROR)])
    requests: list[httpx2.Request] = []

    def posthog(request: httpx2.Request) -> httpx2.Response:
        requests.append(request)
        return next(answers, None) or success_for(request)

    await IDEMPOTENT_CALLS[call](client_for(posthog, []))
    assert len(requests) == 2 and requests[0].method == requests[1].method != "POST"


async def test_a_500_that_persists_is_reported_after_a_few_tries_not_for_the_whole_budget() -> None:
    # A 500 is as often a bug (the same request fails every time) as an outage: it gets a few tries only.
    script = ScriptedUpstream(httpx2.Response(500, json=SERVER_ERROR))
    waits: list[float] = []
    with pytest.raises(ServerError) as caught:
        await client_for(script, waits).retrieve_schema(SCHEMA_ID)
    assert len(script.requests) == caught.value.attempts == RetryPolicy().max_server_error_retries + 1
    assert caught.value.detail == "A server error occurred."
    assert sum(waits) < 5


async def test_a_long_run_of_mixed_faults_is_absorbed_within_the_call_budget() -> None:
    throttled = httpx2.Response(429, json=THROTTLED, headers={"Retry-After": "1"})
    faults: list[httpx2.Response | Exception] = [
        httpx2.Response(503),
        throttled,
        httpx2.RemoteProtocolError("peer closed"),
        httpx2.Response(500, json=SERVER_ERROR),
        httpx2.Response(502),
        throttled,
        httpx2.ReadTimeout("no answer"),
        httpx2.Response(500, json=SERVER_ERROR),
        httpx2.Response(504),
        throttled,
    ]
    script = ScriptedUpstream(*faults, httpx2.Response(200, json=SCHEMA))
    waits: list[float] = []
    schema = await client_for(script, waits).retrieve_schema(SCHEMA_ID)
    assert schema.name == "charges"
    assert len(script.requests) == len(faults) + 1
    assert sum(waits) < RetryPolicy().total_timeout / 2


class FaultyPostHog:
    """PostHog behind a bad gateway: a seeded share of 5xx, 429 and dropped connections, like the sandbox's faults.

    A connection is dropped after PostHog handled the request, so `acted_on` counts what PostHog really did.
    """

    def __init__(self, seed: int, *, rate_5xx: float = 0.3, rate_429: float = 0.2, rate_drop: float = 0.1) -> None:
        self.rng = random.Random(seed)
        self.rates = (rate_5xx, rate_429, rate_drop)
        self.acted_on = 0

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        rate_5xx, rate_429, rate_drop = self.rates
        roll = self.rng.random()
        if roll < rate_429:
            return httpx2.Response(429, json=THROTTLED, headers={"Retry-After": "1"})
        if roll < rate_429 + rate_5xx:
            status = self.rng.choice((500, 502, 503))
            return httpx2.Response(status, json=SERVER_ERROR) if status == 500 else httpx2.Response(status)
        self.acted_on += 1
        if roll < rate_429 + rate_5xx + rate_drop:
            raise httpx2.RemoteProtocolError("Server disconnected without sending a complete response.")
        return success_for(request)


@pytest.mark.parametrize("call", sorted(IDEMPOTENT_CALLS))
async def test_at_30_percent_5xx_20_percent_429_and_10_percent_drops_99_percent_of_idempotent_calls_succeed(
    call: str,
) -> None:
    calls, succeeded = 1000, 0
    posthog = FaultyPostHog(seed=14)
    for number in range(calls):
        clock = VirtualClock()
        try:
            await IDEMPOTENT_CALLS[call](client_for(posthog, [], clock=clock, rng=random.Random(number)))
        except PostHogError:
            pass
        else:
            succeeded += 1
        assert clock.now <= RetryPolicy().total_timeout  # the waits never overrun the call's budget
    assert succeeded / calls >= 0.99, f"{succeeded}/{calls} succeeded"


@pytest.mark.parametrize("action", ["reload", "resync", "cancel", "incremental_fields"])
async def test_under_the_same_faults_a_post_action_is_never_acted_on_twice(action: str) -> None:
    for number in range(500):
        posthog = FaultyPostHog(seed=number)
        with contextlib.suppress(PostHogError):
            await getattr(client_for(posthog, [], rng=random.Random(number)), action)(SCHEMA_ID)
        assert posthog.acted_on <= 1


@pytest.mark.parametrize("first", [httpx2.RemoteProtocolError("peer closed"), httpx2.Response(502)])
async def test_a_destroy_repeated_after_a_lost_answer_that_finds_nothing_reports_the_schema_gone(
    first: httpx2.Response | Exception,
) -> None:
    # The first DELETE may have reached PostHog (its answer was lost): the repeat's 404 means it is done.
    script = ScriptedUpstream(first, httpx2.Response(404, json=NOT_FOUND))
    outcome = await client_for(script, []).destroy(SCHEMA_ID)
    assert len(script.requests) == 2
    assert outcome.detail is not None and outcome.detail.startswith("Already deleted")


async def test_a_destroy_of_a_schema_that_never_existed_is_still_not_found() -> None:
    never_sent = ScriptedUpstream(httpx2.ConnectError("refused"), httpx2.Response(404, json=NOT_FOUND))
    with pytest.raises(NotFoundError):
        await client_for(never_sent, []).destroy(SCHEMA_ID)
    with pytest.raises(NotFoundError):
        await client_for(ScriptedUpstream(httpx2.Response(404, json=NOT_FOUND)), []).destroy(SCHEMA_ID)
    turned_away = ScriptedUpstream(httpx2.Response(503), httpx2.Response(404, json=NOT_FOUND))  # 503: not acted on
    with pytest.raises(NotFoundError):
        await client_for(turned_away, []).destroy(SCHEMA_ID)


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


async def test_a_dropped_read_whose_backoff_would_overrun_the_budget_reports_the_drop() -> None:
    script = ScriptedUpstream(httpx2.RemoteProtocolError("peer closed"), httpx2.Response(200, json=SCHEMA))
    policy = RetryPolicy(initial_delay=10, max_delay=10, total_timeout=4)
    with pytest.raises(PostHogConnectionError) as caught:
        await client_for(script, [], policy).retrieve_schema(SCHEMA_ID)
    assert "closed the connection" in str(caught.value)
    assert len(script.requests) == 1


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
