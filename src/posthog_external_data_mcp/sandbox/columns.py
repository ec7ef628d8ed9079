"""PostHog's user-facing column rules (``DataWarehouseTable.get_user_facing_columns``) and ``clean_type``.

A schema without source column metadata (every non-SQL source, and SQL tables added after the source)
falls back to these for ``available_columns``: plumbing columns hidden, curated sources' columns under
their HogQL names (Stripe's ``customer`` is ``customer_id``), the ClickHouse type cleaned of wrappers and
parameters, nullability read from the type.
"""

from __future__ import annotations

import re
from typing import Any

from .models import Table
from .tables import HIDDEN_COLUMNS

# Raw synced column -> HogQL-visible name, per curated table (``external_table_definitions``): direct renames
# (`customer` -> `customer_id`) and expression fields over hidden raw columns (`created` -> `created_at`).
# Only the renamed columns are listed; every other column keeps its name.
HOGQL_COLUMN_NAMES: dict[str, dict[str, str]] = {
    "stripe_charge": {
        "created": "created_at",
        "customer": "customer_id",
        "invoice": "invoice_id",
        "payment_intent": "payment_intent_id",
        "payment_method": "payment_method_id",
        "balance_transaction": "balance_transaction_id",
    },
    "stripe_customer": {"created": "created_at"},
    "stripe_invoice": {
        "created": "created_at",
        "customer": "customer_id",
        "subscription": "subscription_id",
        "period_start": "period_start_at",
        "period_end": "period_end_at",
    },
    "stripe_subscription": {"created": "created_at", "customer": "customer_id", "latest_invoice": "latest_invoice_id"},
    "stripe_refund": {
        "created": "created_at",
        "charge": "charge_id",
        "balance_transaction": "balance_transaction_id",
        "payment_intent": "payment_intent_id",
    },
    "stripe_payout": {"created": "created_at", "balance_transaction": "balance_transaction_id"},
    "stripe_dispute": {"created": "created_at", "charge": "charge_id", "payment_intent": "payment_intent_id"},
    "stripe_balancetransaction": {"created": "created_at", "source": "source_id"},
    "stripe_creditnote": {"created": "created_at", "customer": "customer_id", "invoice": "invoice_id"},
    "stripe_discount": {},
}


def clean_type(column_type: str) -> str:
    """PostHog's ``clean_type``: drop one ``LowCardinality(...)``, then one ``Nullable(...)``, then parameters."""
    column_type = re.sub(r"\n\s+", "", column_type)
    if column_type.startswith("LowCardinality("):
        column_type = column_type.replace("LowCardinality(", "")[:-1]
    if column_type.startswith("Nullable("):
        column_type = column_type.replace("Nullable(", "")[:-1]
    return re.sub(r"\(.+\)+", "", column_type)


def user_facing_columns(table: Table, prefix: str | None) -> list[dict[str, Any]]:
    """``[{name, data_type, is_nullable}]`` of the synced table, the way PostHog lists them."""
    unprefixed = table.name[len(prefix) :] if prefix and table.name.startswith(prefix) else table.name
    renames = HOGQL_COLUMN_NAMES.get(unprefixed, {})
    return [
        {
            "name": renames.get(column.name, column.name),
            "data_type": clean_type(column.clickhouse_type) if column.clickhouse_type else "unknown",
            "is_nullable": "Nullable(" in column.clickhouse_type,
        }
        for column in table.columns
        if column.name not in HIDDEN_COLUMNS
    ]
