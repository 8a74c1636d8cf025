"""A Gitea for tests that keeps to Gitea's own API document (../shared/api/gitea-swagger.json, API 1.25).

FakeGitea is an httpx MockTransport handler holding pull requests, issues, comments and labels in memory. It
fails the test unless each request's method, path and query parameters are an operation of the swagger, its
body satisfies the operation's body definition (no field the API lacks), and it serves each response with the
status the swagger documents, validated against that response's schema. Where a real Gitea runs
(tests/gitea_server.py), the same flows run against it too.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import httpx

from review.gitea import API, Gitea
from tests.swagger import check_request, request_definition, validate

SWAGGER_PATH = Path(__file__).resolve().parents[3] / "shared" / "api" / "gitea-swagger.json"
URL = "https://gitea.platform.example.com"
TOKEN = "gitea-test-token-0123456789abcdef"


def swagger() -> dict[str, Any]:
    return json.loads(SWAGGER_PATH.read_text())


def _response_schema(spec: dict[str, Any], op: dict[str, Any], status: int) -> tuple[str, bool] | None:
    """(definition, is a list) of the documented response ``status``; None for an empty response."""
    entry = op["responses"][str(status)]
    schema = spec["responses"][entry["$ref"].removeprefix("#/responses/")].get("schema")
    if schema is None:
        return None
    if schema.get("type") == "array":
        return schema["items"]["$ref"].removeprefix("#/definitions/"), True
    return schema["$ref"].removeprefix("#/definitions/"), False


class FakeGitea:
    """One Gitea instance; ``owner/repo`` repositories appear on first use."""

    def __init__(self) -> None:
        self.spec = swagger()
        self.requests: list[httpx.Request] = []
        self.threads: dict[str, list[dict[str, Any]]] = {}  # "owner/repo" -> issues and pulls (one numbering)
        self.comments: dict[int, dict[str, Any]] = {}
        self.comment_on: dict[int, tuple[str, int]] = {}
        self.labels: dict[str, list[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self.refuse: int | None = None  # answer every request with this status (e.g. 401)
        self.errors: list[str] = []  # contract violations seen behind the HTTP server (gitea_http.py)

    def client(self, token: str = TOKEN) -> Gitea:
        return Gitea(URL, token, transport=httpx.MockTransport(self))

    # --- the contract ------------------------------------------------------------------------------------

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        op = check_request(self.spec, request, API)
        assert request.headers.get("Authorization", "").startswith("token "), "Gitea needs the token header"
        body = json.loads(request.content) if request.content else None
        definition = request_definition(op)
        if definition is not None:
            assert body is not None, f"{request.method} {request.url.path}: the operation takes a body"
            validate(self.spec, definition, body)
        if self.refuse is not None:
            return httpx.Response(self.refuse, json={"message": "token is required"})
        status, payload = self._serve(request.method, request.url.path.removeprefix(API), request.url.params, body)
        shape = _response_schema(self.spec, op, status)
        if shape is not None:
            name, many = shape
            for item in payload if many else [payload]:
                validate(self.spec, name, item)
        return httpx.Response(status, json=payload)

    # --- the server ----------------------------------------------------------------------------------------

    def _serve(self, method: str, path: str, params: httpx.QueryParams, body: Any) -> tuple[int, Any]:
        parts = path.strip("/").split("/")
        owner, repo, rest = parts[1], parts[2], parts[3:]
        key = f"{owner}/{repo}"
        threads = self.threads.setdefault(key, [])
        if rest == ["pulls"] and method == "GET":
            return 200, self._page([t for t in threads if "head" in t and t["state"] == params.get("state", "open")],
                                   params)
        if rest == ["pulls"] and method == "POST":
            return 201, self._add(key, threads, body, pull=True)
        if rest[0] in ("pulls", "issues") and len(rest) == 2 and method == "PATCH":
            thread = next(t for t in threads if t["number"] == int(rest[1]))
            thread.update({k: v for k, v in body.items() if k in ("title", "body", "state")})
            return 201, thread
        if rest == ["issues"] and method == "GET":
            # as Gitea 1.25 does: names the repository has no label of are discarded; none left, no filter
            known = {lab["name"] for lab in self.labels.get(key, [])}
            wanted = {n for n in params.get("labels", "").split(",") if n in known}
            found = [t for t in threads if "head" not in t and t["state"] == params.get("state", "open")
                     and (not wanted or wanted & {lab["name"] for lab in t["labels"]})]
            return 200, self._page(found, params)
        if rest == ["issues"] and method == "POST":
            return 201, self._add(key, threads, body, pull=False)
        if rest[0] == "issues" and rest[-1] == "comments" and len(rest) == 3:
            number = int(rest[1])
            if method == "GET":
                return 200, [c for i, c in self.comments.items() if self.comment_on[i] == (key, number)]
            comment = {"id": next(self._ids), "body": body["body"], "html_url": f"{URL}/{key}/issues/{number}"}
            self.comments[comment["id"]] = comment
            self.comment_on[comment["id"]] = (key, number)
            return 201, comment
        if rest[:2] == ["issues", "comments"] and method == "PATCH":
            comment = self.comments[int(rest[2])]
            comment["body"] = body["body"]
            return 200, comment
        if rest == ["labels"]:
            labels = self.labels.setdefault(key, [])
            if method == "GET":
                return 200, self._page(labels, params)
            label = {"id": next(self._ids), "name": body["name"], "color": body["color"].lstrip("#")}
            labels.append(label)
            return 201, label
        raise AssertionError(f"FakeGitea does not serve {method} {path}")

    def _page(self, items: list[dict[str, Any]], params: httpx.QueryParams) -> list[dict[str, Any]]:
        limit, page = int(params.get("limit", 30)), int(params.get("page", 1))
        return items[(page - 1) * limit: page * limit]

    def _add(self, key: str, threads: list[dict[str, Any]], body: dict[str, Any], *, pull: bool) -> dict[str, Any]:
        number = len(threads) + 1
        kind = "pulls" if pull else "issues"
        thread: dict[str, Any] = {"id": next(self._ids), "number": number, "title": body["title"],
                                  "body": body.get("body", ""), "state": "open",
                                  "html_url": f"{URL}/{key}/{kind}/{number}"}
        if pull:
            thread["head"] = {"ref": body["head"], "label": body["head"]}
            thread["base"] = {"ref": body["base"], "label": body["base"]}
        else:
            names = {lab["id"]: lab for lab in self.labels.get(key, [])}
            thread["labels"] = [names[i] for i in body.get("labels", [])]
        threads.append(thread)
        return thread

    def pulls(self, key: str) -> list[dict[str, Any]]:
        return [t for t in self.threads.get(key, []) if "head" in t]

    def issues(self, key: str) -> list[dict[str, Any]]:
        return [t for t in self.threads.get(key, []) if "head" not in t]
