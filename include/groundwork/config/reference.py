"""The config reference, generated from the model's JSON schema: every field with its type, default
and description, section by section. `python -m groundwork reference` prints it; docs/config.md is
its output, and a test fails when the file is stale."""

from __future__ import annotations

import json

from groundwork.config.models import FoundationConfig

HEADER = ("# Config reference\n\nGenerated from the config model (`include/groundwork/config/models.py`) by "
          "`python -m groundwork reference > docs/config.md`; a test fails when this file is stale.\n")


def _type(schema: dict, defs: dict) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " or ".join(_type(s, defs) for s in schema["anyOf"])
    if "enum" in schema:
        return " \\| ".join(f"`{v}`" for v in schema["enum"])
    if "const" in schema:
        return f"`{schema['const']}`"
    kind = schema.get("type", "any")
    if kind == "array":
        return f"list of {_type(schema.get('items', {}), defs)}"
    if kind == "object" and "additionalProperties" in schema:
        return "mapping"
    return kind


def _default(schema: dict, required: bool) -> str:
    if required:
        return "required"
    if "default" not in schema:
        return "see below"  # a section built from its own defaults
    value = schema["default"]
    if value in ([], {}, None, ""):
        return {"[]": "none", "{}": "none", "null": "none", '""': "empty"}[json.dumps(value)]
    return f"`{json.dumps(value)}`"


def _table(name: str, schema: dict, defs: dict) -> list[str]:
    lines = [f"\n## {name}\n"]
    if schema.get("description"):
        lines.append(schema["description"].strip().split("\n\n")[0].replace("\n", " ") + "\n")
    lines += ["| field | type | default | what |", "|---|---|---|---|"]
    required = set(schema.get("required", []))
    for field, spec in schema.get("properties", {}).items():
        description = spec.get("description", "").replace("|", "\\|").replace("\n", " ")
        lines.append(f"| `{field}` | {_type(spec, defs)} | {_default(spec, field in required)} | {description} |")
    return lines


def reference_markdown() -> str:
    schema = FoundationConfig.model_json_schema()
    defs = schema.get("$defs", {})
    lines = [HEADER] + _table("FoundationConfig (the file)", schema, defs)
    for name in sorted(defs):
        lines += _table(name, defs[name], defs)
    return "\n".join(lines) + "\n"
