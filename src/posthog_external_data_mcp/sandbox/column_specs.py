"""Column data of the demo tables: what a sync writes to the warehouse, and Postgres' column metadata.

Specs are ``name:type`` words (``!`` not nullable, ``~`` LowCardinality), see :func:`.tables.parse_columns`.
Stripe's timestamps are raw epoch integers in the synced table, as PostHog stores them (its HogQL schema
then exposes e.g. ``created`` as ``created_at``).
"""

from __future__ import annotations

from typing import Any

SYNCED_COLUMN_SPECS: dict[tuple[str, str], str] = {
    ("Stripe", "Charge"): "id:string! object:string amount:integer amount_captured:integer amount_refunded:integer"
    " currency:string customer:string invoice:string description:string paid:boolean refunded:boolean"
    " status:string created:integer metadata:json",
    ("Stripe", "Customer"): "id:string! object:string email:string name:string currency:string delinquent:boolean"
    " balance:integer created:integer metadata:json",
    ("Stripe", "Invoice"): "id:string! object:string customer:string subscription:string status:string"
    " amount_due:integer amount_paid:integer currency:string period_start:integer period_end:integer created:integer",
    ("Stripe", "Subscription"): "id:string! object:string customer:string status:string cancel_at_period_end:boolean"
    " current_period_start:integer current_period_end:integer items:json created:integer",
    ("Stripe", "Discount"): "id:string! object:string coupon:json customer:string subscription:string start:integer"
    " end:integer",
    ("Stripe", "Price"): "id:string! object:string active:boolean currency:string product:string type:string"
    " unit_amount:integer recurring:json created:integer",
    ("Stripe", "BalanceTransaction"): "id:string! object:string amount:integer currency:string fee:integer"
    " net:integer source:string status:string type:string created:integer",
    ("Stripe", "CreditNote"): "id:string! object:string amount:integer currency:string customer:string"
    " invoice:string reason:string status:string created:integer",
    ("Stripe", "Refund"): "id:string! object:string amount:integer charge:string currency:string reason:string"
    " status:string created:integer",
    ("Stripe", "Payout"): "id:string! object:string amount:integer arrival_date:integer currency:string method:string"
    " status:string created:integer",
    ("Stripe", "Dispute"): "id:string! object:string amount:integer charge:string currency:string reason:string"
    " status:string created:integer",
    ("Postgres", "orders"): "id:integer! customer_id:integer! status:string! total_amount:decimal! currency:string!"
    " created_at:datetime! updated_at:datetime! shipped_at:datetime",
    ("Postgres", "users"): "id:integer! email:string! name:string plan:string! is_active:boolean! created_at:datetime!"
    " updated_at:datetime! last_login_at:datetime",
    ("Postgres", "events"): "id:integer! user_id:integer event_name:string! properties:json occurred_at:datetime!",
    ("Postgres", "daily_revenue"): "day:date orders_count:integer revenue:decimal",
    ("Postgres", "invoices"): "id:integer! customer_id:integer! number:string! total:decimal! status:string!"
    " issued_at:datetime! updated_at:datetime!",
    ("Postgres", "line_items"): "id:integer! order_id:integer! sku:string! quantity:integer! unit_price:decimal!"
    " updated_at:datetime!",
    ("Postgres", "audit_log"): "id:integer! actor_id:integer action:string! payload:json created_at:datetime!",
    ("Postgres", "customers"): "id:integer! email:string! company:string country:string created_at:datetime!",
    ("Hubspot", "contacts"): "id:string! email:string firstname:string lastname:string lifecyclestage:string~"
    " createdate:datetime lastmodifieddate:datetime",
    ("Hubspot", "deals"): "id:string! dealname:string dealstage:string~ amount:decimal pipeline:string"
    " closedate:datetime createdate:datetime hs_lastmodifieddate:datetime",
    ("Hubspot", "companies"): "id:string! name:string domain:string industry:string~ createdate:datetime"
    " hs_lastmodifieddate:datetime",
}

INVOICES_COLUMNS_BEFORE_RENAME = (
    "id:integer! customer_id:integer! number:string! total:decimal! status:string! issued_at:datetime!"
    " modified_at:datetime!"
)
"""What ``invoices`` looked like when it last synced, before the source renamed ``modified_at``."""


def pg_metadata(spec: str) -> dict[str, Any]:
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


ORDERS_METADATA = pg_metadata(
    "id:bigint! customer_id:bigint! status:character_varying(32)! total_amount:numeric(12,2)! currency:character(3)!"
    " created_at:timestamp_with_time_zone! updated_at:timestamp_with_time_zone! shipped_at:timestamp_with_time_zone"
)
USERS_METADATA = pg_metadata(
    "id:bigint! email:text! name:text plan:character_varying(16)! is_active:boolean!"
    " created_at:timestamp_with_time_zone! updated_at:timestamp_with_time_zone! last_login_at:timestamp_with_time_zone"
)
EVENTS_METADATA = pg_metadata(
    "id:bigint! user_id:bigint event_name:text! properties:jsonb occurred_at:timestamp_with_time_zone!"
)
DAILY_REVENUE_METADATA = pg_metadata("day:date orders_count:bigint revenue:numeric")
INVOICES_METADATA = pg_metadata(
    "id:bigint! customer_id:bigint! number:text! total:numeric(12,2)! status:text!"
    " issued_at:timestamp_with_time_zone! updated_at:timestamp_with_time_zone!"
)
"""The source's columns now (``modified_at`` was renamed ``updated_at``)."""
INVOICES_METADATA_BEFORE_RENAME = pg_metadata(
    "id:bigint! customer_id:bigint! number:text! total:numeric(12,2)! status:text!"
    " issued_at:timestamp_with_time_zone! modified_at:timestamp_with_time_zone!"
)
"""What PostHog stored at the last schema refresh, before the rename."""
LINE_ITEMS_METADATA = pg_metadata(
    "id:bigint! order_id:bigint! sku:text! quantity:integer! unit_price:numeric(10,2)!"
    " updated_at:timestamp_with_time_zone!"
)
AUDIT_LOG_METADATA = pg_metadata(
    "id:bigint! actor_id:bigint action:text! payload:jsonb created_at:timestamp_with_time_zone!"
)
CUSTOMERS_METADATA = pg_metadata(
    "id:bigint! email:text! company:text country:character(2) created_at:timestamp_with_time_zone!"
)
