"""Multi-tenant isolation, judged across objects: every tenant stays inside its own namespaces.

A tenant is known from the blueprints (``--root``) or, without them, from Namespace objects labelled
``platformctl.dev/tenant``. Platform-owned Argo CD objects (Application, AppProject) live in the Argo
CD namespace by design and are judged by ``appproject-destinations`` instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from checks.manifests import Manifest
from checks.policy.context import Context, in_tenant_app, ingress_hosts
from checks.policy.podspec import as_dict, as_list
from checks.policy.registry import Hit, rule

ARGOCD_GROUP = "argoproj.io/"
_GROUP_TENANT = re.compile(r"(?:^|[/:])([a-z0-9-]+)-(?:owners|members)$")
# Kinds without a namespace. Anything else found without metadata.namespace is namespaced (defaulted).
CLUSTER_SCOPED = frozenset({
    "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
    "StorageClass", "VolumeAttachment", "CSIDriver", "CSINode", "IngressClass", "PriorityClass", "RuntimeClass",
    "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding", "APIService", "PodSecurityPolicy", "CertificateSigningRequest",
    "FlowSchema", "PriorityLevelConfiguration", "ClusterIssuer", "ClusterSecretStore", "ClusterExternalSecret",
    "ClusterImageCatalog", "VolumeSnapshotClass",
})


def _describes_tenant(m: Manifest) -> bool:
    """Platform-owned objects about a tenant, which their controller reads from its own namespace only:
    Argo CD's AppProjects and Applications (argocd), Kubero's pipelines (kubero). They carry the tenant
    label for ownership, not for placement."""
    return m.api_version.startswith(ARGOCD_GROUP) or (
        m.kind == "KuberoPipeline" and m.api_version.startswith("application.kubero.dev/"))


@rule("tenant-namespace", "error", "Tenant objects must stay inside their tenant's namespaces",
      "Move the object to one of the tenant's namespaces (or fix its platformctl.dev/tenant label).")
def tenant_namespace(m: Manifest, ctx: Context) -> Iterator[Hit]:
    tenant = ctx.tenant_of(m)
    if not tenant or _describes_tenant(m):
        return
    own = ctx.namespaces_of(m.env, tenant)
    if m.kind == "Namespace":
        if own is not None and m.name not in own:
            yield f"namespace {m.name!r} is not one of tenant {tenant}'s namespaces", "metadata.name"
        elif own is None and m.env in ctx.facts.environments():
            yield f"tenant {tenant!r} does not exist in environment {m.env!r}", "metadata.labels"
        return
    if not m.namespace or m.kind in CLUSTER_SCOPED:
        return  # cluster-scoped kinds: tenant-cluster-scoped
    if own is None:
        if ctx.tenant_ns:
            yield f"tenant {tenant!r} has no namespaces in environment {m.env or '(unknown)'}", "metadata.namespace"
    elif m.namespace not in own:
        yield f"object of tenant {tenant} is in namespace {m.namespace!r}, outside the tenant", "metadata.namespace"


def _group_tenant(name: str) -> str | None:
    found = _GROUP_TENANT.search(name)
    return found.group(1) if found else None


@rule("tenant-rbac-cross", "error", "RoleBindings in a tenant namespace must not grant to another tenant",
      "Bind only the tenant's own groups and service accounts.", ("RoleBinding",))
def tenant_rbac_cross(m: Manifest, ctx: Context) -> Iterator[Hit]:
    tenant = ctx.ns_tenant.get((m.env, m.namespace))
    if tenant is None:
        return
    others = ctx.tenants(m.env) - {tenant}
    for i, subject in enumerate(as_list(m.obj.get("subjects"))):
        subject = as_dict(subject)
        kind, name = subject.get("kind"), str(subject.get("name") or "")
        other = None
        if kind == "ServiceAccount":
            other = ctx.ns_tenant.get((m.env, str(subject.get("namespace") or m.namespace)))
        elif kind == "Group":
            other = _group_tenant(name)
        if other in others:
            yield f"grants {kind} {name!r} of tenant {other} access to tenant {tenant}", f"subjects[{i}]"


def _peers(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for direction, key in (("ingress", "from"), ("egress", "to")):
        for i, section in enumerate(as_list(spec.get(direction))):
            for j, peer in enumerate(as_list(as_dict(section).get(key))):
                yield f"spec.{direction}[{i}].{key}[{j}]", as_dict(peer)


@rule("tenant-netpol-cross", "error", "NetworkPolicies of a tenant must not open traffic to another tenant",
      "Select only the tenant's own namespaces (or platform namespaces) in namespaceSelector.",
      ("NetworkPolicy",))
def tenant_netpol_cross(m: Manifest, ctx: Context) -> Iterator[Hit]:
    tenant = ctx.ns_tenant.get((m.env, m.namespace))
    if tenant is None:
        return
    for field, peer in _peers(as_dict(m.obj.get("spec"))):
        if "namespaceSelector" not in peer:
            continue
        selected = ctx.select_namespaces(m.env, as_dict(peer["namespaceSelector"]))
        reached = sorted(ns for ns in selected if ctx.ns_tenant.get((m.env, ns), tenant) != tenant)
        if reached:
            shown = ", ".join(reached[:3]) + (", ..." if len(reached) > 3 else "")
            yield f"namespaceSelector reaches other tenants' namespaces ({shown})", f"{field}.namespaceSelector"


@rule("tenant-guardrails", "error",
      "Every tenant namespace needs a default-deny NetworkPolicy, a ResourceQuota and a LimitRange",
      "Render the namespace through the platform's tenancy guardrails (system/tenancy).", ("Namespace",))
def tenant_guardrails(m: Manifest, ctx: Context) -> Iterator[Hit]:
    key = (m.env, m.name)
    if key not in ctx.ns_tenant:
        return
    denied = ctx.denies.get(key, ())
    for direction in ("Ingress", "Egress"):
        if direction not in denied:
            yield f"no default-deny {direction} NetworkPolicy in namespace {m.name}", None
    if key not in ctx.quotas:
        yield f"no ResourceQuota in namespace {m.name}", None
    if key not in ctx.limit_ranges:
        yield f"no LimitRange in namespace {m.name}", None


@rule("tenant-cluster-scoped", "error", "A tenant application must not contain cluster-scoped objects",
      "Cluster-scoped objects belong to the platform (system/); ask the platform team.")
def tenant_cluster_scoped(m: Manifest, ctx: Context) -> Iterator[Hit]:
    if m.kind in CLUSTER_SCOPED and in_tenant_app(m):
        yield f"cluster-scoped {m.kind} in a tenant application", "kind"


@rule("ingress-domain", "error", "Ingress hosts must be inside the environment's domain",
      "Use a host under the environment's domain (environments/<env>.yaml spec.domain).", ("Ingress",))
def ingress_domain(m: Manifest, ctx: Context) -> Iterator[Hit]:
    domain = ctx.facts.domains.get(m.env)
    if domain is None:
        return
    for host in ingress_hosts(m.obj):
        if host != domain and not host.endswith("." + domain):
            yield f"host {host!r} is outside the environment's domain {domain!r}", "spec.rules"


@rule("ingress-host-collision", "error", "An ingress host must belong to one tenant only",
      "Pick a host no other tenant uses.", ("Ingress",))
def ingress_host_collision(m: Manifest, ctx: Context) -> Iterator[Hit]:
    for host in ingress_hosts(m.obj):
        tenants = ctx.host_tenants.get((m.env, host), set())
        if len(tenants) > 1:
            yield f"host {host!r} is used by several tenants ({', '.join(sorted(tenants))})", "spec.rules"


@rule("appproject-destinations", "error",
      "A tenant's AppProject may only deploy namespaced objects into that tenant's namespaces",
      "List exactly the tenant's namespaces as destinations and leave clusterResourceWhitelist empty.",
      ("AppProject",))
def appproject_destinations(m: Manifest, ctx: Context) -> Iterator[Hit]:
    tenant = ctx.tenant_of(m)
    if not tenant:
        return
    own = ctx.namespaces_of(m.env, tenant) or set()
    spec = as_dict(m.obj.get("spec"))
    for i, dest in enumerate(as_list(spec.get("destinations"))):
        ns = str(as_dict(dest).get("namespace") or "")
        if ns not in own:
            yield f"destination namespace {ns or '(any)'!r} is not one of tenant {tenant}'s namespaces", \
                f"spec.destinations[{i}].namespace"
    if as_list(spec.get("clusterResourceWhitelist")):
        yield "tenant project may deploy cluster-scoped kinds", "spec.clusterResourceWhitelist"
