"""Argo CD's contract for tests: its swagger as JSON Schema, and a MockTransport server that enforces it.

FakeArgoCD fails a test unless the swagger (``../shared/api/argocd-swagger.json``) has an operation for each
request's method and path with every query parameter it carries, and validates every body it serves against
that operation's response schema. Shared by the client's tests and the drift check's Argo CD tests.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import jsonschema

from checks.drift.argocd import ArgoCD

SWAGGER_PATH = Path(__file__).resolve().parents[3] / "shared" / "api" / "argocd-swagger.json"
FIXTURES = Path(__file__).resolve().parent / "argocd_fixtures"
URL = "https://argocd.platform.example.com"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkcmlmdDphcGlLZXkifQ.c2VjcmV0LXRva2VuLXZhbHVl"
LIST = "/api/v1/applications"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())



# --- Swagger 2.0 -> JSON Schema 2020-12 ------------------------------------------------------------------------

# Types whose Go JSON marshalling differs from the protobuf struct the swagger describes.
WIRE_TYPES: dict[str, dict[str, Any]] = {
    "runtimeRawExtension": {},  # any JSON (helm valuesObject)
    "v1JSON": {},
    "v1FieldsV1": {"type": "object"},  # managedFields' field set, inline
    "intstrIntOrString": {"type": ["integer", "string"]},
}


def wire_schema(swagger: dict[str, Any], definition: str) -> dict[str, Any]:
    """The swagger definition as a JSON Schema of what Argo CD sends, strict: no field the swagger lacks.

    Argo CD's gateway marshals with Go's encoding/json (util/grpc/json.go), not protobuf's JSON mapping: int64
    is a number (``type: string, format: int64`` is protobuf's view), nil slices and maps are ``null``, and the
    WIRE_TYPES marshal themselves. Objects get ``additionalProperties: false`` so a fixture cannot carry a
    field the API does not document.
    """

    def convert(node: Any) -> Any:
        if isinstance(node, list):
            return [convert(n) for n in node]
        if not isinstance(node, dict):
            return node
        out = {k: convert(v) for k, v in node.items() if k not in ("title", "description")}
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

    defs = {name: WIRE_TYPES.get(name, convert(schema)) for name, schema in swagger["definitions"].items()}
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": f"#/$defs/{definition}",
              "$defs": defs}
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


_VALIDATORS: dict[str, jsonschema.Draft202012Validator] = {}


def validate(swagger: dict[str, Any], definition: str, body: Any) -> None:
    if definition not in _VALIDATORS:
        _VALIDATORS[definition] = jsonschema.Draft202012Validator(
            wire_schema(swagger, definition), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    validator = _VALIDATORS[definition]
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


class FakeArgoCD:
    """A MockTransport handler serving ``routes`` (path -> (status, body)) after checking against the swagger.

    A dict body is validated against the operation's response schema; bytes are served as they are.
    """

    def __init__(self, swagger: dict[str, Any], routes: dict[str, tuple[int, Any]], prefix: str = "") -> None:
        self.swagger, self.routes, self.prefix = swagger, routes, prefix
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        op = check_request(self.swagger, request, self.prefix)
        status, body = self.routes[request.url.path.removeprefix(self.prefix)]
        if isinstance(body, bytes):
            return httpx.Response(status, content=body, headers={"Content-Type": "text/html"})
        validate(self.swagger, response_definition(op, status), body)
        return httpx.Response(status, json=body)

    def client(self, url: str = URL, token: str = TOKEN, **options: Any) -> ArgoCD:
        return ArgoCD(url, token, token_source="ARGOCD_TOKEN", transport=httpx.MockTransport(self), **options)


def managed(app: str) -> str:
    return f"{LIST}/{app}/managed-resources"
