"""Argo CD's contract for tests: its swagger as JSON Schema, and a MockTransport server that enforces it.

FakeArgoCD fails a test unless the swagger (``../shared/api/argocd-swagger.json``) has an operation for each
request's method and path with every query parameter it carries, and validates every body it serves against
that operation's response schema. Shared by the client's tests and the drift check's Argo CD tests.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from checks.drift.argocd import ArgoCD
from tests.swagger import check_request, response_definition
from tests.swagger import validate as validate_against

SWAGGER_PATH = Path(__file__).resolve().parents[3] / "shared" / "api" / "argocd-swagger.json"
FIXTURES = Path(__file__).resolve().parent / "argocd_fixtures"
URL = "https://argocd.platform.example.com"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkcmlmdDphcGlLZXkifQ.c2VjcmV0LXRva2VuLXZhbHVl"
LIST = "/api/v1/applications"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())



# Types whose Go JSON marshalling differs from the protobuf struct the swagger describes.
WIRE_TYPES: dict[str, dict[str, Any]] = {
    "runtimeRawExtension": {},  # any JSON (helm valuesObject)
    "v1JSON": {},
    "v1FieldsV1": {"type": "object"},  # managedFields' field set, inline
    "intstrIntOrString": {"type": ["integer", "string"]},
}


def validate(swagger: dict[str, Any], definition: str, body: Any) -> None:
    validate_against(swagger, definition, body, WIRE_TYPES)


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
