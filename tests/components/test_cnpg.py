"""generator.render.components.cnpg, barman_cloud, cert_manager: the database operator, its backup plugin and the
certificates the plugin needs, and the sync waves that install each before what uses it."""

from __future__ import annotations

from typing import Any

from generator.loader import load
from generator.pipeline import environment_objects, tenants_in
from generator.render import argocd, components
from tests.support import REPO

BP = load(REPO)
PLATFORM = BP.platform


def _context(name: str, env: str = "prod") -> components.Context:
    (component,) = [c for c in PLATFORM.spec.components if c.name == name]
    environment = BP.environments[env]
    return components.Context(PLATFORM, environment, component, tuple(tenants_in(BP, environment)))


def _values(name: str, env: str = "prod") -> dict[str, Any]:
    return components.values(_context(name, env))


def test_the_operator_installs_its_crds_and_is_monitored() -> None:
    values = _values("cnpg")
    assert values["crds"] == {"create": True}
    assert values["monitoring"]["podMonitorEnabled"] is True
    dashboard = values["monitoring"]["grafanaDashboard"]
    assert dashboard["create"] is True
    # the label Grafana's sidecar watches (kube-prometheus-stack's values), so CNPG's dashboard is loaded
    sidecar = _values("monitoring")["grafana"]["sidecar"]["dashboards"]
    assert (dashboard["sidecarLabel"], dashboard["sidecarLabelValue"]) == (sidecar["label"], sidecar["labelValue"])
    assert sidecar["searchNamespace"] == "ALL"  # the ConfigMap stays in cnpg-system
    resources = values["resources"]
    assert resources["limits"]["memory"] == resources["requests"]["memory"]


def test_the_plugin_gets_its_crds_and_certificates_from_its_own_issuer() -> None:
    values = _values("barman-cloud")
    assert values["crds"] == {"create": True}
    certificate = values["certificate"]
    assert certificate["createClientCertificate"] is True and certificate["createServerCertificate"] is True
    # the chart's Issuer is always <fullname>-selfsigned-issuer; its Certificates name <fullname>-<issuerName>
    assert certificate["issuerName"] == "selfsigned-issuer"
    assert "service" not in values  # the service name is baked into the certificate: never changed


def test_the_plugin_runs_beside_the_operator_and_the_namespace_is_rendered_once() -> None:
    assert _context("barman-cloud").namespace == _context("cnpg").namespace == "cnpg-system"
    assert [o["kind"] for o in components.objects(_context("cnpg"))] == ["Namespace"]
    assert [o["kind"] for o in components.objects(_context("barman-cloud"))] == []


def test_cert_manager_installs_its_crds() -> None:
    assert _values("cert-manager")["crds"]["enabled"] is True


def test_the_applications_carry_these_values() -> None:
    for env in BP.environments:
        objects = environment_objects(BP, BP.environments[env])
        for name in ("cnpg", "barman-cloud", "cert-manager"):
            app = objects[f"argocd/argocd_application_system-{name}.yaml"]
            (chart,) = [s for s in app["spec"]["sources"] if "chart" in s]
            assert chart["helm"]["valuesObject"] == _values(name, env)


def _wave(app: dict[str, Any]) -> int:
    return int(app["metadata"]["annotations"][argocd.SYNC_WAVE])


def test_sync_waves_install_crds_and_operators_before_what_needs_them() -> None:
    """cert-manager < CNPG operator < barman-cloud plugin < Casdoor and Gitea (their CNPG databases) < the
    tenants' Applications (their Clusters, ObjectStores, Certificates via Ingresses); the platform-owned
    tenancy Applications (the per-tenant PrometheusRules) come after kube-prometheus-stack (its CRDs)."""
    objects = environment_objects(BP, BP.environments["prod"])
    waves = {o["metadata"]["name"]: _wave(o) for p, o in objects.items()
             if p.startswith("argocd/") and o.get("kind") == "Application"}
    assert waves["system-cert-manager"] < waves["system-cnpg"] < waves["system-barman-cloud"]
    assert waves["system-barman-cloud"] < min(waves["system-casdoor"], waves["system-gitea"])
    tenants = [w for name, w in waves.items() if name.startswith("tenant-")]
    assert tenants and max(waves["system-casdoor"], waves["system-gitea"]) < min(tenants)
    tenancy = [w for name, w in waves.items() if name.startswith("tenancy-")]
    assert tenancy and waves["system-monitoring"] < min(tenancy)
    assert waves["system-cnpg"] < min(tenancy)  # tenancy's NetworkPolicies name the operator's namespace only
