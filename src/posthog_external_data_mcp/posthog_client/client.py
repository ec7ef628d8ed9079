"""The PostHog client: one method per documented action of the External Data Schemas API.

One `httpx2.AsyncClient` is shared per process (connection reuse); `bind()` makes a cheap per-call view carrying
the caller's key and default project, so concurrent callers with different keys never share credentials.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from uuid import UUID

import anyio
import httpx2
from pydantic import BaseModel

from .. import __version__
from .errors import (
    APIStatusError,
    MissingApiKeyError,
    PostHogConnectionError,
    PostHogError,
    PostHogTimeoutError,
    clean_text,
    error_from_response,
)
from .models import (
    ExternalDataSchema,
    IncrementalFields,
    LogPage,
    PersonalApiKey,
    SchemaCreate,
    SchemaPage,
    SchemaUpdate,
)
from .paths import CURRENT_PERSONAL_API_KEY_PATH, ProjectRef, Route, SchemaAction, schemas_path, sources_path
from .retry import RetryPolicy, may_retry_status, may_retry_transport_failure
from .sources import SourcePage

USER_AGENT = f"posthog-external-data-mcp/{__version__}"
DEFAULT_TIMEOUT = httpx2.Timeout(30.0, connect=5.0)

_ModelT = TypeVar("_ModelT", bound=BaseModel)
ALREADY_DELETED = (
    "Already deleted: PostHog found no such schema when this call repeated a delete whose first answer was "
    "lost, so that first attempt most likely deleted it. It is gone either way."
)
# Answers after which PostHog may still have acted on the request (a 503 or 429 means it was turned away).
_MAYBE_ACTED_ON = frozenset({500, 502, 504})
# Failures in these phases happen before any byte of the request reached PostHog.
_NOT_SENT = (httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.PoolTimeout, httpx2.UnsupportedProtocol)


@dataclass(frozen=True)
class Exchange:
    """What one call cost upstream: for logs, never shown with secrets."""

    method: str
    path: str
    status: int | None
    attempts: int
    request_id: str | None


@dataclass(frozen=True)
class ActionOutcome:
    """The answer of an action that has no object to return (PostHog sends 200/204 with an empty body)."""

    status: int
    detail: str | None = None


def create_http_client(
    *, timeout: httpx2.Timeout = DEFAULT_TIMEOUT, transport: httpx2.AsyncBaseTransport | None = None
) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(
        timeout=timeout,
        transport=transport,
        headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        follow_redirects=False,  # a redirect would carry the key to wherever PostHog points; refuse instead
        limits=httpx2.Limits(max_connections=100, max_keepalive_connections=20),
    )


@dataclass
class PostHogClient:
    http: httpx2.AsyncClient
    base_url: str
    api_key: str | None = field(default=None, repr=False)
    route: Route = "projects"
    project_id: ProjectRef = "@current"
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], Awaitable[None]] = anyio.sleep
    clock: Callable[[], float] = time.monotonic
    rng: random.Random = field(default_factory=random.Random)
    exchanges: list[Exchange] = field(default_factory=list[Exchange])

    def bind(self, *, api_key: str | None, project_id: ProjectRef | None = None) -> PostHogClient:
        """A view for one call: same connection pool, the caller's key (never inherited: `None` means no key),
        its default project, and its own exchange log."""
        return PostHogClient(
            http=self.http,
            base_url=self.base_url,
            api_key=api_key,
            route=self.route,
            project_id=self.project_id if project_id is None else project_id,
            retry=self.retry,
            sleep=self.sleep,
            clock=self.clock,
            rng=self.rng,
        )

    # -- the documented actions ------------------------------------------------------------------------------

    async def list_schemas(
        self,
        *,
        limit: int | None = None,
        offset: int | None = None,
        search: str | None = None,
        project_id: ProjectRef | None = None,
    ) -> SchemaPage:
        params = _page_params(limit, offset, search)
        response = await self._send("GET", self._path(project_id), params=params)
        return _parse(SchemaPage, response)

    async def retrieve_schema(self, schema_id: UUID, *, project_id: ProjectRef | None = None) -> ExternalDataSchema:
        response = await self._send("GET", self._path(project_id, schema_id))
        return _parse(ExternalDataSchema, response)

    async def update_schema(
        self, schema_id: UUID, update: SchemaUpdate, *, project_id: ProjectRef | None = None
    ) -> ExternalDataSchema:
        response = await self._send("PATCH", self._path(project_id, schema_id), json=update.to_body())
        return _parse(ExternalDataSchema, response)

    async def incremental_fields(self, schema_id: UUID, *, project_id: ProjectRef | None = None) -> IncrementalFields:
        # PostHog ignores any body here; none is sent.
        response = await self._send("POST", self._path(project_id, schema_id, "incremental_fields"))
        return _parse(IncrementalFields, response)

    async def schema_logs(
        self,
        schema_id: UUID,
        *,
        level: str | None = None,
        limit: int | None = None,
        search: str | None = None,
        before: str | None = None,
        after: str | None = None,
        instance_id: str | None = None,
        project_id: ProjectRef | None = None,
    ) -> LogPage:
        """A schema's sync log lines, newest first. `level` is PostHog's comma list of levels (`WARNING,ERROR`)."""
        given = {"level": level, "limit": limit, "search": search, "before": before, "after": after}
        params: dict[str, str | int] = {key: value for key, value in given.items() if value is not None}
        if instance_id:
            params["instance_id"] = instance_id
        response = await self._send("GET", self._path(project_id, schema_id, "logs"), params=params)
        return _parse(LogPage, response)

    async def reload(self, schema_id: UUID, *, project_id: ProjectRef | None = None) -> ActionOutcome:
        return _outcome(await self._send("POST", self._path(project_id, schema_id, "reload")))

    async def resync(self, schema_id: UUID, *, project_id: ProjectRef | None = None) -> ActionOutcome:
        return _outcome(await self._send("POST", self._path(project_id, schema_id, "resync")))

    async def cancel(self, schema_id: UUID, *, project_id: ProjectRef | None = None) -> ActionOutcome:
        return _outcome(await self._send("POST", self._path(project_id, schema_id, "cancel")))

    async def delete_data(self, schema_id: UUID, *, project_id: ProjectRef | None = None) -> ActionOutcome:
        return _outcome(await self._send("DELETE", self._path(project_id, schema_id, "delete_data")))

    async def destroy(self, schema_id: UUID, *, project_id: ProjectRef | None = None) -> ActionOutcome:
        response = await self._send("DELETE", self._path(project_id, schema_id), gone_is_done=True)
        if response.status_code == 404:  # only on a repeat after an unanswered attempt, see _send
            return ActionOutcome(status=404, detail=ALREADY_DELETED)
        return _outcome(response)

    async def create_schema(self, create: SchemaCreate, *, project_id: ProjectRef | None = None) -> ExternalDataSchema:
        response = await self._send("POST", self._path(project_id), json=create.to_body())
        return _parse(ExternalDataSchema, response)

    async def list_sources(
        self,
        *,
        limit: int | None = None,
        offset: int | None = None,
        search: str | None = None,
        project_id: ProjectRef | None = None,
    ) -> SourcePage:
        """Warehouse sources, newest first, each with all its schemas; `search` matches source type and prefix."""
        params = _page_params(limit, offset, search)
        project = self.project_id if project_id is None else project_id
        response = await self._send("GET", sources_path(self.route, project), params=params)
        return _parse(SourcePage, response)

    async def current_personal_api_key(self) -> PersonalApiKey:
        return _parse(PersonalApiKey, await self._send("GET", CURRENT_PERSONAL_API_KEY_PATH))

    # -- transport -------------------------------------------------------------------------------------------

    def _path(
        self, project_id: ProjectRef | None, schema_id: UUID | None = None, action: SchemaAction | None = None
    ) -> str:
        return schemas_path(self.route, self.project_id if project_id is None else project_id, schema_id, action)

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str | int] | None = None,
        json: dict[str, Any] | None = None,
        gone_is_done: bool = False,
    ) -> httpx2.Response:
        """One call: the request, repeated as `retry` allows within its time budget. With `gone_is_done` (a
        destroy), a 404 on a repeat after an attempt that may have been acted on is returned as the answer."""
        if not self.api_key:
            raise MissingApiKeyError("no PostHog personal API key")
        deadline = self.clock() + self.retry.total_timeout
        attempt = server_errors = 0
        # Whether an earlier attempt may have been acted on: it left and its answer was lost, or PostHog failed
        # while handling it (500, 502, 504).
        maybe_applied = False
        while True:
            attempt += 1
            request = self.http.build_request(
                method,
                self.base_url + path,
                params=params,
                json=json,
                headers={"Authorization": f"Bearer {self.api_key}"},
                timeout=_bounded(self.http.timeout, deadline - self.clock()),
            )
            failure: PostHogError
            try:
                response = await self.http.send(request)
            except httpx2.TransportError as exc:
                sent = not isinstance(exc, _NOT_SENT)
                self.exchanges.append(Exchange(method, path, None, attempt, None))
                failure_class = (
                    PostHogTimeoutError if isinstance(exc, httpx2.TimeoutException) else PostHogConnectionError
                )
                # The exception text names the failure class, never the headers.
                failure = failure_class(_describe_transport_failure(exc), sent=sent or maybe_applied, attempts=attempt)
                maybe_applied = maybe_applied or sent
                if attempt > self.retry.max_retries or not may_retry_transport_failure(method, sent=sent):
                    raise failure from None
                wait: float | None = self.retry.backoff(attempt - 1, self.rng)
            else:
                self.exchanges.append(
                    Exchange(method, path, response.status_code, attempt, response.headers.get("x-request-id"))
                )
                if response.is_success or (gone_is_done and maybe_applied and response.status_code == 404):
                    return response
                error = failure = error_from_response(response, attempts=attempt)
                server_errors += response.status_code == 500
                maybe_applied = maybe_applied or response.status_code in _MAYBE_ACTED_ON
                if (
                    attempt > self.retry.max_retries
                    or server_errors > self.retry.max_server_error_retries
                    or not may_retry_status(method, response.status_code)
                ):
                    raise error
                wait = self._wait_before_retry(error, attempt)
            if wait is None or wait >= deadline - self.clock():
                raise failure  # waiting would overrun the call's budget: report what happened instead
            await self.sleep(wait)

    def _wait_before_retry(self, error: APIStatusError, attempt: int) -> float | None:
        if error.retry_after is not None:
            return error.retry_after if error.retry_after <= self.retry.max_retry_after else None
        return self.retry.backoff(attempt - 1, self.rng)


def _page_params(limit: int | None, offset: int | None, search: str | None) -> dict[str, str | int]:
    """PostHog's LimitOffset paging and SearchFilter parameters, only those given (blank search = none)."""
    params: dict[str, str | int] = {}
    if limit is not None:
        params["limit"] = limit
    if offset is not None:
        params["offset"] = offset
    if search:
        params["search"] = search
    return params


def _bounded(timeout: httpx2.Timeout, remaining: float) -> httpx2.Timeout:
    def cap(value: float | None) -> float:
        return remaining if value is None else min(value, remaining)

    return httpx2.Timeout(
        connect=cap(timeout.connect), read=cap(timeout.read), write=cap(timeout.write), pool=cap(timeout.pool)
    )


def _describe_transport_failure(exc: httpx2.TransportError) -> str:
    kinds: list[tuple[type[httpx2.TransportError], str]] = [
        (httpx2.ConnectTimeout, "timed out connecting to PostHog"),
        (httpx2.ConnectError, "could not connect to PostHog"),
        (httpx2.PoolTimeout, "no free connection to PostHog"),
        (httpx2.TimeoutException, "PostHog did not answer in time"),
        (httpx2.RemoteProtocolError, "PostHog closed the connection before answering"),
        (httpx2.UnsupportedProtocol, "unsupported URL scheme for PostHog host"),
    ]
    for kind, text in kinds:
        if isinstance(exc, kind):
            return text
    return "the connection to PostHog failed"


def _parse(model: type[_ModelT], response: httpx2.Response) -> _ModelT:
    try:
        return model.model_validate_json(response.content)
    except ValueError as exc:
        raise PostHogError(f"PostHog answered {response.status_code} with a body this client cannot read") from exc


def _outcome(response: httpx2.Response) -> ActionOutcome:
    detail: str | None = None
    if response.content:
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            value = body.get("detail") or body.get("message")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
            detail = None if value is None else clean_text(str(value))  # pyright: ignore[reportUnknownArgumentType]
    return ActionOutcome(status=response.status_code, detail=detail)
