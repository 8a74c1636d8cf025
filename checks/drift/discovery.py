"""Which resource types the cluster serves: core v1 and every group's preferred version.

Aggregated discovery (GA since Kubernetes 1.30) answers with every group in two requests (/api, /apis);
older servers, or ones behind a proxy that drops the Accept parameters, get the classic walk: /api/v1,
/apis, then one request per group. Subresources (pods/status, deployments/scale) are not types and are left
out. A group whose discovery fails is recorded, not fatal: its kinds become unknown, never "not served".
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from checks.drift.kubeapi import JSON, ClusterUnreachable, Requester

AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
ACCEPT_AGGREGATED = f"{AGGREGATED},{JSON}"  # a server without it answers the classic JSON
# Served and listable, but not stored objects: listing them makes the apiserver probe etcd, the scheduler and
# the controller-manager (deprecated since 1.19); nothing we render can be one.
VIRTUAL = frozenset({("", "componentstatuses")})


@dataclass(frozen=True, order=True)
class GroupKind:
    """A kind regardless of version: what a desired object names and what discovery answers for."""

    group: str
    kind: str

    def __str__(self) -> str:
        return f"{self.kind}.{self.group}" if self.group else self.kind


@dataclass(frozen=True, order=True)
class ResourceType:
    """One served resource type at its group's preferred version."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    verbs: frozenset[str] = field(default=frozenset(), compare=False)

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_kind(self) -> GroupKind:
        return GroupKind(self.group, self.kind)

    @property
    def listable(self) -> bool:
        return "list" in self.verbs

    def __str__(self) -> str:
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def collection_path(self, namespace: str = "", version: str = "") -> str:
        """The list URL: across all namespaces unless ``namespace`` is given."""
        root = f"/apis/{self.group}/{version or self.version}" if self.group else f"/api/{version or self.version}"
        scope = f"/namespaces/{quote(namespace, safe='')}" if namespace and self.namespaced else ""
        return f"{root}{scope}/{self.plural}"

    def object_path(self, namespace: str, name: str, version: str = "") -> str:
        return f"{self.collection_path(namespace, version)}/{quote(name, safe='')}"


@dataclass
class Discovery:
    """Every served type (listable or not) and the groups whose discovery failed, with the reason."""

    types: tuple[ResourceType, ...]
    failed_groups: dict[str, str] = field(default_factory=dict)
    _by_kind: dict[GroupKind, ResourceType] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_kind = {}
        for rtype in self.types:
            self._by_kind.setdefault(rtype.group_kind, rtype)

    def lookup(self, group_kind: GroupKind) -> ResourceType | None:
        return self._by_kind.get(group_kind)

    def listable(self) -> list[ResourceType]:
        return [t for t in self.types if t.listable and (t.group, t.plural) not in VIRTUAL]


def _aggregated(group_list: dict[str, Any], failed: dict[str, str]) -> Iterable[ResourceType]:
    """Types of an APIGroupDiscoveryList; versions come in preference order, so the first one is preferred."""
    for group in group_list.get("items") or []:
        name = (group.get("metadata") or {}).get("name") or ""
        versions = group.get("versions") or []
        if not versions:
            continue
        preferred = versions[0]
        if preferred.get("freshness") == "Stale":  # an aggregated API server that does not answer
            failed[name] = "discovery is stale: the group's API server is unavailable"
            continue
        for res in preferred.get("resources") or []:
            kind = (res.get("responseKind") or {}).get("kind") or ""
            if kind:
                yield ResourceType(name, preferred["version"], kind, res["resource"], res.get("scope") == "Namespaced",
                                   frozenset(res.get("verbs") or ()))


def _legacy(group: str, version: str, resource_list: dict[str, Any]) -> Iterable[ResourceType]:
    """Types of an APIResourceList (one group version), without subresources."""
    for res in resource_list.get("resources") or []:
        if "/" not in res["name"]:
            yield ResourceType(group, version, res["kind"], res["name"], bool(res.get("namespaced")),
                               frozenset(res.get("verbs") or ()))


def _must(requester: Requester, path: str, accept: str = JSON) -> dict[str, Any]:
    """Discovery of the core API or the group list: without it nothing can be checked."""
    response = requester.request("GET", path, accept=accept)
    if not response.ok:
        raise ClusterUnreachable(f"{requester.api.configuration.host}: cannot read API discovery {path}: "
                                 f"{response.describe()}")
    return response.json()


def discover(requester: Requester, pool: Executor | None = None, *, aggregated: bool = True) -> Discovery:
    """The served types; ``aggregated=False`` forces the classic per-group walk (for old servers, and tests)."""
    failed: dict[str, str] = {}
    if aggregated:
        core = requester.request("GET", "/api", accept=ACCEPT_AGGREGATED)
        if core.ok and core.content_type.startswith(AGGREGATED):
            groups = _must(requester, "/apis", ACCEPT_AGGREGATED)
            types = [*_aggregated(core.json(), failed), *_aggregated(groups, failed)]
            return Discovery(tuple(types), failed)
        if not core.ok:
            raise ClusterUnreachable(f"{requester.api.configuration.host}: cannot read API discovery /api: "
                                     f"{core.describe()}")
    types = list(_legacy("", "v1", _must(requester, "/api/v1")))
    preferred = [(g["name"], g["preferredVersion"]["version"]) for g in _must(requester, "/apis").get("groups") or []]

    def group_types(group: str, version: str) -> list[ResourceType]:
        response = requester.request("GET", f"/apis/{group}/{version}")
        if not response.ok:
            failed[group] = f"discovery failed: {response.describe()}"
            return []
        return list(_legacy(group, version, response.json()))

    calls = [pool.submit(group_types, g, v) for g, v in preferred] if pool else None
    for index, (group, version) in enumerate(preferred):
        types.extend(calls[index].result() if calls else group_types(group, version))
    return Discovery(tuple(types), failed)
