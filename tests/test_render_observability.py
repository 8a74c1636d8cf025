"""generator.render.observability: per tenant a PrometheusRule and a Grafana dashboard, platform-owned."""

from __future__ import annotations

import datetime
import json
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from checks.drift.apply import dry_run_apply
from checks.drift.discovery import discover
from checks.drift.kubeapi import Requester
from checks.policy import facts as policy_facts
from checks.policy import sharded
from checks.validate import validate
from generator import naming
from generator.loader import load
from generator.model import Environment, Tenant
from generator.overlay import effective_tenant, present_in
from generator.pipeline import tenant_objects
from generator.render import observability
from generator.render.meta import Obj, Rendered
from generator.serialize import dump
from tests.support import REPO

BP = load(REPO)
PLATFORM = BP.platform
KUBERNETES_VERSION = "1.33.4"
TODAY = datetime.date(2026, 1, 1)
SELECTOR = re.compile(r'namespace(=~?)"([^"]*)"')
INSTANCES = re.compile(r'namespace="([^"]*)",pod=~"([^"]*)-\[0-9\]\+"')


def _cases() -> list[tuple[str, str]]:
    return [(t.name, e.name) for e in BP.environments.values() for t in BP.tenants.values() if present_in(t, e)]


def _effective(tenant: str | Tenant, env: str | Environment) -> tuple[Tenant, Environment]:
    environment = BP.environments[env] if isinstance(env, str) else env
    blueprint = BP.tenants[tenant] if isinstance(tenant, str) else tenant
    return effective_tenant(blueprint, environment, PLATFORM), environment


def _render(tenant: str | Tenant, env: str | Environment) -> Rendered:
    effective, environment = _effective(tenant, env)
    return observability.render(PLATFORM, environment, effective)


def _parts(rendered: Rendered) -> tuple[Obj, Obj]:
    assert rendered.workloads == []  # the tenant's own Application never carries them
    rule, dashboard = rendered.guardrails
    assert (rule["kind"], dashboard["kind"]) == ("PrometheusRule", "ConfigMap")
    return rule, dashboard


def _rules(rule: Obj) -> list[dict[str, Any]]:
    (group,) = rule["spec"]["groups"]
    return group["rules"]


def _namespaces_in(exprs: list[str]) -> set[str]:
    return {ns for expr in exprs for _, names in SELECTOR.findall(expr) for ns in names.split("|")}


def _clusters_in(exprs: list[str]) -> set[tuple[str, str]]:
    return {found for expr in exprs for found in INSTANCES.findall(expr)}


def _expected_clusters(tenant: Tenant, env: Environment) -> set[tuple[str, str]]:
    return {(p.namespace, p.cluster) for p in naming.database_placements(tenant, env).values()}


def _queries(dashboard: Obj) -> list[str]:
    (body,) = dashboard["data"].values()
    return [t["expr"] for panel in json.loads(body)["panels"] for t in panel["targets"]]


@pytest.mark.parametrize(("tenant", "env"), _cases())
def test_both_live_in_the_monitoring_namespace_labelled_with_the_tenant(tenant: str, env: str) -> None:
    for obj in _parts(_render(tenant, env)):
        assert obj["metadata"]["namespace"] == PLATFORM.namespace_of("monitoring", "monitoring")
        assert obj["metadata"]["labels"]["tenant"] == tenant
        assert obj["metadata"]["labels"]["platformctl.dev/environment"] == env
        # not the ownership label: the policy keeps objects with it inside the tenant's namespaces
        assert "platformctl.dev/tenant" not in obj["metadata"]["labels"]


@pytest.mark.parametrize(("tenant", "env"), _cases())
def test_every_alert_carries_the_tenant_label_alertmanager_routes_on(tenant: str, env: str) -> None:
    rules = _rules(_parts(_render(tenant, env))[0])
    assert all(r["labels"]["tenant"] == tenant and r["labels"]["severity"] in ("warning", "critical") for r in rules)
    effective, environment = _effective(tenant, env)
    names = [r["alert"] for r in rules]
    assert {"TenantAppUnavailable", "TenantPodCrashLooping", "TenantQuotaNearlyExhausted"} <= set(names)
    clusters = _expected_clusters(effective, environment)
    assert names.count("TenantDatabaseNotReady") == names.count("TenantDatabaseReplicationLag") == len(clusters)


@pytest.mark.parametrize(("tenant", "env"), _cases())
def test_expressions_name_exactly_the_tenants_namespaces_and_clusters(tenant: str, env: str) -> None:
    effective, environment = _effective(tenant, env)
    own = set(naming.tenant_namespaces(effective, environment))
    rule, dashboard = _parts(_render(tenant, env))
    for exprs in ([r["expr"] for r in _rules(rule)], _queries(dashboard)):
        assert _namespaces_in(exprs) == own
        assert _clusters_in(exprs) == _expected_clusters(effective, environment)
    by_name = {r["alert"]: r["expr"] for r in _rules(rule)}
    apps = {ns for ns, role in naming.tenant_namespaces(effective, environment).items() if role == "app"}
    assert _namespaces_in([by_name["TenantAppUnavailable"]]) == apps
    for other, other_env in _cases():
        if other != tenant and other_env == env:
            theirs = set(naming.tenant_namespaces(*_effective(other, env)))
            assert not theirs & _namespaces_in([r["expr"] for r in _rules(rule)])


def test_the_quota_and_database_alerts() -> None:
    rules = {r["alert"]: r for r in _rules(_parts(_render("acme", "prod"))[0])}
    quota = rules["TenantQuotaNearlyExhausted"]["expr"]
    assert 'type="used"' in quota and 'type="hard"' in quota and quota.endswith("> 0.9")
    ready = rules["TenantDatabaseNotReady"]["expr"]
    assert ready == 'cnpg_collector_up{namespace="acme-shop",pod=~"shopdb-[0-9]+"} == 0'
    assert rules["TenantDatabaseReplicationLag"]["expr"].startswith("cnpg_pg_replication_lag{")
    assert rules["TenantDatabaseNotReady"]["labels"]["cluster"] == "shopdb"
    assert "kube_pod_container_status_restarts_total" in rules["TenantPodCrashLooping"]["expr"]


def test_a_shared_cluster_is_watched_once() -> None:
    """local is shared mode: acme's databases in one Cluster <tenant>-pg, watched once."""
    rules = _rules(_parts(_render("acme", "local"))[0])
    assert _clusters_in([r["expr"] for r in rules]) == {("acme-data", "acme-pg")}
    assert [r["alert"] for r in rules].count("TenantDatabaseNotReady") == 1


def test_a_tenant_without_databases_has_no_database_alerts_or_panels() -> None:
    rule, dashboard = _parts(_render("initech", "staging"))
    assert not any(r["alert"].startswith("TenantDatabase") for r in _rules(rule))
    (body,) = dashboard["data"].values()
    assert [p["title"] for p in json.loads(body)["panels"]] == ["CPU", "Memory", "Restarts (1h)", "Quota use"]


def test_the_dashboard_is_found_by_grafanas_sidecar() -> None:
    _, dashboard = _parts(_render("acme", "prod"))
    assert dashboard["metadata"]["name"] == "tenant-acme-dashboard"
    assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert dashboard["metadata"]["annotations"] == {"grafana_folder": "Tenants"}
    (key,) = dashboard["data"]
    body = json.loads(dashboard["data"][key])
    assert key.endswith(".json") and body["uid"] == "tenant-acme"
    titles = [p["title"] for p in body["panels"]]
    assert titles == ["CPU", "Memory", "Restarts (1h)", "Quota use", "Databases up", "Replication lag"]
    assert len({p["id"] for p in body["panels"]}) == len(titles)


def test_rendering_is_deterministic() -> None:
    for tenant, env in _cases():
        first, second = _render(tenant, env), _render(tenant, env)
        assert [dump(o) for o in first.guardrails] == [dump(o) for o in second.guardrails]


def test_the_pipeline_puts_them_with_the_tenants_guardrails() -> None:
    env = BP.environments["prod"]
    objects = tenant_objects(PLATFORM, env, BP.tenants["acme"])
    directory = "system/tenancy/acme"
    assert f"{directory}/monitoring_prometheusrule_tenant-acme.yaml" in objects
    assert f"{directory}/monitoring_configmap_tenant-acme-dashboard.yaml" in objects
    assert not any(p.startswith("tenants/") and "monitoring_" in p for p in objects)
    listed = objects[f"{directory}/kustomization.yaml"]["resources"]
    assert "monitoring_prometheusrule_tenant-acme.yaml" in listed


def test_nothing_where_the_tenant_has_no_namespace() -> None:
    acme = BP.tenants["acme"]
    bare = acme.model_copy(update={"spec": acme.spec.model_copy(update={"apps": [], "databases": [],
                                                                         "sandboxes": []})})
    assert observability.render(PLATFORM, BP.environments["prod"], bare) == Rendered()


# --- the real checkers ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def installed() -> None:
    subprocess.run([sys.executable, str(REPO / "tools" / "install.py")], check=True, cwd=REPO)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """Every observability object of the example platform where the pipeline writes it."""
    root = tmp_path_factory.mktemp("observability")
    count = 0
    for tenant, env in _cases():
        directory = root / "rendered" / env / "system" / "tenancy" / tenant
        directory.mkdir(parents=True)
        for obj in _render(tenant, env).guardrails:
            (directory / naming.object_file(obj)).write_bytes(dump(obj))
            count += 1
    return root, count


def test_every_object_passes_validate(installed: None, tree: tuple[Path, int]) -> None:
    root, count = tree
    report = validate([root / "rendered"], KUBERNETES_VERSION, relative_to=root, kustomize_builds=False)
    assert [f"{f.file}:{f.line} {f.message} ({f.field})" for f in report.findings] == []
    assert report.objects == count == 2 * len(_cases())


def test_every_object_passes_policy(tree: tuple[Path, int]) -> None:
    root, count = tree
    report = sharded.check([root / "rendered"], today=TODAY, relative_to=root, facts=policy_facts.from_repo(REPO))
    assert [f"{f.file}: {f.rule}: {f.message}" for f in report.findings] == []
    assert report.objects == count


def test_the_api_server_accepts_both_as_rendered(admin_api: client.ApiClient) -> None:
    """Dry-run server-side apply against the real PrometheusRule CRD: accepted, and stored unchanged."""
    served = discover(Requester(admin_api))
    namespace = f"monitoring-{uuid.uuid4().hex[:6]}"
    client.CoreV1Api(admin_api).create_namespace({"metadata": {"name": namespace}})
    checked = 0
    for tenant, env in _cases():
        for obj in _render(tenant, env).guardrails:
            placed = {**obj, "metadata": {**obj["metadata"], "namespace": namespace}}
            stored = dry_run_apply(admin_api, placed, field_manager="platformctl", served=served)
            assert stored["spec" if "spec" in obj else "data"] == placed["spec" if "spec" in obj else "data"]
            assert stored["metadata"]["labels"] == placed["metadata"]["labels"]
            checked += 1
    assert checked == 2 * len(_cases())
