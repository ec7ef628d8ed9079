"""The fault matrix: every tool, many times, against a sandbox answering 30% 5xx, 20% 429 and dropping 10% of
connections (after handling the request, like a real proxy losing the answer).

A call "got PostHog's answer" when the faults did not reach the agent: it succeeded, or PostHog's own 4xx came
back (a cancel with nothing running, a destroy of a schema an earlier call removed) — anything but a 5xx, a 429 or
a dropped connection that outlasted the retries. Contract:

* tools that only GET, PATCH or DELETE get PostHog's answer in ≥ 99% of calls (they retry 5xx and drops);
* tools that POST never have PostHog act twice on one call: every POST the sandbox handled (any answer but 429)
  is the single one of its call. POSTs are not retried after a 5xx or a drop, so about half of them surface the
  fault — that is the price of never resyncing twice.

Each tool first runs once on a fault-free sandbox: that proves its arguments are good (a tool added later needs
arguments here only if the generic ones — a schema id for a required `id` — are not enough) and records which
requests it makes. Idempotent tools then run concurrently (requests told apart by path and query: each tool
works on its own schema); POST tools run one call at a time, the request log read after each call.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx2
import pytest

from posthog_external_data_mcp.sandbox import demo
from tests.reliability.support import NO_RATE_LIMITS, Outcome, StdioSession, drain_requests, stdio_session
from tests.support.processes import RunningSandbox, sandbox_process

IDEMPOTENT_CALLS = int(os.environ.get("RELIABILITY_MATRIX_CALLS", "90"))
POST_CALLS = int(os.environ.get("RELIABILITY_MATRIX_POST_CALLS", "20"))
# Injected 429s ask for this wait; 0 keeps CI fast, the documented run uses 1.
RETRY_AFTER = os.environ.get("RELIABILITY_MATRIX_RETRY_AFTER", "0")
WORKERS_PER_TOOL = 6  # concurrent calls per idempotent tool, on average
FAULTS = ("--fault-5xx-rate", "0.3", "--fault-429-rate", "0.2", "--fault-drop-rate", "0.1", "--seed", "14")
SANDBOX_FLAGS = (
    "--rate-limit-per-minute",
    NO_RATE_LIMITS["POSTHOG_SANDBOX_RATE_LIMIT_PER_MINUTE"],
    "--rate-limit-per-hour",
    NO_RATE_LIMITS["POSTHOG_SANDBOX_RATE_LIMIT_PER_HOUR"],
    "--sync-seconds",
    "0.2",
)
# Schema (by name) and arguments per tool; each tool with an `id` works on its own schema.
KNOWN_ARGUMENTS: dict[str, tuple[str | None, dict[str, Any]]] = {
    "external-data-schemas-list": (None, {"limit": 5}),
    "external-data-sources-list": (None, {"limit": 3}),
    "external-data-schemas-health": (None, {}),
    "external-data-schemas-create": (None, {"name": "refunds"}),  # PostHog's own 403, every time
    "external-data-schemas-retrieve": ("orders", {}),
    "external-data-schemas-logs": ("users", {}),
    "external-data-schemas-partial-update": ("Charge", {"sync_frequency": "6hour"}),
    "external-data-schemas-delete-data": ("invoices", {}),
    "external-data-schemas-destroy": ("Discount", {}),
    "external-data-schemas-incremental-fields-create": ("line_items", {}),
    "external-data-schemas-reload": ("events", {}),
    "external-data-schemas-cancel": ("events", {}),  # 200 after a reload, else PostHog's own 400
    "external-data-schemas-resync": ("daily_revenue", {}),
}
UUID_IN_PATH = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def got_posthogs_answer(outcome: Outcome) -> bool:
    if outcome.result is None:
        return False
    if not outcome.is_error:
        return True
    status = outcome.error_meta().get("status")
    return isinstance(status, int) and 400 <= status < 500 and status != 429


@dataclass
class ToolRun:
    name: str
    arguments: dict[str, Any]
    baseline: list[tuple[str, str, str]]  # (method, path, query) of its fault-free call
    outcomes: list[Outcome] = field(default_factory=list[Outcome])
    requests: int = 0
    acted_posts_per_call: list[int] = field(default_factory=list[int])

    @property
    def posts(self) -> bool:
        return any(method == "POST" for method, _, _ in self.baseline)


@dataclass
class Matrix:
    runs: list[ToolRun]
    unattributed: Counter[str]


def schema_ids(sandbox: RunningSandbox) -> dict[str, str]:
    response = httpx2.get(
        f"{sandbox.url}/api/projects/1/external_data_schemas/?limit=100",
        headers={"Authorization": f"Bearer {demo.KEY_ALL}"},
    )
    response.raise_for_status()
    return {item["name"]: item["id"] for item in response.json()["results"]}


def arguments_for(name: str, required: list[str], ids: dict[str, str], taken: set[str]) -> dict[str, Any]:
    schema_name, arguments = KNOWN_ARGUMENTS.get(name, (None, {}))
    if schema_name is None and "id" in required:
        schema_name = next(candidate for candidate in ids if candidate not in taken)
    if schema_name is not None:
        taken.add(schema_name)
        arguments = {"id": ids[schema_name], **arguments}
    return arguments


def key_of(entry: dict[str, Any]) -> tuple[str, str, str]:
    return str(entry["method"]), str(entry["path"]), str(entry["query"])


@pytest.fixture(scope="module")
def matrix() -> Matrix:
    env = {"POSTHOG_PERSONAL_API_KEY": demo.KEY_ALL}
    runs: list[ToolRun] = []
    with sandbox_process(*SANDBOX_FLAGS) as clean, stdio_session({**env, "POSTHOG_HOST": clean.url}) as session:
        ids, taken = schema_ids(clean), set[str]()
        session.call("external-data-schemas-list", {"limit": 1})  # the server's first call also learns its scopes
        drain_requests(clean)
        for tool in session.tools():
            arguments = arguments_for(tool.name, list(tool.input_schema.get("required", [])), ids, taken)
            outcome = session.call(tool.name, arguments)
            assert got_posthogs_answer(outcome), f"{tool.name} {arguments} fails without faults: {outcome.wire_text}"
            runs.append(ToolRun(tool.name, arguments, [key_of(entry) for entry in drain_requests(clean)]))
    flags = (*FAULTS, "--retry-after-seconds", RETRY_AFTER, *SANDBOX_FLAGS)
    with sandbox_process(*flags) as faulty, stdio_session({**env, "POSTHOG_HOST": faulty.url}) as session:
        session.call("external-data-schemas-list", {"limit": 1})
        drain_requests(faulty)
        unattributed = run_idempotent_tools(session, faulty, [run for run in runs if not run.posts])
        for _ in range(POST_CALLS):
            for run in (run for run in runs if run.posts):
                run.outcomes.append(session.call(run.name, run.arguments))
                requests = drain_requests(faulty)
                run.requests += len(requests)
                run.acted_posts_per_call.append(
                    sum(entry["method"] == "POST" and entry["status"] != 429 for entry in requests)
                )
    return Matrix(runs, unattributed)


def run_idempotent_tools(session: StdioSession, sandbox: RunningSandbox, runs: list[ToolRun]) -> Counter[str]:
    # One queue of calls, interleaved across tools: a free worker takes the next, so a call that retries for
    # 20 s holds up one worker, not a fixed share of the run.
    calls = [run for _ in range(IDEMPOTENT_CALLS) for run in runs]
    with ThreadPoolExecutor(max_workers=len(runs) * WORKERS_PER_TOOL) as pool:
        for run, outcome in zip(calls, pool.map(lambda run: session.call(run.name, run.arguments), calls), strict=True):
            run.outcomes.append(outcome)
    owner = {key: run for run in runs for key in run.baseline}
    unattributed: Counter[str] = Counter()
    for entry in drain_requests(sandbox):
        run = owner.get(key_of(entry))
        if entry["path"] == "/api/personal_api_keys/@current/":
            continue  # the server's own look-up of its key's scopes, made whenever its cache expires
        if run is None:
            unattributed[f"{entry['method']} {UUID_IN_PATH.sub('{id}', str(entry['path']))}"] += 1
        else:
            run.requests += 1
    return unattributed


def test_idempotent_tools_get_posthogs_answer_in_99_percent_of_calls(matrix: Matrix) -> None:
    report(matrix)
    idempotent = [run for run in matrix.runs if not run.posts]
    assert len(idempotent) >= 5
    answered = sum(got_posthogs_answer(outcome) for run in idempotent for outcome in run.outcomes)
    calls = sum(len(run.outcomes) for run in idempotent)
    assert answered / calls >= 0.99, f"{answered}/{calls}"
    assert all(run.requests > len(run.outcomes) for run in idempotent)  # the faults fired and were retried


def test_no_post_is_acted_on_twice_in_one_call(matrix: Matrix) -> None:
    posting = [run for run in matrix.runs if run.posts]
    assert {"external-data-schemas-reload", "external-data-schemas-resync"} <= {run.name for run in posting}
    for run in posting:
        assert max(run.acted_posts_per_call) == 1, run.name  # the faults let some through, never twice
        faulted = sum(not got_posthogs_answer(outcome) for outcome in run.outcomes)
        assert faulted > 0, f"{run.name}: no fault surfaced in {len(run.outcomes)} calls: were faults on?"


def test_every_request_under_faults_belongs_to_a_tool(matrix: Matrix) -> None:
    assert matrix.unattributed == Counter(), "requests no tool made when fault-free"


def report(matrix: Matrix) -> None:
    """The table docs/reliability.md shows (printed with -s; RELIABILITY_MATRIX_REPORT=path writes JSON)."""
    rows: list[dict[str, Any]] = []
    for run in sorted(matrix.runs, key=lambda run: (run.posts, run.name)):
        calls = len(run.outcomes)
        rows.append(
            {
                "tool": run.name,
                "kind": "POST" if run.posts else "idempotent",
                "calls": calls,
                "posthogs_answer_pct": round(100 * sum(map(got_posthogs_answer, run.outcomes)) / calls, 1),
                "not_is_error_pct": round(100 * sum(not outcome.is_error for outcome in run.outcomes) / calls, 1),
                "requests_per_call": round(run.requests / calls / max(1, len(run.baseline)), 2),
                "duplicate_posts": sum(max(0, acted - 1) for acted in run.acted_posts_per_call),
                "faults_surfaced": dict(
                    Counter(
                        f"{outcome.error_meta().get('kind')} {outcome.error_meta().get('status')}"
                        for outcome in run.outcomes
                        if not got_posthogs_answer(outcome)
                    )
                ),
            }
        )
    print("\n" + "\n".join(json.dumps(row) for row in rows))
    if path := os.environ.get("RELIABILITY_MATRIX_REPORT"):
        with open(path, "w") as out:
            json.dump(rows, out, indent=2)
