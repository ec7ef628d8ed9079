"""Source types the sandbox knows, with the capabilities PostHog's SourceRegistry gives them."""

from __future__ import annotations

from .models import SourceKind

STRIPE = SourceKind(
    source_type="Stripe",
    managed_hogql_schema=True,
    supports_row_filters=False,
    supports_column_selection=False,
    supports_xmin=False,
    supports_cdc=False,
    is_webhook_source=True,
    supported_api_versions=["2024-09-30.acacia", "2025-03-31.basil", "2025-09-30.clover"],
    default_api_version="2025-09-30.clover",
    deprecated_api_versions={"2024-09-30.acacia": "2026-12-31"},
    is_sql=False,
)
POSTGRES = SourceKind(
    source_type="Postgres",
    managed_hogql_schema=False,
    supports_row_filters=True,
    supports_column_selection=True,
    supports_xmin=True,
    supports_cdc=True,
    is_webhook_source=False,
    supported_api_versions=[],
    default_api_version=None,
    deprecated_api_versions={},
    is_sql=True,
)
HUBSPOT = SourceKind(
    source_type="Hubspot",
    managed_hogql_schema=False,
    supports_row_filters=False,
    supports_column_selection=False,
    supports_xmin=False,
    supports_cdc=False,
    is_webhook_source=False,
    supported_api_versions=[],
    default_api_version=None,
    deprecated_api_versions={},
    is_sql=False,
)

REGISTRY: dict[str, SourceKind] = {kind.source_type: kind for kind in (STRIPE, POSTGRES, HUBSPOT)}


def get_source_kind(source_type: str | None) -> SourceKind | None:
    """The registered source type, or None (PostHog's ``ExternalDataSourceType(...)`` raising)."""
    return REGISTRY.get(source_type or "")


def resolve_api_version(kind: SourceKind, pinned: str | None) -> str | None:
    return pinned or kind.default_api_version
