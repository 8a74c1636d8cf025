"""generator.render.components.monitoring: kube-prometheus-stack selecting tenants' monitors and rules, Grafana
behind Casdoor as sso.py's grafana client, Alertmanager routing by tenant."""

from __future__ import annotations

import json
from typing import Any

import pytest

from generator.loader import load
from generator.model import Tenant
from generator.pipeline import environment_objects, tenants_in
from generator.render import components, sso
from generator.render.components import monitoring
from generator.render.meta import Obj
from tests.support import REPO

BP = load(REPO)
PLATFORM = BP.platform
ENVS = sorted(BP.environments)


def _context(env: str, tenants: tuple[Tenant, ...] | None = None) -> components.Context:
    (component,) = [c for c in PLATFORM.spec.components if c.name == "monitoring"]
    environment = BP.environments[env]
    present = tuple(tenants_in(BP, environment)) if tenants is None else tenants
    return components.Context(PLATFORM, environment, component, present)


def _external_secret(objects: list[Obj], name: str) -> Obj:
    (found,) = [o for o in objects if o["kind"] == "ExternalSecret" and o["metadata"]["name"] == name]
    return found


@pytest.mark.parametrize("env", ENVS)
def test_prometheus_selects_monitors_and_rules_of_every_namespace(env: str) -> None:
    spec = components.values(_context(env))["prometheus"]["prometheusSpec"]
    for kind in ("serviceMonitor", "podMonitor", "rule", "probe"):
        assert spec[f"{kind}SelectorNilUsesHelmValues"] is False
        assert f"{kind}Selector" not in spec and f"{kind}NamespaceSelector" not in spec  # chart default: all


def test_grafana_loads_labelled_dashboards_from_every_namespace() -> None:
    sidecar = components.values(_context("prod"))["grafana"]["sidecar"]["dashboards"]
    assert sidecar["enabled"] is True
    assert (sidecar["label"], sidecar["labelValue"], sidecar["searchNamespace"]) == ("grafana_dashboard", "1", "ALL")


@pytest.mark.parametrize("env", ENVS)
def test_grafana_logs_in_through_casdoor_as_its_sso_client(env: str) -> None:
    ctx = _context(env)
    grafana = components.values(ctx)["grafana"]
    client = sso.client(PLATFORM, ctx.env, "grafana")
    ini = grafana["grafana.ini"]
    oauth = ini["auth.generic_oauth"]
    domain = ctx.env.spec.domain
    assert ini["server"]["root_url"] == f"https://grafana.{domain}"
    # Grafana sends <root_url>/login/generic_oauth: exactly the URI Casdoor registers for this client
    assert ini["server"]["root_url"] + "/login/generic_oauth" == client.redirect_uri
    assert oauth["enabled"] is True and oauth["client_id"] == client.client_id == "grafana"
    issuer = f"https://casdoor.{domain}"
    assert (oauth["auth_url"], oauth["token_url"], oauth["api_url"]) == (
        f"{issuer}/login/oauth/authorize", f"{issuer}/api/login/oauth/access_token", f"{issuer}/api/userinfo")
    assert set(oauth["scopes"].split()) >= {"openid", "profile", "email"}
    admins = f"{PLATFORM.spec.sso.organization}/{PLATFORM.spec.sso.admin_group}"
    assert oauth["role_attribute_path"] == f"contains(groups[*], '{admins}') && 'Admin' || 'Viewer'"
    host = f"grafana.{domain}"
    ingress = grafana["ingress"]
    assert ingress["enabled"] is True and ingress["hosts"] == [host] and ingress["tls"][0]["hosts"] == [host]
    assert ingress["ingressClassName"] == ctx.env.spec.ingress.class_name
    assert ingress["annotations"] == {"cert-manager.io/cluster-issuer": ctx.env.spec.ingress.tls_issuer}


@pytest.mark.parametrize("env", ENVS)
def test_the_client_secret_comes_from_the_store_by_reference(env: str) -> None:
    ctx = _context(env)
    grafana = components.values(ctx)["grafana"]
    client = sso.client(PLATFORM, ctx.env, "grafana")
    assert "client_secret" not in grafana["grafana.ini"]["auth.generic_oauth"]  # never a value in git
    ref = grafana["envValueFrom"]["GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET"]["secretKeyRef"]
    secret = _external_secret(components.objects(ctx), ref["name"])
    assert secret["metadata"]["namespace"] == client.namespace == ctx.namespace
    assert secret["spec"]["target"]["name"] == ref["name"]
    (entry,) = secret["spec"]["data"]
    assert entry["secretKey"] == ref["key"]
    assert entry["remoteRef"] == {"key": client.secret_key, "property": client.secret_property}
    assert secret["spec"]["secretStoreRef"]["name"] == ctx.env.spec.secret_store.name


def test_the_admin_account_comes_from_the_store_too() -> None:
    ctx = _context("prod")
    admin = components.values(ctx)["grafana"]["admin"]
    secret = _external_secret(components.objects(ctx), admin["existingSecret"])
    keys = {d["secretKey"]: d["remoteRef"] for d in secret["spec"]["data"]}
    assert set(keys) == {admin["userKey"], admin["passwordKey"]}
    assert {r["key"] for r in keys.values()} == {"prod/admin/grafana"}
    assert all(o["kind"] in ("Namespace", "ExternalSecret") for o in components.objects(ctx))  # no Secret


def _routes(config: dict[str, Any]) -> dict[str, list[str]]:
    return {r["receiver"]: r["matchers"] for r in config["route"]["routes"]}


@pytest.mark.parametrize("env", ENVS)
def test_alertmanager_routes_each_tenant_to_its_owners(env: str) -> None:
    ctx = _context(env)
    config = components.values(ctx)["alertmanager"]["config"]
    assert "tenant" in config["route"]["group_by"]
    receivers = {r["name"]: r for r in config["receivers"]}
    routes = _routes(config)
    assert set(routes) <= set(receivers) and config["route"]["receiver"] in receivers
    assert routes["null"] == ['alertname = "Watchdog"'] and receivers["null"] == {"name": "null"}
    assert ctx.tenants
    for tenant in ctx.tenants:
        assert routes[f"tenant-{tenant.name}"] == [f'tenant="{tenant.name}"']
        (email,) = receivers[f"tenant-{tenant.name}"]["email_configs"]
        assert email["to"].split(", ") == tenant.spec.owners
    assert len(routes) == len(receivers) == 1 + len(ctx.tenants)
    assert "global" not in config  # SMTP is the platform team's, in platform.yaml's values


def test_a_tenant_absent_from_the_environment_gets_no_route() -> None:
    staging, prod = _context("staging"), _context("prod")
    assert "tenant-initech" in _routes(components.values(staging)["alertmanager"]["config"])
    assert "tenant-initech" not in _routes(components.values(prod)["alertmanager"]["config"])


def test_platform_values_are_merged_over_the_generated_ones() -> None:
    ctx = _context("prod")
    smtp = {"alertmanager": {"config": {"global": {"smtp_smarthost": "smtp.example.com:587",
                                                   "smtp_from": "alerts@example.com"}}}}
    component = ctx.component.model_copy(update={"values": smtp})
    merged = components.values(components.Context(ctx.platform, ctx.env, component, ctx.tenants))
    assert merged["alertmanager"]["config"]["global"] == smtp["alertmanager"]["config"]["global"]
    assert merged["alertmanager"]["config"]["route"] == monitoring.alertmanager_config(ctx)["route"]


def test_the_application_carries_the_values_and_the_secrets_directory() -> None:
    objects = environment_objects(BP, BP.environments["prod"])
    app = objects["argocd/argocd_application_system-monitoring.yaml"]
    (chart,) = [s for s in app["spec"]["sources"] if "chart" in s]
    assert chart["helm"]["valuesObject"] == components.values(_context("prod"))
    assert "system/monitoring/monitoring_externalsecret_grafana-oauth.yaml" in objects
    assert json.dumps(chart["helm"]["valuesObject"]).count("secretKeyRef") == 1
