"""What live discovery reports for the demo sources' tables: columns, incremental fields, capabilities.

Also what a sync of each table writes to the warehouse (``synced_columns``) and the Postgres column
metadata (``schema_metadata``) PostHog stores from the last schema refresh.
"""

from __future__ import annotations

from typing import Any

from .demo_ids import HUBSPOT_DEALS_ERROR
from .models import DiscoveredTable
from .tables import parse_columns

_SYNCED_COLUMN_SPECS: dict[tuple[str, str], str] = {
    ("Stripe", "Charge"): "id:string! object:string amount:integer amount_captured:integer amount_refunded:integer"
    " currency:string customer:string description:string paid:boolean refunded:boolean status:string"
    " created:datetime metadata:json",
    ("Stripe", "Customer"): "id:string! object:string email:string name:string currency:string delinquent:boolean"
    " balance:integer created:datetime metadata:json",
    ("Stripe", "Invoice"): "id:string! object:string customer:string subscription:string status:string"
    " amount_due:integer amount_paid:integer currency:string period_start:datetime period_end:datetime"
    " created:datetime",
    ("Stripe", "Subscription"): "id:string! object:string customer:string status:string cancel_at_period_end:boolean"
    " current_period_start:datetime current_period_end:datetime items:json created:datetime",
    ("Stripe", "Discount"): "id:string! object:string coupon:json customer:string subscription:string start:datetime"
    " end:datetime",
    ("Stripe", "Refund"): "id:string! object:string amount:integer charge:string currency:string reason:string"
    " status:string created:datetime",
    ("Stripe", "Payout"): "id:string! object:string amount:integer arrival_date:datetime currency:string method:string"
    " status:string created:datetime",
    ("Stripe", "Dispute"): "id:string! object:string amount:integer charge:string currency:string reason:string"
    " status:string created:datetime",
    ("Postgres", "orders"): "id:integer! customer_id:integer! status:string! total_amount:decimal! currency:string!"
    " created_at:datetime! updated_at:datetime! shipped_at:datetime",
    ("Postgres", "users"): "id:integer! email:string! name:string plan:string! is_active:boolean! created_at:datetime!"
    " updated_at:datetime! last_login_at:datetime",
    ("Postgres", "events"): "id:integer! user_id:integer event_name:string! properties:json occurred_at:datetime!",
    ("Postgres", "daily_revenue"): "day:date orders_count:integer revenue:decimal",
    ("Postgres", "customers"): "id:integer! email:string! company:string country:string created_at:datetime!",
    ("Hubspot", "contacts"): "id:string! email:string firstname:string lastname:string lifecyclestage:string"
    " createdate:datetime lastmodifieddate:datetime",
    (
        "Hubspot",
        "deals",
    ): "id:string! dealname:string dealstage:string amount:decimal pipeline:string closedate:datetime"
    " createdate:datetime hs_lastmodifieddate:datetime",
}


def _pg_metadata(spec: str) -> dict[str, Any]:
    """``"id:bigint! email:text"`` -> Postgres ``schema_metadata`` (data types may contain ``_`` for spaces)."""
    columns: list[dict[str, Any]] = []
    for item in spec.split():
        name, data_type = item.split(":")
        columns.append(
            {
                "name": name,
                "data_type": data_type.rstrip("!").replace("_", " "),
                "is_nullable": not data_type.endswith("!"),
            }
        )
    return {"columns": columns}


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

ORDERS_METADATA = _pg_metadata(
    "id:bigint! customer_id:bigint! status:character_varying(32)! total_amount:numeric(12,2)! currency:character(3)!"
    " created_at:timestamp_with_time_zone! updated_at:timestamp_with_time_zone! shipped_at:timestamp_with_time_zone"
)
USERS_METADATA = _pg_metadata(
    "id:bigint! email:text! name:text plan:character_varying(16)! is_active:boolean!"
    " created_at:timestamp_with_time_zone! updated_at:timestamp_with_time_zone! last_login_at:timestamp_with_time_zone"
)
EVENTS_METADATA = _pg_metadata(
    "id:bigint! user_id:bigint event_name:text! properties:jsonb occurred_at:timestamp_with_time_zone!"
)
DAILY_REVENUE_METADATA = _pg_metadata("day:date orders_count:bigint revenue:numeric")
CUSTOMERS_METADATA = _pg_metadata(
    "id:bigint! email:text! company:text country:character(2) created_at:timestamp_with_time_zone!"
)


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
        },
    )


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
            "deals": DiscoveredTable(name="deals", columns=[], discovery_error=HUBSPOT_DEALS_ERROR),
        },
    )


def _with_synced_columns(source_type: str, tables: dict[str, DiscoveredTable]) -> dict[str, DiscoveredTable]:
    for name, table in tables.items():
        spec = _SYNCED_COLUMN_SPECS.get((source_type, name))
        if spec is not None:
            table.synced_columns = parse_columns(spec)
    return tables
