"""What live discovery reports for the demo sources' tables: columns, incremental fields, capabilities.

Also what a sync of each table writes (``synced_columns``, from :mod:`.column_specs`) and the source-side
faults a sync runs into (``sync_error``, ``duplicated_columns``).
"""

from __future__ import annotations

from typing import Any

from .column_specs import (
    AUDIT_LOG_METADATA,
    CUSTOMERS_METADATA,
    DAILY_REVENUE_METADATA,
    EVENTS_METADATA,
    INVOICES_METADATA,
    LINE_ITEMS_METADATA,
    ORDERS_METADATA,
    SYNCED_COLUMN_SPECS,
    USERS_METADATA,
)
from .demo_ids import HUBSPOT_DEALS_ERROR, INJECTION_COLUMN_NAME, INJECTION_RAW_ERROR
from .models import Column, DiscoveredTable
from .tables import parse_columns


def _pg_discovered_columns(metadata: dict[str, Any]) -> list[tuple[str, str, bool]]:
    simple = {
        "bigint": "integer",
        "integer": "integer",
        "numeric": "numeric",
        "date": "date",
        "boolean": "boolean",
        "jsonb": "json",
        "timestamp with time zone": "timestamp",
    }
    return [
        (column["name"], simple.get(column["data_type"].split("(")[0], "string"), column["is_nullable"])
        for column in metadata["columns"]
    ]


def _field(name: str, field_type: str, *, nullable: bool | None = None, indexed: bool | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"label": name, "type": field_type, "field": name, "field_type": field_type}
    if nullable is not None:
        entry["nullable"] = nullable
    if indexed is not None:
        entry["is_indexed"] = indexed
    return entry


# Postgres advertises a synthetic xmin field on every ordinary PG13+ table (unindexed by definition).
_XMIN_FIELD = {"label": "xmin", "type": "xid", "field": "xmin", "field_type": "xid", "is_indexed": False}
_STRIPE_CREATED_FIELD = {"label": "created_at", "type": "datetime", "field": "created", "field_type": "integer"}


def stripe_discovery(names: list[str]) -> dict[str, DiscoveredTable]:
    discovery = {
        name: DiscoveredTable(
            name=name,
            columns=[],
            incremental_fields=[dict(_STRIPE_CREATED_FIELD)],
            supports_append=True,
            supports_webhooks=True,
        )
        for name in names
    }
    # Discount has no list endpoint at Stripe: webhooks are its only way in.
    discovery["Discount"] = DiscoveredTable(name="Discount", columns=[], supports_webhooks=True, webhook_only=True)
    return _with_synced_columns("Stripe", discovery)


def postgres_discovery() -> dict[str, DiscoveredTable]:
    return _with_synced_columns(
        "Postgres",
        {
            "orders": DiscoveredTable(
                name="orders",
                columns=_pg_discovered_columns(ORDERS_METADATA),
                incremental_fields=[
                    _field("id", "integer", nullable=False, indexed=True),
                    _field("created_at", "timestamp", nullable=False, indexed=True),
                    _field("updated_at", "timestamp", nullable=False, indexed=True),
                    dict(_XMIN_FIELD),
                ],
                supports_incremental=True,
                supports_append=True,
                supports_cdc=True,
                supports_xmin=True,
                detected_primary_keys=["id"],
            ),
            "users": DiscoveredTable(
                name="users",
                columns=_pg_discovered_columns(USERS_METADATA),
                incremental_fields=[
                    _field("id", "integer", nullable=False, indexed=True),
                    _field("updated_at", "timestamp", nullable=False, indexed=False),
                    dict(_XMIN_FIELD),
                ],
                supports_incremental=True,
                supports_append=True,
                supports_cdc=True,
                supports_xmin=True,
                detected_primary_keys=["id"],
            ),
            "events": DiscoveredTable(
                name="events",
                columns=_pg_discovered_columns(EVENTS_METADATA),
                incremental_fields=[
                    _field("id", "integer", nullable=False, indexed=False),
                    _field("occurred_at", "timestamp", nullable=False, indexed=False),
                    dict(_XMIN_FIELD),
                ],
                supports_incremental=True,
                supports_append=True,
                # No primary key, so logical replication cannot identify rows.
                supports_cdc=False,
                supports_xmin=True,
                detected_primary_keys=None,
            ),
            "daily_revenue": DiscoveredTable(
                name="daily_revenue",
                columns=_pg_discovered_columns(DAILY_REVENUE_METADATA),
                incremental_fields=[_field("day", "date", nullable=True, indexed=False)],
                supports_incremental=True,
                supports_append=True,
                # A plain view: no physical xmin and nothing to replicate.
                supports_cdc=False,
                supports_xmin=False,
                detected_primary_keys=None,
            ),
            # The source renamed `modified_at` to `updated_at`: an incremental sync on the old name fails.
            "invoices": sql_table("invoices", INVOICES_METADATA, ["id", "issued_at", "updated_at"]),
            # `order_id` repeats (one row per item): as a primary key it is not unique.
            "line_items": sql_table(
                "line_items", LINE_ITEMS_METADATA, ["id", "updated_at"], duplicated_columns=["order_id"]
            ),
            "audit_log": sql_table("audit_log", AUDIT_LOG_METADATA, ["id", "created_at"]),
        },
    )


def sql_table(
    name: str, metadata: dict[str, Any], cursors: list[str], *, duplicated_columns: list[str] | None = None
) -> DiscoveredTable:
    types = {column: kind for column, kind, _ in _pg_discovered_columns(metadata)}
    return DiscoveredTable(
        name=name,
        columns=_pg_discovered_columns(metadata),
        incremental_fields=[
            *(_field(column, types[column], nullable=False, indexed=column == "id") for column in cursors),
            dict(_XMIN_FIELD),
        ],
        supports_incremental=True,
        supports_append=True,
        supports_cdc=True,
        supports_xmin=True,
        detected_primary_keys=["id"],
        duplicated_columns=list(duplicated_columns or []),
    )


def injection_discovery() -> dict[str, DiscoveredTable]:
    """Project 2's ``vendor_feed``: the source's own texts are injection-shaped (column name, errors)."""
    columns = [
        Column("id", "integer", "Int64", False),
        Column("feed_item", "string", "Nullable(String)", True),
        Column(INJECTION_COLUMN_NAME, "string", "Nullable(String)", True),
        Column("fetched_at", "datetime", "DateTime64(6, 'UTC')", False),
    ]
    return {
        "vendor_feed": DiscoveredTable(
            name="vendor_feed",
            columns=[(column.name, column.hogql_type, column.nullable) for column in columns],
            discovery_error=INJECTION_RAW_ERROR,
            sync_error=INJECTION_RAW_ERROR,
            synced_columns=columns,
        )
    }


def isolation_postgres_discovery() -> dict[str, DiscoveredTable]:
    return _with_synced_columns(
        "Postgres",
        {
            "customers": DiscoveredTable(
                name="customers",
                columns=_pg_discovered_columns(CUSTOMERS_METADATA),
                incremental_fields=[
                    _field("id", "integer", nullable=False, indexed=True),
                    _field("created_at", "timestamp", nullable=False, indexed=False),
                    dict(_XMIN_FIELD),
                ],
                supports_incremental=True,
                supports_append=True,
                supports_cdc=True,
                supports_xmin=True,
                detected_primary_keys=["id"],
            )
        },
    )


def hubspot_discovery() -> dict[str, DiscoveredTable]:
    return _with_synced_columns(
        "Hubspot",
        {
            "contacts": DiscoveredTable(
                name="contacts",
                columns=[],
                incremental_fields=[_field("lastmodifieddate", "datetime")],
                supports_incremental=True,
                supports_append=True,
                detected_primary_keys=["id"],
            ),
            # The OAuth app lacks the deals scope: only granting it in HubSpot (and reconnecting) fixes this.
            "deals": DiscoveredTable(
                name="deals", columns=[], discovery_error=HUBSPOT_DEALS_ERROR, sync_error=HUBSPOT_DEALS_ERROR
            ),
            "companies": DiscoveredTable(
                name="companies",
                columns=[],
                incremental_fields=[_field("hs_lastmodifieddate", "datetime")],
                supports_incremental=True,
                supports_append=True,
                detected_primary_keys=["id"],
            ),
        },
    )


def _with_synced_columns(source_type: str, tables: dict[str, DiscoveredTable]) -> dict[str, DiscoveredTable]:
    for name, table in tables.items():
        spec = SYNCED_COLUMN_SPECS.get((source_type, name))
        if spec is not None:
            table.synced_columns = parse_columns(spec)
    return tables
