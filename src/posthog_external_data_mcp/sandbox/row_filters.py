"""Row-filter validation against a schema's columns, with the reasons PostHog gives (``Invalid row filter: …``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

_SCALAR_OPERATORS = frozenset({">", ">=", "<", "<=", "=", "!="})
_MULTI_VALUE_OPERATORS = frozenset({"IN", "NOT IN"})
ROW_FILTER_OPERATORS = _SCALAR_OPERATORS | _MULTI_VALUE_OPERATORS
_OPERATOR_ALIASES = {"==": "=", "<>": "!="}
MAX_ROW_FILTERS = 20
MAX_IN_VALUES = 1000

_INTEGER_TYPES = {"int", "int2", "int4", "int8", "integer", "smallint", "mediumint", "bigint", "tinyint", "serial",
                  "smallserial", "bigserial"}  # fmt: skip
_NUMERIC_TYPES = {"numeric", "decimal", "real", "double", "double precision", "float", "float4", "float8", "number",
                  "money"}  # fmt: skip
_STRING_TYPES = {"char", "character", "character varying", "varchar", "nchar", "nvarchar", "text", "string", "uuid",
                 "name", "citext", "enum"}  # fmt: skip
_BOOLEAN_TYPES = {"bool", "boolean", "bit"}
_DATE_TYPES = {"date", "date32"}


class RowFilterValidationError(ValueError):
    pass


def validate_row_filters(row_filters: Any, schema_metadata: dict[str, Any] | None) -> None:
    if row_filters is None:
        return
    if not isinstance(row_filters, list):
        raise RowFilterValidationError("row_filters must be a list")
    filters: list[Any] = row_filters  # pyright: ignore[reportUnknownVariableType]
    if len(filters) > MAX_ROW_FILTERS:
        raise RowFilterValidationError(f"Too many row filters (max {MAX_ROW_FILTERS})")
    column_types = _column_types(schema_metadata)
    for index, row_filter in enumerate(filters):
        if not isinstance(row_filter, dict):
            raise RowFilterValidationError(f"Row filter at index {index} must be an object")
        entry: dict[str, Any] = row_filter  # pyright: ignore[reportUnknownVariableType]
        column = entry.get("column")
        if not isinstance(column, str) or not column:
            raise RowFilterValidationError(f"Row filter at index {index} is missing a column")
        if column_types and column not in column_types:
            raise RowFilterValidationError(f"Unknown column {column!r} for this schema")
        operator = _normalize_operator(entry.get("operator"))
        data_type = column_types.get(column)
        coerce = _coercer(data_type)
        if coerce is None:
            raise RowFilterValidationError(
                f"Cannot filter on column {column!r}: its type {data_type!r} is not supported for filtering"
            )
        if "value" not in entry:
            raise RowFilterValidationError(f"Row filter on column {column!r} is missing a value")
        if operator in _MULTI_VALUE_OPERATORS:
            _coerce_in_values(entry["value"], coerce)
        else:
            coerce(entry["value"])


def _column_types(schema_metadata: dict[str, Any] | None) -> dict[str, str]:
    if not isinstance(schema_metadata, dict):
        return {}
    columns = schema_metadata.get("columns")
    if not isinstance(columns, list):
        return {}
    result: dict[str, str] = {}
    for column in columns:  # pyright: ignore[reportUnknownVariableType]
        if isinstance(column, dict):
            name = column.get("name")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
            data_type = column.get("data_type")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
            if isinstance(name, str) and isinstance(data_type, str):
                result[name] = data_type
    return result


def _normalize_operator(operator: Any) -> str:
    if not isinstance(operator, str):
        raise RowFilterValidationError(f"Operator must be a string, got {type(operator).__name__}")
    stripped = operator.strip()
    collapsed = " ".join(stripped.upper().split())
    if collapsed in _MULTI_VALUE_OPERATORS:
        return collapsed
    candidate = _OPERATOR_ALIASES.get(stripped, stripped)
    if candidate in _SCALAR_OPERATORS:
        return candidate
    allowed = ", ".join([*sorted(_SCALAR_OPERATORS), *sorted(_MULTI_VALUE_OPERATORS)])
    raise RowFilterValidationError(f"Unsupported operator {operator!r}. Allowed operators: {allowed}")


def _coercer(data_type: str | None) -> Callable[[Any], Any] | None:
    if not isinstance(data_type, str) or not data_type.strip():
        return None
    base = data_type.strip().split("(")[0].strip().lower()
    if base in _INTEGER_TYPES:
        return _coerce_integer
    if base in _NUMERIC_TYPES:
        return _coerce_numeric
    if base in _BOOLEAN_TYPES:
        return _coerce_boolean
    if base in _DATE_TYPES:
        return _coerce_date
    if base in _STRING_TYPES:
        return _coerce_string
    if base.startswith(("timestamp", "datetime")):
        return _coerce_timestamp
    return None  # json/jsonb and anything unknown cannot be filtered on


def _coerce_integer(value: Any) -> int:
    if isinstance(value, bool):
        raise RowFilterValidationError("Expected an integer value, got a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise RowFilterValidationError(f"Expected an integer value, got non-integral {value!r}")
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            raise RowFilterValidationError(f"Expected an integer value, got {value!r}") from None
    raise RowFilterValidationError(f"Expected an integer value, got {type(value).__name__}")


def _coerce_numeric(value: Any) -> int | float | Decimal:
    if isinstance(value, bool):
        raise RowFilterValidationError("Expected a numeric value, got a boolean")
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            raise RowFilterValidationError(f"Expected a numeric value, got {value!r}") from None
    raise RowFilterValidationError(f"Expected a numeric value, got {type(value).__name__}")


def _coerce_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise RowFilterValidationError(f"Expected a string value, got {type(value).__name__}")


def _coerce_boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise RowFilterValidationError(f"Expected a boolean value (true/false), got {value!r}")


def _coerce_date(value: Any) -> date:
    if not isinstance(value, str):
        raise RowFilterValidationError(f"Expected an ISO date string (YYYY-MM-DD), got {type(value).__name__}")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise RowFilterValidationError(f"Expected an ISO date string (YYYY-MM-DD), got {value!r}") from None


def _coerce_timestamp(value: Any) -> datetime:
    if not isinstance(value, str):
        raise RowFilterValidationError(f"Expected an ISO datetime string, got {type(value).__name__}")
    raw = value.strip()
    normalized = raw[:-1] + "+00:00" if raw.endswith("Z") else raw
    try:
        return datetime.fromisoformat(normalized)
    except ValueError:
        try:
            return datetime.combine(date.fromisoformat(raw), datetime.min.time())
        except ValueError:
            raise RowFilterValidationError(f"Expected an ISO datetime string, got {value!r}") from None


def _coerce_in_values(value: Any, coerce: Callable[[Any], Any]) -> None:
    if isinstance(value, list):
        elements: list[Any] = value  # pyright: ignore[reportUnknownVariableType]
    elif isinstance(value, str):
        elements = _split_in_list(value)
    else:
        raise RowFilterValidationError(
            f"IN operator expects a comma-separated string or a list, got {type(value).__name__}"
        )
    if not elements:
        raise RowFilterValidationError("IN operator requires at least one value")
    if len(elements) > MAX_IN_VALUES:
        raise RowFilterValidationError(f"Too many values for IN (max {MAX_IN_VALUES})")
    for element in elements:
        if isinstance(element, str) and element == "":
            raise RowFilterValidationError("IN list has an empty value")
        coerce(element)


def _split_in_list(raw: str) -> list[str]:
    if not raw.strip():
        return []
    pieces: list[str] = []
    buffer: list[str] = []
    in_quote = False
    index = 0
    while index < len(raw):
        char = raw[index]
        if char == "'":
            buffer.append(char)
            if in_quote and index + 1 < len(raw) and raw[index + 1] == "'":
                buffer.append("'")
                index += 2
                continue
            in_quote = not in_quote
        elif char == "," and not in_quote:
            pieces.append("".join(buffer))
            buffer = []
        else:
            buffer.append(char)
        index += 1
    if in_quote:
        raise RowFilterValidationError("Unterminated quote in IN list")
    pieces.append("".join(buffer))
    elements: list[str] = []
    for piece in pieces:
        token = piece.strip()
        if len(token) >= 2 and token.startswith("'") and token.endswith("'"):
            elements.append(token[1:-1].replace("''", "'"))
        else:
            elements.append(token)
    return elements
