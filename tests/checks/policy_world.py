"""A small, fully compliant two-tenant world for the policy tests; each test breaks one thing in it."""

from __future__ import annotations

import copy
import datetime
from typing import Any

from checks.manifests import Manifest
from checks.policy import run
from checks.policy.facts import PlatformFacts

TODAY = datetime.date(2026, 6, 1)
FACTS = PlatformFacts(
    registries=("registry.example.com",),
    domains={"local": "apps.example.com"},
    tenant_namespaces={("local", "acme"): frozenset({"acme-web"}), ("local", "globex"): frozenset({"globex-api"})},
)


def _meta(name: str, namespace: str | None, tenant: str | None, **labels: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "labels": {"platformctl.dev/environment": "local", **labels}}
    if tenant:
        meta["labels"]["platformctl.dev/tenant"] = tenant
    if namespace:
        meta["namespace"] = namespace
    return meta


def _hardened_pod(app: str) -> dict[str, Any]:
    return {
        "serviceAccountName": app,
        "automountServiceAccountToken": False,
        "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{
            "name": app,
            "image": f"registry.example.com/acme/{app}:1.0.0",
            "env": [{"name": "LOG_LEVEL", "value": "info"},
                    {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}],
            "ports": [{"containerPort": 8080}],
            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "128Mi"}},
            "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}},
            "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
            "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                "capabilities": {"drop": ["ALL"]}},
        }],
    }


def _guardrails(tenant: str, ns: str) -> list[tuple[str, dict[str, Any]]]:
    base = f"rendered/local/system/tenancy/{tenant}/"
    return [
        (base + f"_cluster_namespace_{ns}.yaml",
         {"apiVersion": "v1", "kind": "Namespace", "metadata": _meta(ns, None, tenant)}),
        (base + f"{ns}_networkpolicy_default-deny.yaml",
         {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": _meta("default-deny", ns, tenant),
          "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}),
        (base + f"{ns}_networkpolicy_allow-monitoring.yaml",
         {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
          "metadata": _meta("allow-monitoring", ns, tenant),
          "spec": {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{"from": [
              {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]}]}}),
        (base + f"{ns}_resourcequota_tenant-quota.yaml",
         {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": _meta("tenant-quota", ns, tenant),
          "spec": {"hard": {"requests.cpu": "1"}}}),
        (base + f"{ns}_limitrange_tenant-limits.yaml",
         {"apiVersion": "v1", "kind": "LimitRange", "metadata": _meta("tenant-limits", ns, tenant),
          "spec": {"limits": [{"type": "Container", "default": {"memory": "128Mi"}}]}}),
        (base + f"{ns}_rolebinding_tenant-owners.yaml",
         {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
          "metadata": _meta("tenant-owners", ns, tenant),
          "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "admin"},
          "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group",
                        "name": f"oidc:platform/{tenant}-owners"}]}),
    ]


def world() -> dict[str, dict[str, Any]]:
    """File -> object; everything here is compliant."""
    app = "rendered/local/tenants/acme/acme-web_"
    objects: list[tuple[str, dict[str, Any]]] = [
        *_guardrails("acme", "acme-web"),
        *_guardrails("globex", "globex-api"),
        ("rendered/local/system/monitoring/_cluster_namespace_monitoring.yaml",
         {"apiVersion": "v1", "kind": "Namespace", "metadata": _meta("monitoring", None, None)}),
        (app + "deployment_web.yaml",
         {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": _meta("web", "acme-web", "acme"),
          "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                   "template": {"metadata": {"labels": {"app": "web"}}, "spec": _hardened_pod("web")}}}),
        (app + "cronjob_nightly.yaml",
         {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": _meta("nightly", "acme-web", "acme"),
          "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": {
              "metadata": {"labels": {"app": "nightly"}},
              "spec": {**_hardened_pod("nightly"), "restartPolicy": "OnFailure"}}}}}}),
        (app + "serviceaccount_web.yaml",
         {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta("web", "acme-web", "acme"),
          "automountServiceAccountToken": False}),
        (app + "service_web.yaml",
         {"apiVersion": "v1", "kind": "Service", "metadata": _meta("web", "acme-web", "acme"),
          "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}}),
        (app + "poddisruptionbudget_web.yaml",
         {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": _meta("web", "acme-web", "acme"),
          "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "web"}}}}),
        (app + "ingress_web.yaml",
         {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": _meta("web", "acme-web", "acme"),
          "spec": {"rules": [{"host": "web.apps.example.com"}], "tls": [{"hosts": ["web.apps.example.com"]}]}}),
        (app + "role_reader.yaml",
         {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": _meta("reader", "acme-web", "acme"),
          "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]}),
        (app + "secret_db.yaml",
         {"apiVersion": "v1", "kind": "Secret", "metadata": _meta("db", "acme-web", "acme"), "type": "Opaque"}),
        ("rendered/local/argocd/argocd_appproject_acme.yaml",
         {"apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject", "metadata": _meta("acme", "argocd", "acme"),
          "spec": {"clusterResourceWhitelist": [],
                   "destinations": [{"namespace": "acme-web", "server": "https://kubernetes.default.svc"}]}}),
        ("rendered/local/system/rbac/_cluster_clusterrolebinding_viewers.yaml",
         {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
          "metadata": _meta("viewers", None, None),
          "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
          "subjects": [{"kind": "Group", "name": "oidc:platform/platform-viewers"}]}),
    ]
    return {path: obj for path, obj in objects}


def manifests(objects: dict[str, dict[str, Any]]) -> list[Manifest]:
    return [Manifest.of(copy.deepcopy(obj), path, 1) for path, obj in objects.items()]


def check(objects: dict[str, dict[str, Any]], **kwargs: Any):
    return run(manifests(objects), facts=kwargs.pop("facts", FACTS), today=kwargs.pop("today", TODAY), **kwargs)
