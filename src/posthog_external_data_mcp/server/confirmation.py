"""Consent before a tool removes data: the question, the policy, and how each protocol era asks.

A row with a `Confirmation` (destroy, delete-data, resync) sends its one request only with the policy's consent:

* off    — never asks.
* auto   — asks when the client can elicit; otherwise goes ahead (the client's own permission prompt is the guard).
* strict — refuses unless `confirm` echoes the schema's name (elicitation never stands in for it), then still asks
  when the client can elicit. Stricter than auto in every case, so a header can only move a request up.

A `confirm` naming another schema is refused under every policy: the agent meant a different table. Asking reads
the schema once (GET retrieve) to say what will be lost; a decline or a cancel sends nothing more. An answer is
consent, never authorisation: the key's scopes still decide what PostHog accepts.

2025-11-25 sessions are asked during the call (`elicit_form`). 2026-07-28 calls end with an input-required result;
the client retries with the answer and the request state, which `RequestStateBoundary` (see `state_keys.py`)
sealed and has verified before this module reads it. Each sealed question is answered at most once per process.
"""

from __future__ import annotations

import json
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mcp import types

from ..posthog_client import ExternalDataSchema, PostHogClient
from .arguments import ConfirmArguments
from .failures import Failure, echo
from .settings import CONFIRM_POLICIES, ConfirmPolicy
from .untrusted import clean

INPUT_KEY = "confirm"  # the one input request of a confirmation round
STATE_VERSION = 1
STATE_TTL_SECONDS = 600.0  # how long a question stays answerable (the boundary enforces it, too)
_NAME_CHARS = 120

Elicit = Callable[[str, dict[str, Any]], Awaitable[types.ElicitResult]]


def tighter(first: ConfirmPolicy, second: ConfirmPolicy) -> ConfirmPolicy:
    return first if CONFIRM_POLICIES.index(first) >= CONFIRM_POLICIES.index(second) else second


@dataclass(frozen=True)
class Confirmation:
    """What a data-removing tool takes away. `loss` may name `{table}` (the warehouse table and its rows)."""

    verb: str  # "Delete schema", "Delete the synced data of", "Resync"
    loss: str


class AnsweredQuestions:
    """Nonces of sealed questions already answered in this process: one yes allows one request."""

    def __init__(self, ttl: float = STATE_TTL_SECONDS, limit: int = 10_000) -> None:
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._ttl = ttl
        self._limit = limit

    def first_answer(self, nonce: str) -> bool:
        now = time.monotonic()
        while self._seen and (next(iter(self._seen.values())) < now or len(self._seen) >= self._limit):
            self._seen.popitem(last=False)
        if nonce in self._seen:
            return False
        self._seen[nonce] = now + self._ttl
        return True


@dataclass(frozen=True)
class Asking:
    """How this call can reach the person behind the client; app.py builds it from the request context."""

    policy: ConfirmPolicy = "auto"
    modern: bool = False  # 2026-07-28: ask with an input-required result; otherwise during the call
    can_elicit: bool = False
    elicit: Elicit | None = None  # 2025-11-25 sessions with a back channel
    answers: Mapping[str, types.ElicitResult] | None = None  # a 2026-07-28 retry's input responses
    state: str | None = None  # ... and its request state, already verified and unsealed
    answered: AnsweredQuestions = field(default_factory=AnsweredQuestions)


@dataclass(frozen=True)
class _Subject:
    """The schema as the question names it: every part cleaned (names come from the source)."""

    name: str
    where: str
    table: str

    @classmethod
    def of(cls, schema: ExternalDataSchema, project: object) -> _Subject:
        source = schema.source
        where = f"{clean(source.source_type, 40)} source {source.id}" if source else "its source"
        place = "the key's current project" if project == "@current" else f"project {project}"
        if schema.table is None:
            table = "no warehouse table (nothing imported yet)"
        else:
            rows = "an unknown number of" if schema.table.row_count is None else f"{schema.table.row_count:,}"
            table = f"warehouse table '{clean(schema.table.name, _NAME_CHARS)}' ({rows} rows)"
        return cls(name=clean(schema.name, _NAME_CHARS), where=f"{where}, {place}", table=table)


def _names(confirm: str, schema: ExternalDataSchema) -> bool:
    given = confirm.strip()
    return given in (schema.name, clean(schema.name, len(schema.name) + 1))


async def consent(
    confirmation: Confirmation,
    tool: str,
    args: ConfirmArguments,
    client: PostHogClient,
    asking: Asking,
) -> Failure | types.InputRequiredResult | None:
    """None: go ahead with the one request. A Failure: nothing more is sent. An input-required result: the call
    ends here and resumes when the client retries with the answer."""
    if asking.modern and asking.state is not None:
        return _resumed(tool, args, asking)
    asks = asking.can_elicit and asking.policy != "off"
    if args.confirm is None and (asking.policy == "off" or (asking.policy == "auto" and not asks)):
        return None
    schema = await client.retrieve_schema(args.id, project_id=args.project_id)
    subject = _Subject.of(schema, args.project_id or client.project_id)
    if args.confirm is not None and not _names(args.confirm, schema):
        return _mismatch(args.confirm, subject)
    if asking.policy == "strict" and args.confirm is None:
        return _required(confirmation, tool, subject)
    if not asks:
        return None
    message = _question(confirmation, subject)
    form = _form(confirmation, subject)
    if asking.modern:
        return _input_required(tool, args, message, form, subject)
    assert asking.elicit is not None
    try:
        answer = await asking.elicit(message, form)
    except Exception as exc:  # no back channel after all, or the client refused the request: fail safe
        return Failure(
            kind="confirmation_unavailable",
            message=f"Not done: the confirmation could not be shown ({echo(str(exc))}); nothing was changed.",
            hint="Retry once; if it fails again, ask the user to make this change in PostHog.",
        )
    return _decided(answer, subject.name)


def _question(confirmation: Confirmation, subject: _Subject) -> str:
    loss = confirmation.loss.format(table=subject.table)
    return f"{confirmation.verb} '{subject.name}' ({subject.where})? {loss} Nothing has been changed yet."


def _form(confirmation: Confirmation, subject: _Subject) -> dict[str, Any]:
    title = f"{confirmation.verb} '{subject.name}'"
    return {
        "type": "object",
        "properties": {INPUT_KEY: {"type": "boolean", "title": title, "description": "Tick to go ahead."}},
        "required": [INPUT_KEY],
    }


def _input_required(
    tool: str, args: ConfirmArguments, message: str, form: dict[str, Any], subject: _Subject
) -> types.InputRequiredResult:
    # Plaintext here; the boundary seals it on the way out, binds it to this call's arguments and caller, and
    # verifies it on the way back in.
    state = {
        "v": STATE_VERSION,
        "tool": tool,
        "schema": str(args.id),
        "name": subject.name,
        "nonce": secrets.token_hex(16),
    }
    request = types.ElicitRequest(params=types.ElicitRequestFormParams(message=message, requested_schema=form))
    return types.InputRequiredResult(input_requests={INPUT_KEY: request}, request_state=json.dumps(state))


def _resumed(tool: str, args: ConfirmArguments, asking: Asking) -> Failure | None:
    try:
        state = json.loads(asking.state or "")
    except ValueError:
        state = None
    if (
        not isinstance(state, dict)
        or state.get("v") != STATE_VERSION  # pyright: ignore[reportUnknownMemberType]
        or state.get("tool") != tool  # pyright: ignore[reportUnknownMemberType]
        or state.get("schema") != str(args.id)  # pyright: ignore[reportUnknownMemberType]
    ):
        return _stale("the answer does not belong to this call")
    fields: dict[str, Any] = state  # pyright: ignore[reportUnknownVariableType]
    if not asking.answered.first_answer(str(fields.get("nonce"))):
        return _stale("this confirmation was already used")
    answer = (asking.answers or {}).get(INPUT_KEY)
    name = str(fields.get("name", ""))
    if answer is None:
        answer = types.ElicitResult(action="cancel")
    return _decided(answer, name)


def _decided(answer: types.ElicitResult, name: str) -> Failure | None:
    if answer.action == "accept" and (answer.content or {}).get(INPUT_KEY) is True:
        return None
    if answer.action == "cancel":
        kind, said = "confirmation_cancelled", "dismissed the confirmation"
    else:  # a decline, or an accept without the box ticked
        kind, said = "confirmation_declined", "declined"
    return Failure(
        kind=kind,
        message=f"Not done: the user {said} for '{name}'. Nothing was changed (the schema was only read, to ask).",
        hint="Do not repeat this call unless the user asks for it again.",
    )


def _required(confirmation: Confirmation, tool: str, subject: _Subject) -> Failure:
    loss = confirmation.loss.format(table=subject.table)
    return Failure(
        kind="confirmation_required",
        message=(
            f"Not done: this server requires destructive calls to name their target. {confirmation.verb} "
            f"'{subject.name}' ({subject.where}): {loss} Nothing was changed."
        ),
        hint=f"If the user wants exactly this, call {tool} again with the same arguments and confirm set to the "
        "schema's name.",
        attr="confirm",
    )


def _mismatch(confirm: str, subject: _Subject) -> Failure:
    return Failure(
        kind="confirmation_mismatch",
        message=(
            f"Not done: confirm={echo(confirm)!r} does not name this schema, which is '{subject.name}' "
            f"({subject.where}). Nothing was changed."
        ),
        hint="Check the id with list or retrieve, then pass confirm exactly as that schema's name.",
        attr="confirm",
    )


def _stale(why: str) -> Failure:
    return Failure(
        kind="confirmation_invalid",
        message=f"Not done: {why}; nothing was changed.",
        hint="Call the tool again without input responses to be asked afresh.",
    )
