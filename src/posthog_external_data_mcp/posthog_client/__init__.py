"""A typed async client for PostHog's External Data Schemas API. Knows nothing of MCP."""

from .client import ActionOutcome, Exchange, PostHogClient, create_http_client
from .errors import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    MethodNotAllowedError,
    MissingApiKeyError,
    NotFoundError,
    PermissionDeniedError,
    PostHogConnectionError,
    PostHogError,
    PostHogTimeoutError,
    RateLimitError,
    ServerError,
)
from .models import (
    ExternalDataSchema,
    IncrementalFields,
    LogEntry,
    LogPage,
    PersonalApiKey,
    RowFilter,
    SchemaCreate,
    SchemaPage,
    SchemaUpdate,
)
from .paths import ProjectRef, Route
from .retry import RetryPolicy
from .scopes import Scope
from .sources import Source, SourcePage, SourceSchema

__all__ = [
    "APIStatusError",
    "ActionOutcome",
    "AuthenticationError",
    "BadRequestError",
    "Exchange",
    "ExternalDataSchema",
    "IncrementalFields",
    "LogEntry",
    "LogPage",
    "MethodNotAllowedError",
    "MissingApiKeyError",
    "NotFoundError",
    "PermissionDeniedError",
    "PersonalApiKey",
    "PostHogClient",
    "PostHogConnectionError",
    "PostHogError",
    "PostHogTimeoutError",
    "ProjectRef",
    "RateLimitError",
    "RetryPolicy",
    "Route",
    "RowFilter",
    "SchemaCreate",
    "SchemaPage",
    "SchemaUpdate",
    "Scope",
    "ServerError",
    "Source",
    "SourcePage",
    "SourceSchema",
    "create_http_client",
]
