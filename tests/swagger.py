"""Swagger 2.0 contracts for tests: a definition as strict JSON Schema, and requests checked against operations.

Shared by the Argo CD fakes (tests/drift/argocd_contract.py) and the Gitea fakes (tests/review/gitea_contract.py):
where nothing real can run, the upstream OpenAPI document in ../shared/api/ is the contract.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import jsonschema

# --- Swagger 2.0 -> JSON Schema 2020-12 ------------------------------------------------------------------------

def wire_schema(swagger: dict[str, Any], definition: str,
                wire_types: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The swagger definition as a JSON Schema of what the server sends, strict: no field the swagger lacks.

    Go servers marshal with encoding/json (Argo CD's gateway too, util/grpc/json.go, not protobuf's JSON
    mapping): int64 is a number (``type: string, format: int64`` is protobuf's view), nil slices and maps are
    ``null``, and ``wire_types`` (definition -> schema) marshal themselves. Objects get
    ``additionalProperties: false`` so a fixture cannot carry a field the API does not document.
    """

    def convert(node: Any) -> Any:
        if isinstance(node, list):
            return [convert(n) for n in node]
        if not isinstance(node, dict):
            return node
        out = {k: convert(v) for k, v in node.items() if k not in ("title", "description", "properties")}
        if "properties" in node:  # property names are data, not annotations: a field may be called "title"
            out["properties"] = {name: convert(v) for name, v in node["properties"].items()}
        if "$ref" in out:
            out["$ref"] = out["$ref"].replace("#/definitions/", "#/$defs/")
        kind, fmt = out.get("type"), out.get("format")
        if kind == "string" and fmt == "int64":
            out.pop("type")
            out["anyOf"] = [{"type": "integer"}, {"type": "string", "pattern": "^-?[0-9]+$"}]
        elif kind == "array" or (kind == "object" and "additionalProperties" in out):
            out["type"] = [kind, "null"]
        elif kind == "object" and "properties" in out and "allOf" not in out:
            out["additionalProperties"] = False
        return out

    wire = wire_types or {}
    defs = {name: wire.get(name, convert(schema)) for name, schema in swagger["definitions"].items()}
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": f"#/$defs/{definition}",
              "$defs": defs}
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


_VALIDATORS: dict[tuple[str, str], jsonschema.Draft202012Validator] = {}


def validate(swagger: dict[str, Any], definition: str, body: Any,
             wire_types: dict[str, dict[str, Any]] | None = None) -> None:
    """Fail unless ``body`` is what the swagger's ``definition`` allows, no field more."""
    key = (swagger["info"]["title"], definition)
    if key not in _VALIDATORS:
        _VALIDATORS[key] = jsonschema.Draft202012Validator(
            wire_schema(swagger, definition, wire_types), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    validator = _VALIDATORS[key]
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:10])


def operation(swagger: dict[str, Any], method: str, path: str) -> tuple[str, dict[str, Any]]:
    """(path template, operation) of the swagger that serves ``method path``; literal segments win."""
    matches = []
    for template, ops in swagger["paths"].items():
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path) and method.lower() in ops:
            matches.append((template.count("{"), template, ops[method.lower()]))
    assert matches, f"the swagger has no operation {method} {path}"
    _, template, op = min(matches, key=lambda m: m[0])
    return template, op


def response_definition(op: dict[str, Any], status: int) -> str:
    response = op["responses"].get(str(status)) or op["responses"]["default"]
    return response["schema"]["$ref"].removeprefix("#/definitions/")


def check_request(swagger: dict[str, Any], request: httpx.Request, prefix: str = "") -> dict[str, Any]:
    """The operation of ``request``; fails unless its method, path and query parameters are all in the swagger."""
    path = request.url.path.removeprefix(prefix)
    template, op = operation(swagger, request.method, path)
    params = {p["name"]: p for p in op.get("parameters", [])}
    for name in re.findall(r"\{([^}]+)\}", template):
        assert params[name]["in"] == "path", f"{template}: {{{name}}} is not a path parameter"
    query = request.url.params
    for name in query:
        assert name in params and params[name]["in"] == "query", f"{template} has no query parameter {name}"
        if len(query.get_list(name)) > 1:
            assert params[name]["type"] == "array" and params[name].get("collectionFormat") == "multi", name
    return op


def request_definition(op: dict[str, Any]) -> str | None:
    """The definition a request body must satisfy, if the operation takes a body."""
    for param in op.get("parameters", []):
        if param["in"] == "body":
            return str(param["schema"]["$ref"]).removeprefix("#/definitions/")
    return None
