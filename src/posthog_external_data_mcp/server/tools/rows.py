"""What a tool is: one row holding everything about it. The generic runner (`runner.py`) reads rows and never
knows one tool from another; adding a tool is one row (plus, for a new endpoint, one client method)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel

from ...posthog_client import PostHogClient, Scope
from .. import results
from ..arguments import ToolArguments
from ..confirmation import Asking, Confirmation
from ..failures import Failure
from ..tool_names import ToolName
from ..waiting import Clock

ArgumentsT = TypeVar("ArgumentsT", bound=ToolArguments)


class ReportProgress(Protocol):
    """Sends a progress notification when the caller asked for them; a no-op otherwise."""

    def __call__(self, progress: float, total: float | None = None, message: str | None = None) -> Awaitable[None]: ...


async def no_progress(progress: float, total: float | None = None, message: str | None = None) -> None:
    """For calls made without a client session (tests, the `call` command's one-shot mode)."""


@dataclass(frozen=True)
class ToolCall:
    """What a handler gets besides its arguments: the caller's PostHog client and the call's way back."""

    client: PostHogClient
    report_progress: ReportProgress = no_progress
    # How the runner may ask the person behind the client before a row with a confirmation runs.
    asking: Asking = field(default_factory=Asking)
    # Time as the waiting loop reads it (waiting.py); tests pass a fake clock.
    clock: Clock = field(default_factory=Clock)


@dataclass(frozen=True)
class Output:
    headline: str
    result: BaseModel
    # Renders the structured content (as sent) into the text block, below the headline.
    render: Callable[[dict[str, Any]], str] = results.json_text


@dataclass(frozen=True)
class ToolRow(Generic[ArgumentsT]):
    name: ToolName
    title: str
    description: str
    scope: Scope
    read_only: bool
    destructive: bool
    idempotent: bool
    arguments: type[ArgumentsT]
    output: type[BaseModel] | None
    run: Callable[[ToolCall, ArgumentsT], Awaitable[Output]]
    # How many levels of objects the output schema types (list items need two: the page and its items).
    output_depth: int = 1
    # A refusal that needs no request (arguments that are valid one by one but ask for nothing, say).
    precheck: Callable[[ArgumentsT], Failure | None] | None = None
    # Status code → how to fix it, where this tool knows better than the generic advice.
    hints: Mapping[int, str] = field(default_factory=dict[int, str])
    # What the tool removes, for tools that remove data: the runner asks before the request (confirmation.py);
    # such rows take ConfirmArguments.
    confirmation: Confirmation | None = None
