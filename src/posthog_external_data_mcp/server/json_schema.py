"""Turn pydantic's JSON schemas into the flat, small schemas agents load.

Every client must accept them unchanged: no `$ref`/`$defs` (inlined), no auto-generated `title`s, nullable
fields as `type: [..., "null"]` instead of `anyOf`, and every object closed with its properties declared.
Every token here is paid in every agent's context on every conversation, so nothing redundant stays.
"""

from __future__ import annotations

from typing import Any, cast

from pydantic import BaseModel

_REF_PREFIX = "#/$defs/"
# Enforced by the argument models with clear messages; advertising them costs every agent tokens and, for
# regular expressions, trips up some clients' schema converters.
_UNADVERTISED = frozenset({"$defs", "title", "default", "pattern", "minLength", "maxLength"})


def tool_input_schema(model: type[BaseModel]) -> dict[str, Any]:
    # Omitted means "leave unchanged" for updates, so pydantic's defaults would mislead: they are dropped
    # (a default worth knowing is stated in the field's description instead). Field descriptions stay.
    schema = _compact(model.model_json_schema(by_alias=True), {}, keep_descriptions=True, top=True)
    # The server refuses unknown arguments with a clear message; the top-level flag would only cost tokens
    # (strict-mode converters such as the OpenAI Agents SDK add it themselves).
    schema.pop("additionalProperties", None)
    return schema


def tool_output_schema(model: type[BaseModel], *, depth: int = 1) -> dict[str, Any]:
    """The result's shape, typed `depth` levels of objects deep; deeper objects are stated as bare objects.

    Results keep all their fields; an output schema is a promise about types, not a second copy of the
    documentation, and a deep one would cost every agent hundreds of tokens per tool.
    """
    schema = model.model_json_schema(by_alias=True, mode="serialization")
    return _shallow(_compact(schema, {}, keep_descriptions=False, top=True), depth)


def _without_null(kinds: Any) -> Any:
    # Results are dumped with `exclude_none`: an unset field is absent, never null.
    if isinstance(kinds, list):
        rest = [kind for kind in cast(list[str], kinds) if kind != "null"]
        return rest[0] if len(rest) == 1 else rest
    return kinds


def _shallow(schema: dict[str, Any], depth: int) -> dict[str, Any]:
    kinds = _without_null(schema.get("type"))
    kind_list = cast(list[str], kinds if isinstance(kinds, list) else [kinds])
    if "object" in kind_list:
        if depth == 0:
            return {"type": kinds}
        properties = cast(dict[str, dict[str, Any]], schema.get("properties", {}))
        out: dict[str, Any] = {"type": kinds, "properties": {k: _shallow(v, depth - 1) for k, v in properties.items()}}
        if schema.get("required"):
            out["required"] = schema["required"]
        return out
    if "array" in kind_list:
        items = cast(dict[str, Any], schema.get("items", {}))
        item_kind = items.get("type")
        if item_kind == "object" or (isinstance(item_kind, list) and "object" in item_kind):
            return {"type": kinds, "items": _shallow(items, depth)} if depth > 0 else {"type": kinds}
        return {"type": kinds, "items": {"type": _without_null(item_kind)}} if item_kind else {"type": kinds}
    if kinds is None:
        return {}  # a union of shapes (row filter values): any JSON value
    return {"type": kinds}


def _compact(node: Any, defs: dict[str, Any], *, keep_descriptions: bool, top: bool = False) -> Any:
    if isinstance(node, list):
        return [_compact(item, defs, keep_descriptions=keep_descriptions) for item in cast(list[Any], node)]
    if not isinstance(node, dict):
        return node
    schema = cast(dict[str, Any], node)
    if top:
        defs = cast(dict[str, Any], schema.get("$defs", {}))
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith(_REF_PREFIX):
        siblings = {key: value for key, value in schema.items() if key != "$ref"}
        definition = {key: value for key, value in defs[ref.removeprefix(_REF_PREFIX)].items() if key != "description"}
        return _compact({**definition, **siblings}, defs, keep_descriptions=keep_descriptions)

    # A model's docstring lands on its object schema; only field descriptions are meant for agents.
    is_model = "properties" in schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _UNADVERTISED:
            continue
        if key == "description" and (is_model or not keep_descriptions):
            continue
        if key == "properties":
            properties = cast(dict[str, Any], value)
            out[key] = {
                name: _compact(sub, defs, keep_descriptions=keep_descriptions) for name, sub in properties.items()
            }
        else:
            out[key] = _compact(value, defs, keep_descriptions=keep_descriptions)
    return _collapse_nullable(out)


def _collapse_nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """`{"anyOf": [X, {"type": "null"}], ...}` → X with `null` added to its `type` (and `enum`)."""
    any_of = schema.get("anyOf")
    if not isinstance(any_of, list) or len(cast(list[Any], any_of)) != 2:
        return schema
    variants = cast(list[dict[str, Any]], any_of)
    non_null = [variant for variant in variants if variant != {"type": "null"}]
    if len(non_null) != 1 or "type" not in non_null[0] or "anyOf" in non_null[0]:
        return schema
    merged = {**non_null[0], **{key: value for key, value in schema.items() if key != "anyOf"}}
    kind = merged["type"]
    merged["type"] = [*kind, "null"] if isinstance(kind, list) else [kind, "null"]
    if "enum" in merged:
        merged["enum"] = [*merged["enum"], None]
    return merged
