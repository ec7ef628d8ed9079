"""Destroy, delete-data and resync run only with the confirmation policy's consent — in both protocol eras, through
the SDK's own client (in-memory) against the sandbox, whose request log shows exactly what reached "PostHog".

The question names the schema, its source and project, the warehouse table and its rows; accept sends the one
request; decline, cancel, a missing or wrong `confirm` under strict send nothing but the one GET that named it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from mcp import Client, types
from mcp.shared.exceptions import MCPError

from posthog_external_data_mcp.sandbox import demo
from posthog_external_data_mcp.server.arguments import ConfirmArguments
from posthog_external_data_mcp.server.failures import ERROR_META_KEY
from posthog_external_data_mcp.server.settings import Settings
from posthog_external_data_mcp.server.tools import TOOLS
from posthog_external_data_mcp.wiring import server_for
from tests.support.processes import RunningSandbox

pytestmark = pytest.mark.anyio

ORDERS = demo.POSTGRES_ORDERS_ID
ORDERS_PATH = f"/api/projects/@current/external_data_schemas/{ORDERS}/"
# Each destructive tool, and the request it sends once consent is given.
DESTRUCTIVE = {
    "external-data-schemas-destroy": ("DELETE", ORDERS_PATH),
    "external-data-schemas-delete-data": ("DELETE", f"{ORDERS_PATH}delete_data/"),
    "external-data-schemas-resync": ("POST", f"{ORDERS_PATH}resync/"),
}
ERAS = ["legacy", "auto"]  # 2025-11-25 (elicitation during the call) and 2026-07-28 (input-required result)
READ = ("GET", ORDERS_PATH)

Answer = Callable[[str, dict[str, Any]], types.ElicitResult]


class Person:
    """The human behind the client: answers every confirmation the same way and remembers what was asked."""

    def __init__(self, action: str, ticked: bool = True) -> None:
        self.action = action
        self.ticked = ticked
        self.questions: list[str] = []
        self.forms: list[dict[str, Any]] = []

    async def __call__(self, context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        assert isinstance(params, types.ElicitRequestFormParams)
        self.questions.append(params.message)
        self.forms.append(params.requested_schema)
        content = {"confirm": self.ticked} if self.action == "accept" else None
        return types.ElicitResult(action=self.action, content=content)  # type: ignore[arg-type]


@pytest.fixture
def open_client(sandbox: RunningSandbox) -> Callable[..., Any]:
    @asynccontextmanager
    async def open_(mode: str, person: Person | None = None, **settings: Any) -> AsyncIterator[Client]:
        options: dict[str, Any] = {"api_key": demo.KEY_ALL, "posthog_host": sandbox.url, **settings}
        async with Client(server_for(Settings(**options)), mode=mode, elicitation_callback=person) as client:  # type: ignore[arg-type]
            yield client

    return open_


def sent(sandbox: RunningSandbox) -> list[tuple[str, str]]:
    return [(str(entry["method"]), str(entry["path"])) for entry in sandbox.requests()]


def failure_kind(result: types.CallToolResult) -> str:
    assert result.is_error, result.content
    return str((result.meta or {})[ERROR_META_KEY]["kind"])


def text_of(result: types.CallToolResult) -> str:
    block = result.content[0]
    assert isinstance(block, types.TextContent)
    return block.text


@pytest.mark.parametrize("mode", ERAS)
@pytest.mark.parametrize("tool", list(DESTRUCTIVE))
async def test_an_accepted_confirmation_sends_the_one_request(
    open_client: Any, sandbox: RunningSandbox, mode: str, tool: str
) -> None:
    person = Person("accept")
    async with open_client(mode, person) as client:
        result = await client.call_tool(tool, {"id": ORDERS})
    assert not result.is_error, text_of(result)
    assert sent(sandbox) == [READ, DESTRUCTIVE[tool]]
    (question,) = person.questions
    # What is at stake, named from the schema as PostHog has it now.
    for fact in ("'orders'", "Postgres source", demo.POSTGRES_SOURCE_ID, "current project"):
        assert fact in question, question
    assert "'prod_postgres_orders' (1,284,113 rows)" in question
    assert person.forms[0]["required"] == ["confirm"]


@pytest.mark.parametrize("mode", ERAS)
@pytest.mark.parametrize(
    ("tool", "lost"),
    [
        ("external-data-schemas-destroy", "deletes the schema, its sync settings and warehouse table"),
        ("external-data-schemas-delete-data", "deletes warehouse table"),
        (
            "external-data-schemas-resync",
            "wipes warehouse table 'prod_postgres_orders' (1,284,113 rows) and re-imports",
        ),
    ],
)
async def test_the_question_says_what_is_lost_and_a_decline_sends_nothing_more(
    open_client: Any, sandbox: RunningSandbox, mode: str, tool: str, lost: str
) -> None:
    person = Person("decline")
    async with open_client(mode, person) as client:
        result = await client.call_tool(tool, {"id": ORDERS})
    assert lost in person.questions[0]
    assert failure_kind(result) == "confirmation_declined"
    assert "Nothing was changed" in text_of(result) and "'orders'" in text_of(result)
    assert sent(sandbox) == [READ]


@pytest.mark.parametrize("mode", ERAS)
async def test_a_cancelled_or_unticked_confirmation_sends_nothing_more(
    open_client: Any, sandbox: RunningSandbox, mode: str
) -> None:
    async with open_client(mode, Person("cancel")) as client:
        cancelled = await client.call_tool("external-data-schemas-destroy", {"id": ORDERS})
    async with open_client(mode, Person("accept", ticked=False)) as client:
        unticked = await client.call_tool("external-data-schemas-destroy", {"id": ORDERS})
    assert failure_kind(cancelled) == "confirmation_cancelled"
    assert failure_kind(unticked) == "confirmation_declined"
    assert sent(sandbox) == [READ, READ]


@pytest.mark.parametrize("mode", ERAS)
async def test_auto_without_elicitation_proceeds_with_no_extra_request(
    open_client: Any, sandbox: RunningSandbox, mode: str
) -> None:
    async with open_client(mode) as client:
        result = await client.call_tool("external-data-schemas-delete-data", {"id": ORDERS})
        described = {tool.name: tool.description for tool in (await client.list_tools()).tools}
    assert not result.is_error
    assert sent(sandbox) == [DESTRUCTIVE["external-data-schemas-delete-data"]]
    # The description says what guards the call when nobody is asked.
    assert "the client's approval prompt is the guard" in (described["external-data-schemas-delete-data"] or "")


@pytest.mark.parametrize("mode", ERAS)
async def test_strict_refuses_without_the_schemas_name_and_never_elicits_around_it(
    open_client: Any, sandbox: RunningSandbox, mode: str
) -> None:
    person = Person("accept")
    async with open_client(mode, person, confirm_destructive="strict") as client:
        missing = await client.call_tool("external-data-schemas-destroy", {"id": ORDERS})
        wrong = await client.call_tool("external-data-schemas-destroy", {"id": ORDERS, "confirm": "users"})
        assert sent(sandbox) == [READ, READ] and person.questions == []
        named = await client.call_tool("external-data-schemas-destroy", {"id": ORDERS, "confirm": "orders"})
    assert failure_kind(missing) == "confirmation_required"
    assert "1,284,113 rows" in text_of(missing)
    assert failure_kind(wrong) == "confirmation_mismatch" and "'users'" in text_of(wrong)
    # With the name given, an eliciting client's user is still asked.
    assert not named.is_error and len(person.questions) == 1
    assert sent(sandbox) == [READ, READ, READ, DESTRUCTIVE["external-data-schemas-destroy"]]


@pytest.mark.parametrize("mode", ERAS)
async def test_strict_without_elicitation_runs_once_the_name_is_echoed(
    open_client: Any, sandbox: RunningSandbox, mode: str
) -> None:
    async with open_client(mode, confirm_destructive="strict") as client:
        refused = await client.call_tool("external-data-schemas-resync", {"id": ORDERS})
        named = await client.call_tool("external-data-schemas-resync", {"id": ORDERS, "confirm": "orders"})
        described = {tool.name: tool.description for tool in (await client.list_tools()).tools}
    assert failure_kind(refused) == "confirmation_required"
    assert not named.is_error
    assert sent(sandbox) == [READ, READ, DESTRUCTIVE["external-data-schemas-resync"]]
    assert "Refused unless confirm is the schema's name" in (described["external-data-schemas-resync"] or "")


@pytest.mark.parametrize("mode", ERAS)
async def test_off_never_asks(open_client: Any, sandbox: RunningSandbox, mode: str) -> None:
    person = Person("decline")
    async with open_client(mode, person, confirm_destructive="off") as client:
        result = await client.call_tool("external-data-schemas-destroy", {"id": ORDERS})
    assert not result.is_error and person.questions == []
    assert sent(sandbox) == [DESTRUCTIVE["external-data-schemas-destroy"]]


@pytest.mark.parametrize("policy", ["off", "auto"])
async def test_a_confirm_naming_another_schema_is_refused_under_every_policy(
    open_client: Any, sandbox: RunningSandbox, policy: str
) -> None:
    async with open_client("auto", confirm_destructive=policy) as client:
        result = await client.call_tool("external-data-schemas-destroy", {"id": ORDERS, "confirm": "users"})
    assert failure_kind(result) == "confirmation_mismatch"
    assert sent(sandbox) == [READ]


async def test_a_schema_that_does_not_exist_is_reported_before_anyone_is_asked(
    open_client: Any, sandbox: RunningSandbox
) -> None:
    person = Person("accept")
    missing = "0193f0c1-5c4e-7000-8000-00000000dead"
    async with open_client("auto", person) as client:
        result = await client.call_tool("external-data-schemas-destroy", {"id": missing})
    assert failure_kind(result) == "not_found" and person.questions == []
    assert [method for method, _ in sent(sandbox)] == ["GET"]


async def test_other_tools_are_never_confirmed(open_client: Any, sandbox: RunningSandbox) -> None:
    person = Person("decline")
    async with open_client("auto", person, confirm_destructive="strict") as client:
        reloaded = await client.call_tool("external-data-schemas-reload", {"id": ORDERS})
        tools = {tool.name: tool.input_schema for tool in (await client.list_tools()).tools}
    assert not reloaded.is_error and person.questions == []
    # `confirm` exists only on the tools that remove data.
    assert {name for name, schema in tools.items() if "confirm" in schema.get("properties", {})} == set(DESTRUCTIVE)


# --- 2026-07-28: the input-required round trip, driven by hand -------------------------------------------------

ACCEPT = {"confirm": types.ElicitResult(action="accept", content={"confirm": True})}


async def first_round(client: Client, tool: str = "external-data-schemas-destroy") -> types.InputRequiredResult:
    result = await client.session.call_tool(tool, {"id": ORDERS}, allow_input_required=True)
    assert isinstance(result, types.InputRequiredResult)
    return result


async def test_the_request_state_is_sealed_and_one_answer_allows_one_request(
    open_client: Any, sandbox: RunningSandbox
) -> None:
    async with open_client("auto", Person("accept")) as client:
        asked = await first_round(client)
        assert asked.request_state is not None and asked.request_state.startswith("v1.")
        assert "orders" not in asked.request_state  # encrypted, not merely signed
        done = await client.call_tool(
            "external-data-schemas-destroy", {"id": ORDERS}, input_responses=ACCEPT, request_state=asked.request_state
        )
        replayed = await client.call_tool(
            "external-data-schemas-destroy", {"id": ORDERS}, input_responses=ACCEPT, request_state=asked.request_state
        )
    assert not done.is_error
    assert failure_kind(replayed) == "confirmation_invalid"
    assert sent(sandbox) == [READ, DESTRUCTIVE["external-data-schemas-destroy"]]


async def test_answers_without_a_sealed_state_are_asked_again(open_client: Any, sandbox: RunningSandbox) -> None:
    async with open_client("auto", Person("accept")) as client:
        forged = await client.session.call_tool(
            "external-data-schemas-destroy", {"id": ORDERS}, allow_input_required=True, input_responses=ACCEPT
        )
    assert isinstance(forged, types.InputRequiredResult)
    assert sent(sandbox) == [READ]


async def test_a_tampered_or_rebound_state_is_refused_before_the_tool_runs(
    open_client: Any, sandbox: RunningSandbox
) -> None:
    async with open_client("auto", Person("accept")) as client:
        asked = await first_round(client)
        state = asked.request_state
        assert state is not None
        tampered = state[:-4] + ("AAAA" if not state.endswith("AAAA") else "BBBB")
        with pytest.raises(MCPError, match="Invalid or expired requestState"):
            await client.call_tool(
                "external-data-schemas-destroy", {"id": ORDERS}, input_responses=ACCEPT, request_state=tampered
            )
        # The state is bound to its tool and arguments: it cannot confirm another schema, or another tool.
        with pytest.raises(MCPError, match="Invalid or expired requestState"):
            await client.call_tool(
                "external-data-schemas-destroy",
                {"id": demo.POSTGRES_USERS_ID},
                input_responses=ACCEPT,
                request_state=state,
            )
        with pytest.raises(MCPError, match="Invalid or expired requestState"):
            await client.call_tool(
                "external-data-schemas-resync", {"id": ORDERS}, input_responses=ACCEPT, request_state=state
            )
    assert sent(sandbox) == [READ]


async def test_a_state_sealed_for_one_key_is_refused_for_another(open_client: Any, sandbox: RunningSandbox) -> None:
    keys = "k" * 64
    async with open_client("auto", Person("accept"), state_keys=(keys,)) as client:
        asked = await first_round(client)
    async with open_client("auto", Person("accept"), state_keys=(keys,), api_key=demo.KEY_WRITE) as other:
        with pytest.raises(MCPError, match="Invalid or expired requestState"):
            await other.call_tool(
                "external-data-schemas-destroy",
                {"id": ORDERS},
                input_responses=ACCEPT,
                request_state=asked.request_state,
            )
    async with open_client("auto", Person("accept"), state_keys=(keys,)) as same_key_elsewhere:
        done = await same_key_elsewhere.call_tool(
            "external-data-schemas-destroy", {"id": ORDERS}, input_responses=ACCEPT, request_state=asked.request_state
        )
    assert not done.is_error
    assert sent(sandbox) == [READ, DESTRUCTIVE["external-data-schemas-destroy"]]


async def test_a_second_process_without_the_keys_refuses_the_answer(open_client: Any, sandbox: RunningSandbox) -> None:
    async with open_client("auto", Person("accept")) as client:
        asked = await first_round(client)
    async with open_client("auto", Person("accept")) as restarted:  # its own ephemeral key
        with pytest.raises(MCPError, match="Invalid or expired requestState"):
            await restarted.call_tool(
                "external-data-schemas-destroy",
                {"id": ORDERS},
                input_responses=ACCEPT,
                request_state=asked.request_state,
            )
    assert sent(sandbox) == [READ]


async def test_the_input_request_asks_for_one_boolean(open_client: Any) -> None:
    async with open_client("auto", Person("accept")) as client:
        asked = await first_round(client, "external-data-schemas-resync")
    assert asked.input_requests is not None
    (request,) = asked.input_requests.values()
    assert isinstance(request, types.ElicitRequest)
    params = request.params
    assert isinstance(params, types.ElicitRequestFormParams)
    assert json.dumps(params.requested_schema["properties"]["confirm"]["type"]) == '"boolean"'
    assert params.message.startswith("Resync 'orders'")


def test_every_tool_that_removes_data_is_confirmed_by_the_generic_runner() -> None:
    """A future tool that removes data gets the same guard by saying so in its row: destructive rows carry a
    confirmation (what they remove) and take ConfirmArguments; no other row does."""
    for row in TOOLS:
        assert (row.confirmation is not None) == row.destructive, row.name
        assert issubclass(row.arguments, ConfirmArguments) == row.destructive, row.name
        if row.confirmation is not None:
            assert "{table}" in row.confirmation.loss, row.name
