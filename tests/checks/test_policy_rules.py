"""Each rule: the compliant world passes it, and one targeted change makes exactly that rule fire."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from policy_world import FACTS, check, world

from checks.policy import RULES
from checks.policy.exemptions import EXPIRED_RULE
from checks.policy.facts import PlatformFacts

APP = "rendered/local/tenants/acme/acme-web_"
DEPLOY = APP + "deployment_web.yaml"
TENANCY = "rendered/local/system/tenancy/acme/"


def _pod(w: dict) -> dict:
    return w[DEPLOY]["spec"]["template"]["spec"]


def _c(w: dict) -> dict:
    return _pod(w)["containers"][0]


def _sc(w: dict) -> dict:
    return _c(w)["securityContext"]


def _add(path: str, obj: dict) -> Callable[[dict], Any]:
    return lambda w: w.__setitem__(path, obj)


def _rb(ns: str, subject: dict) -> dict:
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "x", "namespace": ns, "labels": {"platformctl.dev/environment": "local"}},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
            "subjects": [subject]}


# rule -> (file whose object must be reported, change that breaks only this rule)
BREAKS: dict[str, tuple[str, Callable[[dict], Any]]] = {
    "privileged-container": (DEPLOY, lambda w: _sc(w).update(privileged=True)),
    "host-namespaces": (DEPLOY, lambda w: _pod(w).update(hostNetwork=True)),
    "host-path": (DEPLOY, lambda w: _pod(w).update(volumes=[{"name": "v", "hostPath": {"path": "/var"}}])),
    "host-port": (DEPLOY, lambda w: _c(w)["ports"][0].update(hostPort=8080)),
    "capabilities-added": (DEPLOY, lambda w: _sc(w)["capabilities"].update(add=["NET_ADMIN"])),
    "capabilities-drop-all": (DEPLOY, lambda w: _sc(w)["capabilities"].update(drop=["NET_RAW"])),
    "privilege-escalation": (DEPLOY, lambda w: _sc(w).pop("allowPrivilegeEscalation")),
    "run-as-non-root": (DEPLOY, lambda w: _sc(w).update(runAsUser=0)),
    "seccomp-profile": (DEPLOY, lambda w: _sc(w).update(seccompProfile={"type": "Unconfined"})),
    "read-only-root-fs": (DEPLOY, lambda w: _sc(w).update(readOnlyRootFilesystem=False)),
    "cpu-requests": (DEPLOY, lambda w: _c(w)["resources"]["requests"].pop("cpu")),
    "memory-requests": (DEPLOY, lambda w: _c(w)["resources"]["requests"].pop("memory")),
    "memory-limits": (DEPLOY, lambda w: _c(w)["resources"].pop("limits")),
    "image-tag": (DEPLOY, lambda w: _c(w).update(image="registry.example.com/acme/web:latest")),
    "image-registry": (DEPLOY, lambda w: _c(w).update(image="docker.io/acme/web:1.0.0")),
    "liveness-probe": (DEPLOY, lambda w: _c(w).pop("livenessProbe")),
    "readiness-probe": (DEPLOY, lambda w: _c(w).pop("readinessProbe")),
    "sa-token-automount": (DEPLOY, lambda w: _pod(w).update(automountServiceAccountToken=True)),
    "default-service-account": (DEPLOY, lambda w: _pod(w).pop("serviceAccountName")),
    "env-var-secret": (DEPLOY, lambda w: _c(w)["env"].append({"name": "API_TOKEN", "value": "s3cr3t"})),
    "cluster-admin-binding": ("rendered/local/system/rbac/_cluster_clusterrolebinding_viewers.yaml",
                              lambda w: w["rendered/local/system/rbac/_cluster_clusterrolebinding_viewers.yaml"]
                              ["roleRef"].update(name="cluster-admin")),
    "rbac-wildcard": (APP + "role_reader.yaml", lambda w: w[APP + "role_reader.yaml"]["rules"][0].update(verbs=["*"])),
    "service-exposed": (APP + "service_web.yaml",
                        lambda w: w[APP + "service_web.yaml"]["spec"].update(type="NodePort")),
    "selector-mismatch": (APP + "service_web.yaml",
                          lambda w: w[APP + "service_web.yaml"]["spec"].update(selector={"app": "other"})),
    "default-namespace": (APP + "secret_db.yaml", lambda w: w[APP + "secret_db.yaml"]["metadata"].update(
        namespace="default", labels={"platformctl.dev/environment": "local"})),
    "deprecated-api": (APP + "role_reader.yaml",
                       lambda w: w[APP + "role_reader.yaml"].update(apiVersion="rbac.authorization.k8s.io/v1beta1")),
    "secret-data": (APP + "secret_db.yaml", lambda w: w[APP + "secret_db.yaml"].update(data={"password": "eA=="})),
    "tenant-namespace": (APP + "secret_db.yaml",
                         lambda w: w[APP + "secret_db.yaml"]["metadata"].update(namespace="globex-api")),
    "tenant-rbac-cross": (TENANCY + "acme-web_rolebinding_x.yaml",
                          _add(TENANCY + "acme-web_rolebinding_x.yaml",
                               _rb("acme-web", {"kind": "Group", "name": "oidc:platform/globex-members"}))),
    "tenant-netpol-cross": (TENANCY + "acme-web_networkpolicy_allow-monitoring.yaml",
                            lambda w: w[TENANCY + "acme-web_networkpolicy_allow-monitoring.yaml"]["spec"]["ingress"][0]
                            ["from"][0].update(namespaceSelector={})),
    "tenant-guardrails": (TENANCY + "_cluster_namespace_acme-web.yaml",
                          lambda w: w.pop(TENANCY + "acme-web_limitrange_tenant-limits.yaml")),
    "tenant-cluster-scoped": ("rendered/local/tenants/acme/_cluster_clusterrole_x.yaml",
                              _add("rendered/local/tenants/acme/_cluster_clusterrole_x.yaml",
                                   {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                                    "metadata": {"name": "x"}, "rules": []})),
    "ingress-domain": (APP + "ingress_web.yaml", lambda w: w[APP + "ingress_web.yaml"]["spec"].update(
        rules=[{"host": "web.evil.example.org"}], tls=[])),
    "ingress-host-collision": (APP + "ingress_web.yaml", _add(
        "rendered/local/tenants/globex/globex-api_ingress_web.yaml",
        {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
         "metadata": {"name": "web", "namespace": "globex-api", "labels": {"platformctl.dev/tenant": "globex"}},
         "spec": {"rules": [{"host": "web.apps.example.com"}]}})),
    "duplicate-object": (APP + "role_reader.yaml", _add(APP + "role_reader_copy.yaml", {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
        "metadata": {"name": "reader", "namespace": "acme-web",
                     "labels": {"platformctl.dev/environment": "local", "platformctl.dev/tenant": "acme"}},
        "rules": []})),
    "appproject-destinations": ("rendered/local/argocd/argocd_appproject_acme.yaml",
                                lambda w: w["rendered/local/argocd/argocd_appproject_acme.yaml"]["spec"]
                                ["destinations"].append({"namespace": "*", "server": "https://kubernetes.default.svc"})),
}
SECONDARY = {  # rules that legitimately fire together with the one broken on purpose
    "default-namespace": {"tenant-namespace"},
}


def test_the_world_is_compliant():
    report = check(world())
    assert report.findings == ()
    assert report.worst_exit_code() == 0


def test_every_rule_has_a_breaking_case():
    assert set(BREAKS) == set(RULES)


@pytest.mark.parametrize("rule_id", sorted(BREAKS))
def test_rule_fires_on_its_object_only(rule_id):
    path, breaks = BREAKS[rule_id]
    w = world()
    breaks(w)
    report = check(w)
    fired = {f.rule for f in report.findings}
    assert rule_id in fired, report.findings
    assert fired - {rule_id} <= SECONDARY.get(rule_id, set()), report.findings
    assert path in {f.file for f in report.findings if f.rule == rule_id}
    assert all(f.message and f.remediation for f in report.findings)


def test_run_as_non_root_variants():
    for change in ({"runAsNonRoot": False}, {"runAsGroup": 0, "runAsUser": 1000}):
        w = world()
        _sc(w).update(change)
        if "runAsNonRoot" in change:
            _pod(w)["securityContext"].pop("runAsNonRoot")
        assert "run-as-non-root" in {f.rule for f in check(w).findings}
    w = world()
    _pod(w)["securityContext"].pop("runAsNonRoot")
    _sc(w).update(runAsUser=1000)
    assert "run-as-non-root" not in {f.rule for f in check(w).findings}


def test_jobs_need_no_probes_but_pods_that_restart_do():
    w = world()
    cron = w[APP + "cronjob_nightly.yaml"]["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    cron.pop("livenessProbe")
    cron.pop("readinessProbe")
    assert check(w).findings == ()


def test_kuberoapp_is_not_a_pod_spec_and_shields_selectors():
    w = world()
    w[APP + "kuberoapp_shop.yaml"] = {"apiVersion": "application.kubero.dev/v1alpha1", "kind": "KuberoApp",
                                      "metadata": {"name": "shop", "namespace": "acme-web",
                                                   "labels": {"platformctl.dev/tenant": "acme"}},
                                      "spec": {"image": {"containerPort": 8080}}}
    w[APP + "service_web.yaml"]["spec"]["selector"] = {"app": "shop"}  # pods made by the Kubero operator
    assert check(w).findings == ()


def test_without_platform_facts_registry_and_domain_rules_are_silent():
    w = world()
    _c(w).update(image="docker.io/acme/web:1.0.0")
    w[APP + "ingress_web.yaml"]["spec"]["rules"] = [{"host": "elsewhere.org"}]
    assert check(w, facts=PlatformFacts()).findings == ()
    assert {f.rule for f in check(w, facts=FACTS).findings} == {"image-registry", "ingress-domain"}


def test_tenants_from_namespace_labels_when_no_blueprints():
    w = world()
    w[APP + "secret_db.yaml"]["metadata"]["namespace"] = "globex-api"
    report = check(w, facts=PlatformFacts())
    assert {f.rule for f in report.findings} == {"tenant-namespace"}


def test_host_collision_is_reported_on_both_ingresses():
    w = world()
    BREAKS["ingress-host-collision"][1](w)
    files = {f.file for f in check(w).findings if f.rule == "ingress-host-collision"}
    assert files == {APP + "ingress_web.yaml", "rendered/local/tenants/globex/globex-api_ingress_web.yaml"}


def test_duplicates_are_reported_at_every_place_naming_the_others():
    w = world()
    BREAKS["duplicate-object"][1](w)
    found = {f.file: f.message for f in check(w).findings if f.rule == "duplicate-object"}
    assert found == {
        APP + "role_reader.yaml": f"Role acme-web/reader is defined 2 times; also at {APP}role_reader_copy.yaml:1",
        APP + "role_reader_copy.yaml": f"Role acme-web/reader is defined 2 times; also at {APP}role_reader.yaml:1",
    }


@pytest.mark.parametrize(("change", "duplicate"), [
    ({}, True),
    ({"apiVersion": "rbac.authorization.k8s.io/v1beta1"}, True),  # one object, served under two versions
    ({"kind": "ClusterRole"}, False),
    ({"metadata": {"name": "reader", "namespace": "acme-other"}}, False),
    ({"metadata": {"name": "reader", "namespace": "acme-web", "labels": {"platformctl.dev/environment": "prod"}}},
     False),  # environments are separate clusters
])
def test_what_counts_as_the_same_object(change: dict, duplicate: bool):
    w = world()
    copy = {**w[APP + "role_reader.yaml"], **change}
    w[APP + "role_reader_copy.yaml"] = copy
    fired = {f.file for f in check(w).findings if f.rule == "duplicate-object"}
    assert bool(fired) is duplicate, fired


def test_readme_lists_every_rule():
    readme = (Path(__file__).resolve().parents[2] / "checks" / "README.md").read_text()
    for info in [r.info for r in RULES.values()] + [EXPIRED_RULE]:
        assert f"| `{info.id}` | {info.severity} | {info.description} |" in readme
