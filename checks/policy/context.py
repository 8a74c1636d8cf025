"""One pass over all objects building the indexes the cross-object rules look things up in.

Everything is keyed by environment first: the default run checks every environment at once, and
``acme-shop`` in staging is not ``acme-shop`` in prod.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from checks.manifests import Manifest
from checks.policy.facts import PlatformFacts
from checks.policy.podspec import as_dict, as_list, pod_view
from checks.policy.selectors import is_empty, matches

TENANT_LABEL = "platformctl.dev/tenant"
ENV_LABEL = "platformctl.dev/environment"
NAME_LABEL = "kubernetes.io/metadata.name"
_TENANT_APP = re.compile(r"(?:^|/)rendered/([^/]+)/tenants/([^/]+)/")
_RENDERED_ENV = re.compile(r"(?:^|/)rendered/([^/]+)/")
# Custom kinds whose operators create pods: a Service or PDB in their namespace may select those.
OPERATOR_POD_KINDS = frozenset({"KuberoApp", "Cluster", "Pooler", "Prometheus", "Alertmanager"})

NsKey = tuple[str, str]
Identity = tuple[str, str, str, str, str]  # (env, API group, kind, namespace, name): what the API server keys on
Place = tuple[str, int]  # (file, line)


@dataclass
class Context:
    facts: PlatformFacts
    ns_labels: dict[NsKey, dict[str, Any]] = field(default_factory=dict)
    ns_tenant: dict[NsKey, str] = field(default_factory=dict)
    tenant_ns: dict[NsKey, set[str]] = field(default_factory=dict)  # (env, tenant) -> namespaces
    templates: dict[NsKey, list[dict[str, Any]]] = field(default_factory=dict)
    operator_ns: set[NsKey] = field(default_factory=set)
    service_accounts: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    roles: dict[tuple[str, str, str, str], list[Any]] = field(default_factory=dict)  # (env, ns, kind, name)
    denies: dict[NsKey, set[str]] = field(default_factory=dict)  # directions a default-deny policy covers
    quotas: set[NsKey] = field(default_factory=set)
    limit_ranges: set[NsKey] = field(default_factory=set)
    host_tenants: dict[NsKey, set[str]] = field(default_factory=dict)  # (env, host) -> tenants
    duplicates: dict[Identity, list[Place]] = field(default_factory=dict)  # identity -> every place, sorted
    _memo: dict[Any, Any] = field(default_factory=dict, repr=False)  # derived lookups, computed on first use

    def tenant_of(self, m: Manifest) -> str:
        return _own_tenant(m)

    def namespaces_of(self, env: str, tenant: str) -> set[str] | None:
        return self.tenant_ns.get((env, tenant))

    def tenants(self, env: str) -> set[str]:
        key = ("tenants", env)
        if key not in self._memo:
            self._memo[key] = {t for (e, t) in self.tenant_ns if e == env}
        return self._memo[key]

    def env_namespaces(self, env: str) -> dict[str, dict[str, Any]]:
        """Every namespace known in ``env`` with its labels (the implicit name label included)."""
        key = ("namespaces", env)
        if key not in self._memo:
            known = {ns: {NAME_LABEL: ns} for (e, ns) in self.ns_tenant if e == env}
            known.update({ns: {**labels, NAME_LABEL: ns} for (e, ns), labels in self.ns_labels.items() if e == env})
            self._memo[key] = known
        return self._memo[key]

    def _by_label(self, env: str) -> dict[tuple[str, Any], set[str]]:
        """(label, value) -> the namespaces of ``env`` carrying it."""
        key = ("by-label", env)
        if key not in self._memo:
            index: dict[tuple[str, Any], set[str]] = {}
            for ns, labels in self.env_namespaces(env).items():
                for pair in labels.items():
                    if isinstance(pair[1], (str, int, float, bool)):
                        index.setdefault(pair, set()).add(ns)
            self._memo[key] = index
        return self._memo[key]

    def select_namespaces(self, env: str, selector: dict[str, Any]) -> frozenset[str]:
        """The namespaces of ``env`` a namespaceSelector picks; memoized, since policies repeat selectors.

        With matchLabels, only the namespaces carrying all those labels are tried (a label index): every
        database policy names its own namespace, so scanning all namespaces per selector was quadratic.
        """
        key = ("select", env, repr(selector))
        if key not in self._memo:
            known = self.env_namespaces(env)
            wanted = as_dict(selector.get("matchLabels"))
            candidates: Iterable[str] = known
            if wanted and all(isinstance(v, (str, int, float, bool)) for v in wanted.values()):
                index = self._by_label(env)
                candidates = set.intersection(*(index.get(pair, set()) for pair in wanted.items()))
            self._memo[key] = frozenset(ns for ns in candidates if matches(selector, known[ns]))
        return self._memo[key]


def _own_tenant(m: Manifest) -> str:
    """The tenant an object says it belongs to: its label, else the tenants/<tenant>/ directory it sits in."""
    tenant = m.labels.get(TENANT_LABEL)
    if tenant:
        return str(tenant)
    app = _TENANT_APP.search(m.file)
    return app.group(2) if app else ""


def in_tenant_app(m: Manifest) -> bool:
    """True for objects of a tenant's own Argo CD application (rendered/<env>/tenants/<tenant>/)."""
    return _TENANT_APP.search(m.file) is not None


def _env(m: Manifest) -> str:
    env = m.labels.get(ENV_LABEL)
    if env:
        return str(env)
    found = _RENDERED_ENV.search(m.file)
    return found.group(1) if found else ""


def _hosts(obj: dict[str, Any]) -> list[str]:
    spec = as_dict(obj.get("spec"))
    hosts = [as_dict(r).get("host") for r in as_list(spec.get("rules"))]
    hosts += [h for t in as_list(spec.get("tls")) for h in as_list(as_dict(t).get("hosts"))]
    return sorted({h for h in hosts if isinstance(h, str) and h})


def default_denies(spec: dict[str, Any]) -> list[str]:
    """The directions a NetworkPolicy denies by default: it selects every pod and allows nothing there."""
    types = as_list(spec.get("policyTypes")) or (["Ingress", "Egress"] if spec.get("egress") else ["Ingress"])
    if not is_empty(spec.get("podSelector")):
        return []
    return [d for d in ("Ingress", "Egress") if d in types and not as_list(spec.get(d.lower()))]


def identity(m: Manifest) -> Identity:
    """Two objects with one identity are one object to the cluster: the second silently wins (or fights)."""
    group = m.api_version.rpartition("/")[0] if "/" in m.api_version else ""
    return (m.env, group, m.kind, m.namespace, m.name)


@dataclass
class Index:
    """What one shard of objects contributes to the Context; shards are indexed apart and merged in order.

    Only object data lives here: whatever depends on the platform facts (which namespaces a tenant owns)
    is decided in ``merge``, once, so shards can be indexed while the blueprints are still loading.
    """

    namespaces: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)  # (env, name, labels)
    templates: dict[NsKey, list[dict[str, Any]]] = field(default_factory=dict)
    operator_ns: set[NsKey] = field(default_factory=set)
    service_accounts: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    roles: dict[tuple[str, str, str, str], list[Any]] = field(default_factory=dict)
    denies: dict[NsKey, set[str]] = field(default_factory=dict)
    quotas: set[NsKey] = field(default_factory=set)
    limit_ranges: set[NsKey] = field(default_factory=set)
    ingresses: list[tuple[str, str, str, list[str]]] = field(default_factory=list)  # (env, ns, own tenant, hosts)
    duplicates: dict[Identity, list[Place]] = field(default_factory=dict)  # within this shard
    identity_hashes: bytes = b""  # hash() of every distinct identity, as array("q"): finds cross-shard suspects


def index(manifests: list[Manifest]) -> Index:
    """Index one shard; also fills each manifest's ``env`` and ``pod`` (the rules read them)."""
    idx = Index()
    first_seen: dict[Identity, Place] = {}
    repeats: dict[Identity, list[Place]] = {}
    for m in manifests:
        env = m.env = _env(m)
        kind, ns = m.kind, m.namespace
        key = (env, ns)
        ident = identity(m)
        if ident in first_seen:
            repeats.setdefault(ident, []).append((m.file, m.line))
        else:
            first_seen[ident] = (m.file, m.line)
        pod = m.pod = pod_view(kind, m.obj)
        if pod is not None:
            idx.templates.setdefault(key, []).append(pod.labels)
        elif kind == "Namespace":
            idx.namespaces.append((env, m.name, m.labels))
        elif kind == "ServiceAccount":
            idx.service_accounts[(env, ns, m.name)] = m.obj
        elif kind in ("Role", "ClusterRole"):
            idx.roles[(env, ns if kind == "Role" else "", kind, m.name)] = as_list(m.obj.get("rules"))
        elif kind == "NetworkPolicy":
            denied = default_denies(as_dict(m.obj.get("spec")))
            if denied:
                idx.denies.setdefault(key, set()).update(denied)
        elif kind == "ResourceQuota":
            idx.quotas.add(key)
        elif kind == "LimitRange":
            idx.limit_ranges.add(key)
        elif kind == "Ingress":
            idx.ingresses.append((env, ns, _own_tenant(m), _hosts(m.obj)))
        if kind in OPERATOR_POD_KINDS:
            idx.operator_ns.add(key)
    idx.duplicates = {ident: [first_seen[ident], *places] for ident, places in repeats.items()}
    idx.identity_hashes = array("q", map(hash, first_seen)).tobytes()
    return idx


def shared_hashes(shards: list[Index]) -> frozenset[int]:
    """Identity hashes found in more than one shard: only their objects need comparing across shards.

    One flat array per shard instead of every identity keeps what crosses process boundaries small;
    a hash collision only costs a look at the real identities (``places_of``).
    """
    seen: set[int] = set()
    shared: set[int] = set()
    for idx in shards:
        hashes = array("q")
        hashes.frombytes(idx.identity_hashes)
        mine = set(hashes)
        shared |= seen & mine
        seen |= mine
    return frozenset(shared)


def places_of(manifests: list[Manifest], hashes: frozenset[int]) -> list[tuple[Identity, Place]]:
    """Identity and place of every object whose identity hash is in ``hashes`` (after ``index``)."""
    if not hashes:
        return []
    found = []
    for m in manifests:
        ident = identity(m)
        if hash(ident) in hashes:
            found.append((ident, (m.file, m.line)))
    return found


def merge(shards: list[Index], facts: PlatformFacts, across: Sequence[tuple[Identity, Place]] = ()) -> Context:
    """The Context of all shards, in shard order (so any shard count gives the same Context).

    ``across``: ``places_of`` the objects whose identity hash more than one shard holds.
    """
    ctx = Context(facts)
    for (env, tenant), namespaces in facts.tenant_namespaces.items():
        ctx.tenant_ns[(env, tenant)] = set(namespaces)
        for ns in namespaces:
            ctx.ns_tenant[(env, ns)] = tenant
    planned = facts.environments()
    places: dict[Identity, list[Place]] = {}
    for idx in shards:
        for env, name, labels in idx.namespaces:
            ctx.ns_labels[(env, name)] = labels
            tenant = labels.get(TENANT_LABEL)
            if tenant and env not in planned:  # no blueprint for this environment: trust the Namespace's label
                ctx.ns_tenant.setdefault((env, name), str(tenant))
                ctx.tenant_ns.setdefault((env, str(tenant)), set()).add(name)
        for key, labels in idx.templates.items():
            ctx.templates.setdefault(key, []).extend(labels)
        for key, directions in idx.denies.items():
            ctx.denies.setdefault(key, set()).update(directions)
        ctx.operator_ns |= idx.operator_ns
        ctx.service_accounts.update(idx.service_accounts)
        ctx.roles.update(idx.roles)
        ctx.quotas |= idx.quotas
        ctx.limit_ranges |= idx.limit_ranges
        places.update(idx.duplicates)
    everywhere: dict[Identity, list[Place]] = {}
    for ident, where in across:  # every place of these identities, in every shard
        everywhere.setdefault(ident, []).append(where)
    places.update(everywhere)
    ctx.duplicates = {ident: sorted(where) for ident, where in places.items() if len(where) > 1}
    for idx in shards:  # needs the namespace -> tenant map complete
        for env, ns, own, hosts in idx.ingresses:
            tenant = own or ctx.ns_tenant.get((env, ns), "")
            if tenant:
                for host in hosts:
                    ctx.host_tenants.setdefault((env, host), set()).add(tenant)
    return ctx


def build(manifests: list[Manifest], facts: PlatformFacts) -> Context:
    """Index every object once (one shard); also fills each manifest's ``env`` and ``pod``."""
    return merge([index(manifests)], facts)


def ingress_hosts(obj: dict[str, Any]) -> list[str]:
    return _hosts(obj)
