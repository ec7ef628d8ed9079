"""Warehouse tables as a sync writes them: names, columns from a compact spec, and the table record."""

from __future__ import annotations

import dataclasses

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
_FALLBACK_SPEC = "id:string!"


def parse_columns(spec: str) -> list[Column]:
    """``"id:integer! email:string ..."`` -> columns (``!`` = not nullable)."""
    columns: list[Column] = []
    for item in spec.split():
        name, hogql_type = item.split(":")
        nullable = not hogql_type.endswith("!")
        hogql_type = hogql_type.rstrip("!")
        base = CLICKHOUSE_TYPES[hogql_type]
        columns.append(Column(name, hogql_type, f"Nullable({base})" if nullable else base, nullable))
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
    columns = [dataclasses.replace(column) for column in discovered.synced_columns] if discovered else []
    if not columns:
        columns = parse_columns(_FALLBACK_SPEC)
    return Table(id=table_id, name=name, hogql_name=hogql_name, columns=columns, row_count=row_count)
