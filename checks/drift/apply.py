"""Server-side apply as a dry run: the object the API server would store for a desired one (``--server-side``).

Comparing git with the live object misses what the server adds (defaults, CRD schema defaults, admission
mutations) and reports it as drift. A dry-run apply (``dryRun=All``) runs the whole write path (defaulting,
admission, validation, conversion) and returns the result without persisting anything, so the checker can
compare like with like, as Argo CD's server-side diff does.

It is still a write request as far as RBAC is concerned: the credential needs ``patch`` on the resource (and
``create`` when the object does not exist yet). The read-only user of ``platformctl cluster up`` has only
get/list/watch, so it gets ``DryRunError`` with status 403 and the server's message, e.g.
``services "web" is forbidden: User "platformctl-readonly" cannot patch resource "services" in API group ""
in the namespace "shop"``. Use an apply-capable credential (or the admin kubeconfig locally) for this mode.
"""

from __future__ import annotations

from typing import Any

from kubernetes import client

from checks.drift.discovery import Discovery, GroupKind, discover
from checks.drift.kubeapi import DEFAULT_TIMEOUT, JSON, Requester
from checks.drift.model import ObjectRef

APPLY_PATCH = "application/apply-patch+yaml"  # JSON is YAML: the client sends the dict as JSON


class DryRunError(Exception):
    """The server refused the dry run (403 without patch rights, 404 for a missing namespace, 422 invalid)."""

    def __init__(self, ref: ObjectRef, status: int, message: str) -> None:
        super().__init__(f"dry-run apply of {ref}: {message}")
        self.ref = ref
        self.status = status


def dry_run_apply(api: client.ApiClient, obj: dict[str, Any], *, field_manager: str,
                  served: Discovery | None = None, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
    """The object the server would store if ``obj`` were applied by ``field_manager`` (forcing conflicts).

    ``served`` (e.g. ``LiveState.served``) saves the discovery requests; without it they are made here.
    Raises DryRunError when the server refuses, ClusterUnreachable when it cannot be reached.
    """
    return server_side_apply(api, obj, field_manager=field_manager, served=served, timeout=timeout, dry_run=True)


def server_side_apply(api: client.ApiClient, obj: dict[str, Any], *, field_manager: str,
                      served: Discovery | None = None, timeout: float = DEFAULT_TIMEOUT,
                      dry_run: bool = False) -> dict[str, Any]:
    """Apply ``obj`` as ``field_manager`` (conflicts forced, as Argo CD's server-side sync does); the stored
    object. ``dry_run`` persists nothing (see the module docstring)."""
    ref = ObjectRef.of(obj)
    requester = Requester(api, timeout=timeout)
    rtype = (served or discover(requester)).lookup(GroupKind(ref.group, ref.kind))
    if rtype is None:
        raise DryRunError(ref, 404, "kind not served by the cluster")
    version = str(obj.get("apiVersion") or "").rpartition("/")[2]  # the body's version must match the URL's
    query = [("fieldManager", field_manager), ("force", "true")]
    response = requester.request(
        "PATCH", rtype.object_path(ref.namespace, ref.name, version),
        query=[("dryRun", "All"), *query] if dry_run else query,
        accept=JSON, content_type=APPLY_PATCH, body=obj,
    )
    if not response.ok:
        raise DryRunError(ref, response.status, response.describe())
    return response.json()


def apply_order(obj: dict[str, Any]) -> tuple[int, str]:
    """Namespaces, then other cluster-scoped objects, then namespaced ones: each lands where it can."""
    namespaced = bool(obj.get("metadata", {}).get("namespace"))
    return (0 if obj.get("kind") == "Namespace" else 2 if namespaced else 1), str(obj.get("kind"))
