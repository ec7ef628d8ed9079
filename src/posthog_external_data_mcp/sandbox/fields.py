"""DRF field validation for the writable serializer fields, with DRF's messages and codes.

Only what ``ExternalDataSchemaSerializer`` declares is emulated: Boolean, Char, Choice, Integer,
Time, ListField(child=CharField) and JSON fields.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import time
from typing import Any

from .models import CDC_TABLE_MODES, INCREMENTAL_FIELD_TYPES, SYNC_FREQUENCY_CHOICES, SYNC_TYPES


class FieldError(Exception):
    """A DRF field error; ``path`` holds nested keys (list indexes) below the field."""

    def __init__(self, message: str, code: str, path: Sequence[str | int] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.path = tuple(path)


_TRUE_VALUES: set[Any] = {
    "t",
    "T",
    "y",
    "Y",
    "yes",
    "Yes",
    "YES",
    "true",
    "True",
    "TRUE",
    "on",
    "On",
    "ON",
    "1",
    1,
}
_FALSE_VALUES: set[Any] = {
    "f",
    "F",
    "n",
    "N",
    "no",
    "No",
    "NO",
    "false",
    "False",
    "FALSE",
    "off",
    "Off",
    "OFF",
    "0",
    0,
}
_DECIMAL_SUFFIX = re.compile(r"\.0*\s*$")
# Django's fallback time regex (used when time.fromisoformat rejects the input).
_TIME_RE = re.compile(
    r"(?P<hour>\d{1,2}):(?P<minute>\d{1,2})(?::(?P<second>\d{1,2})(?:[.,](?P<microsecond>\d{1,6})\d{0,6})?)?$"
)

NULL_MESSAGE = ("This field may not be null.", "null")


def boolean(value: Any) -> bool:
    try:
        if value in _TRUE_VALUES:
            return True
        if value in _FALSE_VALUES:
            return False
    except TypeError:  # unhashable input (list, dict)
        pass
    raise FieldError("Must be a valid boolean.", "invalid")


def char(value: Any, *, max_length: int | None = None) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise FieldError("Not a valid string.", "invalid")
    text = str(value)
    if text.strip() == "":
        raise FieldError("This field may not be blank.", "blank")
    text = text.strip()
    if max_length is not None and len(text) > max_length:
        raise FieldError(f"Ensure this field has no more than {max_length} characters.", "max_length")
    return text


def choice(value: Any, choices: Sequence[str], message: str = '"{input}" is not a valid choice.') -> str:
    text = _python_str(value)
    if text in choices:
        return text
    raise FieldError(message.format(input=text), "invalid_choice")


def integer(value: Any, *, min_value: int, max_value: int) -> int:
    if isinstance(value, str) and len(value) > 1000:
        raise FieldError("String value too large.", "max_string_length")
    try:
        number = int(_DECIMAL_SUFFIX.sub("", _python_str(value)))
    except (ValueError, TypeError):
        raise FieldError("A valid integer is required.", "invalid") from None
    if number < min_value:
        raise FieldError(f"Ensure this value is greater than or equal to {min_value}.", "min_value")
    if number > max_value:
        raise FieldError(f"Ensure this value is less than or equal to {max_value}.", "max_value")
    return number


def time_of_day(value: Any) -> time:
    parsed: time | None = None
    if isinstance(value, str):
        try:
            parsed = time.fromisoformat(value).replace(tzinfo=None)
        except ValueError:
            match = _TIME_RE.match(value)
            if match:
                parts = match.groupdict()
                if parts["microsecond"]:
                    parts["microsecond"] = parts["microsecond"].ljust(6, "0")
                numbers = {key: int(part) for key, part in parts.items() if part is not None}
                try:
                    parsed = time(
                        numbers["hour"], numbers["minute"], numbers.get("second", 0), numbers.get("microsecond", 0)
                    )
                except ValueError:
                    parsed = None
    if parsed is None:
        raise FieldError("Time has wrong format. Use one of these formats instead: hh:mm[:ss[.uuuuuu]].", "invalid")
    return parsed


def char_list(value: Any) -> list[str]:
    if isinstance(value, str | Mapping) or not isinstance(value, list):
        raise FieldError(f'Expected a list of items but got type "{_type_name(value)}".', "not_a_list")
    items: list[str] = []
    for index, item in enumerate(value):  # pyright: ignore[reportUnknownArgumentType, reportUnknownVariableType]
        if item is None:
            raise FieldError(*NULL_MESSAGE, path=(index,))
        try:
            items.append(char(item))
        except FieldError as error:
            raise FieldError(error.message, error.code, path=(index,)) from None
    return items


def json_value(value: Any) -> Any:
    return value  # anything that arrived as JSON is valid JSON


@dataclass(frozen=True)
class WritableField:
    name: str
    parse: Callable[[Any], Any]
    allow_null: bool = True


# Meta.fields order: DRF validates (and exceptions-hog reports the first error) in this order.
WRITABLE_FIELDS: tuple[WritableField, ...] = (
    WritableField("should_sync", boolean, allow_null=False),
    WritableField("sync_type", lambda value: choice(value, SYNC_TYPES)),
    WritableField("incremental_field", char),
    WritableField("incremental_field_type", lambda value: choice(value, INCREMENTAL_FIELD_TYPES)),
    WritableField("incremental_field_lookback_seconds", lambda value: integer(value, min_value=0, max_value=5_184_000)),
    WritableField(
        "sync_frequency",
        lambda value: choice(
            value,
            SYNC_FREQUENCY_CHOICES,
            '"{input}" is not a valid sync frequency. The fastest sync frequency is 5 minutes.',
        ),
    ),
    WritableField("sync_time_of_day", time_of_day),
    WritableField("primary_key_columns", char_list),
    WritableField("cdc_table_mode", lambda value: choice(value, CDC_TABLE_MODES)),
    WritableField("enabled_columns", char_list),
    WritableField("row_filters", json_value),
    WritableField("api_version", lambda value: char(value, max_length=128)),
)


def validate_fields(data: Mapping[str, Any]) -> tuple[dict[str, Any], tuple[str, FieldError] | None]:
    """Run the field-level validation; returns the validated values or the first (field, error)."""
    validated: dict[str, Any] = {}
    for field in WRITABLE_FIELDS:
        if field.name not in data:
            continue
        value = data[field.name]
        if value is None:
            if not field.allow_null:
                return validated, (field.name, FieldError(*NULL_MESSAGE))
            validated[field.name] = None
            continue
        try:
            validated[field.name] = field.parse(value)
        except FieldError as error:
            return validated, (field.name, error)
    return validated, None


def _python_str(value: Any) -> str:
    """``str()`` as Python (and so DRF) renders JSON-decoded values."""
    return str(value)


def _type_name(value: Any) -> str:
    return type(value).__name__
