"""The sandbox's in-memory state: one per app, guarded by a lock."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from .models import Job, LogEntry, Organization, PersonalApiKey, Schema, Source, Team, User

MAX_LOG_ENTRIES_PER_SCHEMA = 2000
"""Older lines are dropped first (PostHog keeps them for a TTL; a client reads at most 500 at a time)."""


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
    """Every job, oldest first. Add jobs with :meth:`add_job` so the per-schema index stays right."""
    logs: dict[str, list[LogEntry]] = field(default_factory=lambda: {})
    """Log lines by schema id, in the order they were written."""
    temporal_available: bool = True
    """When False, triggering a sync fails like a Temporal RPC error."""
    _jobs_by_schema: dict[str, list[Job]] = field(default_factory=lambda: {}, repr=False)
    _running: dict[str, Job] = field(default_factory=lambda: {}, repr=False)

    def __post_init__(self) -> None:
        for job in self.jobs:
            self._index(job)

    def add_job(self, job: Job) -> None:
        self.jobs.append(job)
        self._index(job)

    def _index(self, job: Job) -> None:
        self._jobs_by_schema.setdefault(job.schema_id, []).append(job)
        if job.status == "Running":
            self._running[job.id] = job

    def running_jobs(self) -> list[Job]:
        """Jobs still Running (the index forgets the others as it meets them)."""
        for job_id in [job_id for job_id, job in self._running.items() if job.status != "Running"]:
            del self._running[job_id]
        return list(self._running.values())

    def schema_jobs(self, schema_id: str) -> list[Job]:
        """The schema's jobs, oldest first."""
        return list(self._jobs_by_schema.get(schema_id, []))

    def latest_job(self, schema_id: str) -> Job | None:
        jobs = self._jobs_by_schema.get(schema_id)
        return jobs[-1] if jobs else None

    def write_logs(self, schema_id: str, entries: Iterable[LogEntry]) -> None:
        lines = self.logs.setdefault(schema_id, [])
        lines.extend(entries)
        if len(lines) > MAX_LOG_ENTRIES_PER_SCHEMA:
            del lines[: len(lines) - MAX_LOG_ENTRIES_PER_SCHEMA]

    def team_schemas(self, team_id: int) -> list[Schema]:
        return [schema for schema in self.schemas.values() if schema.team_id == team_id and not schema.deleted]

    def source_schemas(self, source_id: str) -> list[Schema]:
        return [schema for schema in self.schemas.values() if schema.source_id == source_id and not schema.deleted]

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
