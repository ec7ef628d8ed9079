"""Warehouse tables as a sync writes them: names, columns from a compact spec, and the table record."""

from __future__ import annotations

from .models import Column, Source, Table

CLICKHOUSE_TYPES = {
    "integer": "Int64",
    "float": "Float64",
    "decimal": "Decimal(38, 9)",
    "string": "String",
    "datetime": "DateTime64(6, 'UTC')",
    "date": "Date",
    "boolean": "Bool",
    "json": "String",
}
PARTITION_KEY = "_ph_partition_key"
HIDDEN_COLUMNS = frozenset({"_dlt_id", "_dlt_load_id", "_ph_debug", PARTITION_KEY})
"""Plumbing columns every sync adds; PostHog hides them from the HogQL catalog and the user-facing columns."""
_FALLBACK_SPEC = "id:string!"


def parse_columns(spec: str) -> list[Column]:
    """``"id:integer! email:string stage:string~ ..."`` -> columns (``!`` not nullable, ``~`` LowCardinality)."""
    columns: list[Column] = []
    for item in spec.split():
        name, hogql_type = item.split(":")
        nullable = not hogql_type.endswith("!")
        low_cardinality = hogql_type.endswith("~")
        hogql_type = hogql_type.rstrip("!~")
        clickhouse_type = CLICKHOUSE_TYPES[hogql_type]
        if nullable:
            clickhouse_type = f"Nullable({clickhouse_type})"
        if low_cardinality:
            clickhouse_type = f"LowCardinality({clickhouse_type})"
        columns.append(Column(name, hogql_type, clickhouse_type, nullable))
    return columns


def plumbing_columns(source_type: str) -> list[Column]:
    """What the pipeline adds to every synced table (``_ph_debug`` only where webhooks may write)."""
    columns = [
        Column("_dlt_load_id", "string", "String", False),
        Column("_dlt_id", "string", "String", False),
        Column(PARTITION_KEY, "string", "Nullable(String)", True),
    ]
    if source_type == "Stripe":
        columns.append(Column("_ph_debug", "json", "Nullable(String)", True))
    return columns


def table_names(source_type: str, prefix: str | None, schema_name: str) -> tuple[str, str]:
    """(warehouse table name, dotted HogQL name) the way PostHog names a synced table."""
    lowered = schema_name.lower()
    flat = f"{prefix or ''}{source_type.lower()}_{lowered}"
    dotted = f"{source_type.lower()}.{prefix.rstrip('_') + '.' if prefix else ''}{lowered}"
    return flat, dotted


def build_table(source: Source, schema_name: str, table_id: str, row_count: int) -> Table:
    """The table a sync of ``schema_name`` writes, with the columns the source's discovery reports."""
    name, hogql_name = table_names(source.source_type, source.prefix, schema_name)
    discovered = source.discovery.get(schema_name)
    # Copies: a table's columns change with its schema (enabled_columns), the source's stay.
    columns = (
        [Column(c.name, c.hogql_type, c.clickhouse_type, c.nullable) for c in discovered.synced_columns]
        if discovered
        else []
    )
    if not columns:
        columns = parse_columns(_FALLBACK_SPEC)
    columns += plumbing_columns(source.source_type)
    return Table(id=table_id, name=name, hogql_name=hogql_name, columns=columns, row_count=row_count)
