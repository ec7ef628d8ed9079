"""Every tool, fuzzed through the SDK client over stdio against the sandbox, with hostile arguments.

Once per protocol era, one long-lived subprocess of the installed console script holds a random per-run key and
talks to the sandbox behind a door that admits only that key (programs/keyed_sandbox.py). The tools are discovered with tools/list,
so a tool added later is fuzzed too. Arguments come from each tool's advertised inputSchema, mutated (see
strategies.py); the examples are derandomized, so every run draws the same ones. After each call:

* it answered within the timeout (no hang), with a result or a JSON-RPC error (no crash);
* nothing it returned carries a traceback or the key, and it is at most 25,000 cl100k tokens;
* every upstream request it caused is well-formed and on a documented route (the sandbox's request log), and
  carries the key only where it belongs (the door's record).

At the end the server is still alive and answering, and its stderr log (debug level) has neither the key nor a
traceback (an unexpected exception inside a tool is logged with one).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx2
import pytest
from hypothesis import HealthCheck, given, settings

from tests.reliability.strategies import arguments_for
from tests.reliability.support import (
    RESULT_TOKEN_CAP,
    TRACEBACK,
    UNSAFE_CHARACTERS,
    StdioSession,
    answer_texts,
    drain_requests,
    key_leaks_at_the_door,
    keyed_sandbox,
    random_key,
    reset_sandbox,
    result_tokens,
    stdio_session,
    upstream_problems,
)
from tests.support.processes import RunningSandbox

EXAMPLES_PER_TOOL = int(os.environ.get("RELIABILITY_FUZZ_EXAMPLES", "30"))
RESET_EVERY = 25  # calls; destroy and delete-data would otherwise leave nothing to call the next ones on
MAX_REQUESTS_PER_CALL = 30


@dataclass
class Fuzzing:
    key: str
    sandbox: RunningSandbox
    session: StdioSession
    ids: list[str]
    calls: Counter[str] = field(default_factory=Counter[str])
    outcomes: Counter[tuple[str, str]] = field(default_factory=Counter[tuple[str, str]])
    upstream_requests: Counter[str] = field(default_factory=Counter[str])


# Both protocol eras the server speaks: the SDK client's "auto" (2026-07-28) and "legacy" (2025-11-25).
@pytest.fixture(scope="module", params=["auto", "legacy"])
def fuzzing(request: pytest.FixtureRequest) -> Iterator[Fuzzing]:
    key = random_key()
    with keyed_sandbox(key, {"POSTHOG_SANDBOX_SYNC_SECONDS": "0.2"}) as sandbox:
        env = {"POSTHOG_PERSONAL_API_KEY": key, "POSTHOG_HOST": sandbox.url}
        with stdio_session(env, "--log-level", "debug", mode=request.param) as session:
            yield Fuzzing(key, sandbox, session, schema_ids(sandbox, key))


def schema_ids(sandbox: RunningSandbox, key: str) -> list[str]:
    """Real schema ids (both demo projects), so fuzzed calls reach handlers and not only 404s."""
    ids: list[str] = []
    for project in (1, 2):
        url = f"{sandbox.url}/api/projects/{project}/external_data_schemas/?limit=100"
        response = httpx2.get(url, headers={"Authorization": f"Bearer {key}"})
        response.raise_for_status()
        ids += [item["id"] for item in response.json()["results"]]
    sandbox.reset()
    return ids


def fuzz(fuzzing: Fuzzing, name: str, input_schema: dict[str, Any]) -> None:
    @settings(
        max_examples=EXAMPLES_PER_TOOL,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )
    @given(arguments=arguments_for(input_schema, fuzzing.ids))
    def one_call(arguments: dict[str, Any]) -> None:
        fuzzing.calls[name] += 1
        if sum(fuzzing.calls.values()) % RESET_EVERY == 0:
            reset_sandbox(fuzzing.sandbox)
        outcome = fuzzing.session.call(name, arguments)
        requests = drain_requests(fuzzing.sandbox)
        kind = "protocol_error" if outcome.result is None else "tool_error" if outcome.is_error else "ok"
        fuzzing.outcomes[name, kind] += 1
        fuzzing.upstream_requests[name] += len(requests)

        wire = outcome.wire_text
        assert TRACEBACK.search(wire) is None, f"a traceback in the answer: {wire[:2000]}"
        assert fuzzing.key not in wire, "the key in the answer"
        unsafe = [text for text in answer_texts(outcome) if UNSAFE_CHARACTERS.search(text)]
        assert unsafe == [], f"control, bidi or zero-width characters in the answer: {unsafe[0][:300]!r}"
        tokens = result_tokens(outcome)
        assert tokens <= RESULT_TOKEN_CAP, f"{tokens} tokens: {wire[:300]}…"
        assert upstream_problems(requests) == []
        assert fuzzing.key not in json.dumps(requests), "the key in what the sandbox logged"
        assert len(requests) <= MAX_REQUESTS_PER_CALL

    one_call()


def test_every_tool_survives_hostile_arguments(fuzzing: Fuzzing) -> None:
    tools = fuzzing.session.tools()
    assert len(tools) >= 10
    for tool in tools:
        fuzz(fuzzing, tool.name, tool.input_schema)
    assert key_leaks_at_the_door(fuzzing.sandbox) == []
    report(fuzzing)
    assert set(fuzzing.calls) == {tool.name for tool in tools}


def test_after_the_fuzzing_the_server_is_alive_and_its_log_is_clean(fuzzing: Fuzzing) -> None:
    assert len(fuzzing.session.tools()) >= 10
    assert not fuzzing.session.call("external-data-schemas-list", {"limit": 1}).is_error
    logged = fuzzing.session.log.read_text()
    assert fuzzing.key not in logged
    assert "Traceback" not in logged, logged[logged.find("Traceback") - 500 :][:3000]


def report(fuzzing: Fuzzing) -> None:
    """Per tool: calls, how they ended, upstream requests (shown with -s; docs/reliability.md quotes it)."""
    lines = [f"{'tool':50} {'calls':>6} {'ok':>5} {'tool err':>8} {'proto err':>9} {'upstream':>8}"]
    for name in sorted(fuzzing.calls):
        ok, tool_error = fuzzing.outcomes[name, "ok"], fuzzing.outcomes[name, "tool_error"]
        protocol_error = fuzzing.outcomes[name, "protocol_error"]
        lines.append(
            f"{name:50} {fuzzing.calls[name]:>6} {ok:>5} {tool_error:>8} {protocol_error:>9} "
            f"{fuzzing.upstream_requests[name]:>8}"
        )
    lines.append(f"{'all':50} {sum(fuzzing.calls.values()):>6}")
    print("\n" + "\n".join(lines))
