"""One pass over all objects building the indexes the cross-object rules look things up in.

Everything is keyed by environment first: the default run checks every environment at once, and
``acme-shop`` in staging is not ``acme-shop`` in prod.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from checks.manifests import Manifest
from checks.policy.facts import PlatformFacts
from checks.policy.podspec import as_dict, as_list, pod_view
from checks.policy.selectors import matches

TENANT_LABEL = "platformctl.dev/tenant"
ENV_LABEL = "platformctl.dev/environment"
NAME_LABEL = "kubernetes.io/metadata.name"
_TENANT_APP = re.compile(r"(?:^|/)rendered/([^/]+)/tenants/([^/]+)/")
_RENDERED_ENV = re.compile(r"(?:^|/)rendered/([^/]+)/")
# Custom kinds whose operators create pods: a Service or PDB in their namespace may select those.
OPERATOR_POD_KINDS = frozenset({"KuberoApp", "Cluster", "Pooler", "Prometheus", "Alertmanager"})

NsKey = tuple[str, str]


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
    netpols: dict[NsKey, list[dict[str, Any]]] = field(default_factory=dict)
    quotas: set[NsKey] = field(default_factory=set)
    limit_ranges: set[NsKey] = field(default_factory=set)
    host_tenants: dict[NsKey, set[str]] = field(default_factory=dict)  # (env, host) -> tenants
    _memo: dict[Any, Any] = field(default_factory=dict, repr=False)  # derived lookups, computed on first use

    def tenant_of(self, m: Manifest) -> str:
        """The tenant an object belongs to: its label, else the tenants/<tenant>/ directory it sits in."""
        tenant = m.labels.get(TENANT_LABEL)
        if tenant:
            return str(tenant)
        app = _TENANT_APP.search(m.file)
        return app.group(2) if app else ""

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

    def select_namespaces(self, env: str, selector: dict[str, Any]) -> frozenset[str]:
        """The namespaces of ``env`` a namespaceSelector picks; memoized, since policies repeat selectors."""
        key = ("select", env, repr(selector))
        if key not in self._memo:
            self._memo[key] = frozenset(ns for ns, labels in self.env_namespaces(env).items()
                                        if matches(selector, labels))
        return self._memo[key]


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


def build(manifests: list[Manifest], facts: PlatformFacts) -> Context:
    """Index every object once; also fills each manifest's ``env`` and ``pod``."""
    ctx = Context(facts)
    for (env, tenant), namespaces in facts.tenant_namespaces.items():
        ctx.tenant_ns[(env, tenant)] = set(namespaces)
        for ns in namespaces:
            ctx.ns_tenant[(env, ns)] = tenant
    planned = facts.environments()
    for m in manifests:
        env = m.env = _env(m)
        kind, ns = m.kind, m.namespace
        key = (env, ns)
        pod = m.pod = pod_view(kind, m.obj)
        if pod is not None:
            ctx.templates.setdefault(key, []).append(pod.labels)
        elif kind == "Namespace":
            ctx.ns_labels[(env, m.name)] = m.labels
            tenant = m.labels.get(TENANT_LABEL)
            if tenant and env not in planned:
                ctx.ns_tenant.setdefault((env, m.name), str(tenant))
                ctx.tenant_ns.setdefault((env, str(tenant)), set()).add(m.name)
        elif kind == "ServiceAccount":
            ctx.service_accounts[(env, ns, m.name)] = m.obj
        elif kind in ("Role", "ClusterRole"):
            ctx.roles[(env, ns if kind == "Role" else "", kind, m.name)] = as_list(m.obj.get("rules"))
        elif kind == "NetworkPolicy":
            ctx.netpols.setdefault(key, []).append(as_dict(m.obj.get("spec")))
        elif kind == "ResourceQuota":
            ctx.quotas.add(key)
        elif kind == "LimitRange":
            ctx.limit_ranges.add(key)
        elif kind in OPERATOR_POD_KINDS:
            ctx.operator_ns.add(key)
    for m in manifests:  # second, cheap pass: needs the namespace -> tenant map complete
        if m.kind == "Ingress":
            tenant = ctx.tenant_of(m) or ctx.ns_tenant.get((m.env, m.namespace), "")
            if tenant:
                for host in _hosts(m.obj):
                    ctx.host_tenants.setdefault((m.env, host), set()).add(tenant)
    return ctx


def ingress_hosts(obj: dict[str, Any]) -> list[str]:
    return _hosts(obj)
