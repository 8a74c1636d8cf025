"""Writes to the session's real kube-apiserver as named field managers, for the comparison-engine tests.

Server-side apply (``application/apply-patch+yaml``, the way platformctl and Argo CD write) and merge-patch
updates (the way ``kubectl edit``/``patch`` and controllers write), each with its own ``fieldManager``, so the
managedFields the engine reads are the server's own. Plain REST through the client's ApiClient: only the few
built-in kinds these tests create need a URL.
"""

from __future__ import annotations

import json
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from checks.drift.discovery import Discovery, GroupKind, discover
from checks.drift.kubeapi import Requester
from checks.drift.model import ObjectRef

_SERVED: dict[int, Discovery] = {}  # per ApiClient: what the server serves, asked once


def url(obj: dict[str, Any], api: client.ApiClient) -> str:
    """The object's path, from the server's own discovery (as checks.drift.apply does): any kind, no table."""
    served = _SERVED.get(id(api))
    if served is None:
        served = _SERVED[id(api)] = discover(Requester(api))
    ref = ObjectRef.of(obj)
    rtype = served.lookup(GroupKind(ref.group, ref.kind))
    assert rtype is not None, f"{ref.group}/{ref.kind} is not served"
    return rtype.object_path(ref.namespace, ref.name, str(obj["apiVersion"]).rpartition("/")[2])


def _call(api: client.ApiClient, method: str, path: str, *, manager: str | None = None, body: Any = None,
          content_type: str = "application/json", dry_run: bool = False) -> dict[str, Any]:
    query = [("fieldManager", manager)] if manager else []
    if content_type == "application/apply-patch+yaml":
        query.append(("force", "true"))
        body = json.dumps(body)  # JSON is YAML; the client only serializes bodies of JSON content types
    if dry_run:
        query.append(("dryRun", "All"))
    request = api.param_serialize(method, path, query_params=query, body=body,
                                  header_params={"Content-Type": content_type, "Accept": "application/json"})
    response = api.call_api(*request)
    response.read()
    if not 200 <= response.status < 300:
        raise ApiException(status=response.status, reason=f"{method} {path}: {response.data!r}")
    return json.loads(response.data)


def apply(api: client.ApiClient, obj: dict[str, Any], manager: str, *, dry_run: bool = False) -> dict[str, Any]:
    """Server-side apply of ``obj`` by ``manager`` (conflicts forced, as controllers do); the stored object."""
    return _call(api, "PATCH", url(obj, api), manager=manager, body=obj, content_type="application/apply-patch+yaml",
                 dry_run=dry_run)


def create(api: client.ApiClient, obj: dict[str, Any], manager: str) -> dict[str, Any]:
    """A plain create (POST) by ``manager``: an Update entry that owns what it sent and the server's defaults."""
    return _call(api, "POST", url(obj, api).rpartition("/")[0], manager=manager, body=obj)


def update(api: client.ApiClient, obj: dict[str, Any], patch: dict[str, Any], manager: str) -> dict[str, Any]:
    """A strategic merge patch by ``manager`` (an Update in managedFields, as kubectl edit/patch write)."""
    return _call(api, "PATCH", url(obj, api), manager=manager, body=patch,
                 content_type="application/strategic-merge-patch+json")


def get(api: client.ApiClient, obj: dict[str, Any]) -> dict[str, Any]:
    return _call(api, "GET", url(obj, api))


def delete(api: client.ApiClient, obj: dict[str, Any]) -> None:
    try:
        _call(api, "DELETE", url(obj, api))
    except ApiException as exc:
        if exc.status != 404:
            raise
