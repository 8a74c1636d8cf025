"""Live state: what the cluster holds of ours, in as few requests as the number of types allows.

One paginated, label-selected list per served listable type, all namespaces at once: the number of requests
grows with the number of types, not of objects, and objects of kinds git no longer has still turn up (as
extra). Then one GET per desired object the lists did not return: someone stripped our labels, or it is
gone (404: missing). Requests run in a bounded thread pool and stay raw JSON (see kubeapi.py).

Nothing here writes to the cluster: a read-only credential (get/list) is enough. What could not be read is
reported as unknown with the reason, per type and per desired object, and never counts as in sync; only a
cluster that cannot be reached at all raises (ClusterUnreachable, the CLI's exit 2).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

from kubernetes import client

from checks.drift.discovery import Discovery, GroupKind, ResourceType, discover
from checks.drift.kubeapi import DEFAULT_TIMEOUT, ClusterUnreachable, Requester, ensure_pool
from checks.drift.model import ObjectRef

__all__ = ["DEFAULT_PAGE_SIZE", "NOT_SERVED", "ClusterUnreachable", "LiveState", "Progress", "fetch"]

DEFAULT_PAGE_SIZE = 500  # kubectl's chunk size: large pages, few requests, bounded apiserver memory per call
NOT_SERVED = "kind not served by the cluster"
Progress = Callable[[str, int, int], None]  # (phase: "list" or "get", done, total)


@dataclass
class LiveState:
    """The live objects of ours, keyed like the desired ones, and what could not be read.

    ``objects`` holds everything the selector matched (desired or not: the rest is extra) and the desired
    objects found by GET; a desired object in neither ``objects`` nor ``unknown`` is missing. Objects come
    as the server sends them (Secrets with their data: hash before reporting) and may include ones a
    controller made and labelled like their owner (ownerReferences). ``unknown_types`` holds the kinds that
    could not be listed or are not served; groups whose discovery failed are in ``served.failed_groups``.
    """

    objects: dict[ObjectRef, dict[str, Any]] = field(default_factory=dict)
    unknown: dict[ObjectRef, str] = field(default_factory=dict)  # desired objects that could not be read: why
    unknown_types: dict[GroupKind, str] = field(default_factory=dict)  # unlisted kinds: extras there are unseen
    requests: int = 0  # every HTTP request, discovery included
    pages: dict[ResourceType, int] = field(default_factory=dict)  # list requests per listed type
    served: Discovery | None = None  # reusable, e.g. by apply.dry_run_apply


@dataclass(frozen=True)
class _Listed:
    rtype: ResourceType
    items: list[dict[str, Any]]
    pages: int
    error: str = ""


def _list(requester: Requester, rtype: ResourceType, selector: str, page_size: int) -> _Listed:
    """Every selected object of one type, page by page; list items get their apiVersion and kind back."""
    items: list[dict[str, Any]] = []
    token, pages, restarted = "", 0, False
    while True:
        query = [("labelSelector", selector), ("limit", str(page_size))]
        if token:
            query.append(("continue", token))
        response = requester.request("GET", rtype.collection_path(), query=query)
        pages += 1
        if response.status == 410 and token and not restarted:  # the continue token expired: start over, once
            items, token, restarted = [], "", True
            continue
        try:
            if not response.ok:
                raise ValueError(response.describe())
            body = response.json()
        except ValueError as exc:
            return _Listed(rtype, [], pages, f"cannot list {rtype}: {exc}")
        head = {"apiVersion": rtype.api_version, "kind": rtype.kind}
        items.extend({**head, **item} for item in body.get("items") or ())
        token = (body.get("metadata") or {}).get("continue") or ""
        if not token:
            return _Listed(rtype, items, pages)


def _get(requester: Requester, rtype: ResourceType, ref: ObjectRef) -> tuple[dict[str, Any] | None, str]:
    """The object, or None and "" when it does not exist, or None and why it could not be read."""
    response = requester.request("GET", rtype.object_path(ref.namespace, ref.name))
    if response.status == 404:
        return None, ""
    if not response.ok:
        return None, f"cannot get {ref}: {response.describe()}"
    try:
        return response.json(), ""
    except ValueError as exc:
        return None, f"cannot get {ref}: {exc}"


def _run(pool: ThreadPoolExecutor, calls: list[Future[Any]], phase: str, progress: Progress | None) -> None:
    """Wait for all calls; the first ClusterUnreachable cancels the rest and propagates."""
    try:
        for done, call in enumerate(as_completed(calls), start=1):
            call.result()
            if progress:
                progress(phase, done, len(calls))
    except ClusterUnreachable:
        pool.shutdown(wait=True, cancel_futures=True)
        raise


def _unreadable(ref: ObjectRef, rtype: ResourceType | None, served: Discovery, failed: dict[GroupKind, str]) -> str:
    """Why a desired object cannot be looked up at all ("" when it can)."""
    group_kind = GroupKind(ref.group, ref.kind)
    if ref.group in served.failed_groups:
        return f"API group {ref.group}: {served.failed_groups[ref.group]}"
    if rtype is None:
        return NOT_SERVED
    if group_kind in failed:
        return failed[group_kind]
    if not {"list", "get"} <= rtype.verbs:
        return f"{rtype} is served without list and get"
    if rtype.namespaced and not ref.namespace:
        return f"{rtype} is namespaced but the object has no metadata.namespace"
    return ""


def fetch(api: client.ApiClient, desired: Iterable[dict[str, Any]], *, selector: str, workers: int = 8,
          progress: Progress | None = None, page_size: int = DEFAULT_PAGE_SIZE,
          timeout: float = DEFAULT_TIMEOUT) -> LiveState:
    """Read the live state for ``desired`` (the rendered objects) and every object ``selector`` matches.

    ``selector`` is a label selector such as
    ``app.kubernetes.io/managed-by=platformctl,platformctl.dev/environment=prod``. ``workers`` bounds the
    concurrent requests (the client's connection pool is raised to match). Live objects come at the version
    the cluster prefers for their group; they are keyed by ObjectRef, which has no version.
    """
    ensure_pool(api, workers)
    requester = Requester(api, timeout=timeout)
    state = LiveState()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="drift-live") as pool:
        served = state.served = discover(requester, pool)
        listable = sorted(served.listable())
        lists = [pool.submit(_list, requester, rtype, selector, page_size) for rtype in listable]
        _run(pool, lists, "list", progress)
        for call in lists:  # in type order: the same cluster gives the same dict order
            listed: _Listed = call.result()
            state.pages[listed.rtype] = listed.pages
            if listed.error:
                state.unknown_types[listed.rtype.group_kind] = listed.error
            for item in listed.items:
                state.objects[ObjectRef.of(item)] = item

        gets: dict[ObjectRef, Future[tuple[dict[str, Any] | None, str]]] = {}
        for obj in desired:
            ref = ObjectRef.of(obj)
            if ref in state.objects or ref in state.unknown or ref in gets:
                continue
            rtype = served.lookup(GroupKind(ref.group, ref.kind))
            reason = _unreadable(ref, rtype, served, state.unknown_types)
            if reason:
                state.unknown[ref] = reason
                if reason == NOT_SERVED or ref.group in served.failed_groups:
                    state.unknown_types[GroupKind(ref.group, ref.kind)] = reason
            else:
                assert rtype is not None
                gets[ref] = pool.submit(_get, requester, rtype, ref)
        _run(pool, list(gets.values()), "get", progress)
        for ref, call in sorted(gets.items()):
            obj, error = call.result()
            if obj is not None:
                state.objects[ref] = obj
            elif error:
                state.unknown[ref] = error
    state.requests = requester.count
    return state
