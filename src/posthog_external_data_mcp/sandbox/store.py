"""The sandbox's in-memory state: one per app, guarded by a lock."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from .models import Job, Organization, PersonalApiKey, Schema, Source, Team, User


@dataclass
class SandboxState:
    organizations: dict[str, Organization]
    teams: dict[int, Team]
    user: User
    keys: dict[str, PersonalApiKey]
    """By raw key value."""
    sources: dict[str, Source]
    schemas: dict[str, Schema]
    jobs: list[Job] = field(default_factory=lambda: [])
    temporal_available: bool = True
    """When False, triggering a sync fails like a Temporal RPC error."""

    def latest_job(self, schema_id: str) -> Job | None:
        for job in reversed(self.jobs):
            if job.schema_id == schema_id:
                return job
        return None

    def team_schemas(self, team_id: int) -> list[Schema]:
        return [schema for schema in self.schemas.values() if schema.team_id == team_id and not schema.deleted]

    def billing_limit_reached(self, team_id: int) -> bool:
        """PostHog's ``is_any_external_data_schema_paused``: any live schema of the team has status Paused."""
        return any(schema.status == "Paused" for schema in self.team_schemas(team_id))


class Store:
    """Holds the state and the lock every request takes while it reads or changes it."""

    def __init__(self, build: Callable[[datetime], SandboxState], now: datetime) -> None:
        self._build = build
        # Handlers never await while holding the lock, so a plain lock serialises them across threads and loops.
        self.lock = threading.RLock()
        self.state = build(now)

    def reset(self, now: datetime) -> None:
        with self.lock:
            self.state = self._build(now)
