"""What each tool accepts: strict pydantic models, one per tool shape.

Validation here is the boundary: nothing reaches the PostHog client until these models accept it, and the only
values that reach a URL are a canonical UUID and a positive integer or `@current` (see `posthog_client.paths`).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from ..posthog_client import SchemaCreate, SchemaUpdate
from .waiting import MAX_WAIT_SECONDS

_PROJECT_PATTERN = r"^(@current|[1-9][0-9]{0,17})$"


def _project_ref(value: Any) -> Any:
    """Accept 12, "12" and "@current" (null means the default); anything else is rejected before a path is built."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("must be a positive integer or '@current'")
    if isinstance(value, int):
        if value < 1:
            raise ValueError("must be a positive integer or '@current'")
        return value
    if isinstance(value, str) and re.fullmatch(_PROJECT_PATTERN, value):
        return value if value == "@current" else int(value)
    raise ValueError("must be a positive integer or '@current'")


ProjectId = Annotated[
    int | Literal["@current"] | None,
    BeforeValidator(_project_ref),
    # One type, no type array (single-type dialects such as Gemini's reject those): a string costs no more
    # tokens than the array did, and an anyOf of integer and "@current" 10 more per tool. Integers are still
    # accepted, so a client that sends 12 rather than "12" works too.
    # Optional everywhere; that it defaults to the server's project is said once, in the server instructions,
    # rather than in all thirteen tools (9 tokens each).
    WithJsonSchema({"type": "string"}),
]

SchemaId = UUID


class ToolArguments(BaseModel):
    """What every tool accepts: the project to act in (default: the server's)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    project_id: ProjectId = None


class ListArguments(ToolArguments):
    limit: int = Field(default=30, ge=1, le=100, description="Default 30.")
    offset: int = Field(default=0, ge=0, description="next_offset of the previous page.")
    # Not nullable (an empty string searches nothing): a nullable type costs 8 tokens more in tools/list.
    search: str = Field(default="", max_length=200, description="Matches table names.")


class SchemaArguments(ToolArguments):
    """For every tool that acts on one schema."""

    id: SchemaId


class ConfirmArguments(SchemaArguments):
    """For the tools that remove data (rows with a `confirmation`): `confirm` names the schema meant."""

    confirm: str | None = Field(default=None, max_length=400, description="The schema's name, to confirm.")


class WaitArguments(SchemaArguments):
    """For the tools that can wait for a sync to end (reload, resync, retrieve): see waiting.py."""

    # Explained in the tools' descriptions: a description here would cost tokens in three tools.
    wait_seconds: int = Field(default=0, ge=0, le=MAX_WAIT_SECONDS)


class ResyncArguments(ConfirmArguments, WaitArguments):
    pass


class PartialUpdateArguments(SchemaUpdate, SchemaArguments):
    """`id`/`project_id` plus the twelve writable fields; omitted fields are not sent, `null` is. `dry_run`
    sends nothing and previews the change's impact instead (change_impact.py)."""

    dry_run: bool = False  # explained in the tool's description

    def update(self) -> SchemaUpdate:
        changes = {name: getattr(self, name) for name in self.model_fields_set if name in SchemaUpdate.model_fields}
        return SchemaUpdate(**changes)


class CreateArguments(SchemaCreate, ToolArguments):
    def create(self) -> SchemaCreate:
        fields = {name: getattr(self, name) for name in self.model_fields_set if name in SchemaCreate.model_fields}
        return SchemaCreate(**fields)
