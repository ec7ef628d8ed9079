"""Turn pydantic's JSON schemas into the flat, small schemas agents load.

Every client must accept them unchanged: no `$ref`/`$defs` (inlined), no auto-generated `title`s, every object
closed with its properties declared, and one `type` per node — never a type array such as `["string", "null"]`,
which single-type dialects (Gemini's function declarations, the OpenAPI 3.0 subset) reject and portability
checkers flag. A nullable input is `anyOf: [X, {"type": "null"}]`; an output never holds null (results are
dumped without unset fields), so there the null branch is dropped.
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
    schema = _compact(model.model_json_schema(by_alias=True), {}, keep_descriptions=True, top=True, output=False)
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
    return _shallow(_compact(schema, {}, keep_descriptions=False, top=True, output=True), depth)


def _shallow(schema: dict[str, Any], depth: int) -> dict[str, Any]:
    kind = schema.get("type")
    if kind == "object":
        if depth == 0:
            return {"type": kind}
        properties = cast(dict[str, dict[str, Any]], schema.get("properties", {}))
        out: dict[str, Any] = {"type": kind, "properties": {k: _shallow(v, depth - 1) for k, v in properties.items()}}
        if schema.get("required"):
            out["required"] = schema["required"]
        return out
    if kind == "array":
        items = cast(dict[str, Any], schema.get("items", {}))
        item_kind = items.get("type")
        if item_kind == "object":
            return {"type": kind, "items": _shallow(items, depth)} if depth > 0 else {"type": kind}
        return {"type": kind, "items": {"type": item_kind}} if item_kind else {"type": kind}
    if kind is None:
        return {}  # a union of shapes (row filter values): any JSON value
    return {"type": kind}


def _compact(node: Any, defs: dict[str, Any], *, keep_descriptions: bool, output: bool, top: bool = False) -> Any:
    if isinstance(node, list):
        return [
            _compact(item, defs, keep_descriptions=keep_descriptions, output=output) for item in cast(list[Any], node)
        ]
    if not isinstance(node, dict):
        return node
    schema = cast(dict[str, Any], node)
    if top:
        defs = cast(dict[str, Any], schema.get("$defs", {}))
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith(_REF_PREFIX):
        siblings = {key: value for key, value in schema.items() if key != "$ref"}
        definition = {key: value for key, value in defs[ref.removeprefix(_REF_PREFIX)].items() if key != "description"}
        return _compact({**definition, **siblings}, defs, keep_descriptions=keep_descriptions, output=output)

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
                name: _compact(sub, defs, keep_descriptions=keep_descriptions, output=output)
                for name, sub in properties.items()
            }
        else:
            out[key] = _compact(value, defs, keep_descriptions=keep_descriptions, output=output)
    return _without_null_branch(out) if output else out


def _without_null_branch(schema: dict[str, Any]) -> dict[str, Any]:
    """`{"anyOf": [X, {"type": "null"}], ...}` → X (with the siblings): a result never holds null."""
    any_of = schema.get("anyOf")
    if not isinstance(any_of, list):
        return schema
    non_null = [variant for variant in cast(list[dict[str, Any]], any_of) if variant != {"type": "null"}]
    if len(non_null) != 1:
        return schema
    return {**non_null[0], **{key: value for key, value in schema.items() if key != "anyOf"}}
