"""Argo CD wiring of one environment: AppProjects and the app-of-apps Applications.

The root Application syncs ``rendered/<env>/argocd`` (this directory, itself included); every
other Application points at one directory of ``rendered/<env>``. Tenants get an AppProject that
can only deploy namespaced workload kinds into their own namespaces.
"""

from __future__ import annotations

from typing import Any

from generator import naming
from generator.model import Environment, Platform, Tenant
from generator.model.platform import Component
from generator.render.meta import Obj, labels, make
from generator.render.tenancy import MEMBERS, OWNERS, sso_group

NAMESPACE = "argocd"
COMPONENT = "argocd"
PLATFORM_PROJECT = "platform"
SYNC_WAVE = "argocd.argoproj.io/sync-wave"
FINALIZER = "resources-finalizer.argocd.argoproj.io"
# Kinds a tenant's own application may never manage: the guardrails live in system/tenancy.
GUARDRAIL_KINDS = (
    ("", "LimitRange"),
    ("", "ResourceQuota"),
    ("networking.k8s.io", "NetworkPolicy"),
    ("rbac.authorization.k8s.io", "Role"),
    ("rbac.authorization.k8s.io", "RoleBinding"),
)
PROJECT_WAVE = -200
TENANCY_WAVE = -10
TENANT_WAVE = 10


def _path(platform: Platform, env: Environment, *parts: str) -> str:
    return "/".join((platform.spec.git.path, env.name, *parts))


def _git_source(platform: Platform, env: Environment, *parts: str) -> dict[str, str]:
    git = platform.spec.git
    return {"repoURL": git.repo_url, "targetRevision": git.target_revision, "path": _path(platform, env, *parts)}


# Argo CD does not retry a failed automated sync of the same commit on its own, and a wave does not
# wait for the Applications of an earlier wave to be healthy: a tenant synced before its namespace
# or an operator's CRDs exist must try again.
RETRY = {"limit": 10, "backoff": {"duration": "10s", "factor": 2, "maxDuration": "5m"}}


def _sync_policy(env: Environment) -> dict[str, Any]:
    policy: dict[str, Any] = {}
    if env.spec.sync.automated:
        policy["automated"] = {"prune": env.spec.sync.prune, "selfHeal": env.spec.sync.self_heal}
    policy["retry"] = RETRY
    policy["syncOptions"] = ["PruneLast=true", "ServerSideApply=true"]
    return policy


def _application(
    env: Environment, name: str, project: str, wave: int, *, tenant: str | None = None,
    component: str | None = None, destination_namespace: str | None = None, **source: Any,
) -> Obj:
    destination = {"server": env.spec.cluster.server}
    if destination_namespace:
        destination["namespace"] = destination_namespace
    return make(
        "argoproj.io/v1alpha1", "Application", name, namespace=NAMESPACE,
        labels=labels(env.name, tenant=tenant, component=component or (None if tenant else COMPONENT)),
        annotations={SYNC_WAVE: str(wave)},
        finalizers=[FINALIZER],
        spec={"project": project, "destination": destination, "syncPolicy": _sync_policy(env), **source},
    )


def root_application(platform: Platform, env: Environment) -> Obj:
    return _application(env, "root", PLATFORM_PROJECT, -100, destination_namespace=NAMESPACE,
                        source=_git_source(platform, env, "argocd"))


def platform_project(platform: Platform, env: Environment) -> Obj:
    repos = {platform.spec.git.repo_url} | {c.source_repo for c in platform.spec.components if c.source_repo}
    return make(
        "argoproj.io/v1alpha1", "AppProject", PLATFORM_PROJECT, namespace=NAMESPACE,
        labels=labels(env.name, component=COMPONENT), annotations={SYNC_WAVE: str(PROJECT_WAVE)},
        spec={
            "description": "Platform-owned system components and tenant guardrails",
            "sourceRepos": sorted(repos),
            "destinations": [{"server": env.spec.cluster.server, "namespace": "*"}],
            "clusterResourceWhitelist": [{"group": "*", "kind": "*"}],
        },
    )


def component_application(platform: Platform, env: Environment, component: Component,
                          values: dict[str, Any]) -> Obj:
    """The component's pinned chart with ``values`` (components.values: generated, platform.yaml's over them), or
    its pinned git manifests, and its ``system/`` directory. Manifests are a directory source limited to
    ``include`` (Argo CD would otherwise apply every YAML file under ``path``); ``values`` do not apply to them
    (the component's module uses them)."""
    own = _git_source(platform, env, "system", component.name)
    if component.manifests is not None:
        manifests = component.manifests
        upstream: dict[str, Any] = {"repoURL": manifests.repo_url, "targetRevision": manifests.target_revision,
                                    "path": manifests.path}
        if manifests.include:
            upstream["directory"] = {"include": manifests.include}
        source: dict[str, Any] = {"sources": [upstream, own]}
    elif component.chart is None:
        source = {"source": own}
    else:
        chart = {
            "repoURL": component.chart.repo_url,
            "chart": component.chart.name,
            "targetRevision": component.chart.version,
            "helm": {"releaseName": component.name,
                     "valuesObject": values},
        }
        source = {"sources": [chart, own]}
    return _application(env, f"system-{component.name}", PLATFORM_PROJECT, component.sync_wave,
                        component=component.name, destination_namespace=component.namespace, **source)


def tenancy_application(platform: Platform, env: Environment, tenant: Tenant) -> Obj:
    """One platform-owned guardrail Application per tenant, not one for all: kustomize's build time
    grows faster than linearly with the objects of one kustomization (measured: 24.5 s for the
    5,400 guardrail objects of 100 tenants, 241 s for 200), past Argo CD's 90 s limit."""
    return _application(env, f"tenancy-{tenant.name}", PLATFORM_PROJECT, TENANCY_WAVE, tenant=tenant.name,
                        component="tenancy", source=_git_source(platform, env, "system", "tenancy", tenant.name))


def tenant_project(platform: Platform, env: Environment, tenant: Tenant) -> Obj:
    server = env.spec.cluster.server
    org_roles = []
    for role, actions in ((OWNERS, ("get", "sync", "action/*", "delete")), (MEMBERS, ("get", "sync"))):
        policies = [f"p, proj:{tenant.name}:{role}, applications, {a}, {tenant.name}/*, allow" for a in actions]
        org_roles.append({"name": role, "groups": [sso_group(platform, tenant.name, role)], "policies": policies})
    return make(
        "argoproj.io/v1alpha1", "AppProject", tenant.name, namespace=NAMESPACE,
        labels=labels(env.name, tenant=tenant.name), annotations={SYNC_WAVE: str(PROJECT_WAVE)},
        spec={
            "description": f"Tenant {tenant.name}: workloads in its own namespaces only",
            "sourceRepos": [platform.spec.git.repo_url],
            "destinations": [{"server": server, "namespace": ns} for ns in naming.tenant_namespaces(tenant, env)],
            "clusterResourceWhitelist": [],
            "namespaceResourceBlacklist": [{"group": g, "kind": k} for g, k in GUARDRAIL_KINDS],
            "roles": org_roles,
        },
    )


def tenant_application(platform: Platform, env: Environment, tenant: Tenant) -> Obj:
    """Its destination namespace must be one its AppProject permits, or Argo CD refuses the app:
    the first app namespace (else any); the objects themselves name their namespaces. Only for
    tenants with a namespace here."""
    namespaces = naming.tenant_namespaces(tenant, env)
    home = next((ns for ns, role in namespaces.items() if role == "app"), next(iter(namespaces)))
    return _application(env, f"tenant-{tenant.name}", tenant.name, TENANT_WAVE, tenant=tenant.name,
                        destination_namespace=home, source=_git_source(platform, env, "tenants", tenant.name))
