"""kube-prometheus-stack (77.x): Prometheus, Alertmanager and Grafana, wired for tenants and single sign-on.

- Prometheus selects ServiceMonitors, PodMonitors, PrometheusRules and Probes in every namespace, whatever
  their labels (``*SelectorNilUsesHelmValues: false``; the namespace selectors default to all): tenants'
  monitors (apps.py, databases.py) and the platform's per-tenant rules (observability.py) need no chart label.
- Grafana's sidecar loads every ConfigMap labelled ``grafana_dashboard: "1"`` in any namespace (the per-tenant
  dashboards, CNPG's), into the folder named by its ``grafana_folder`` annotation.
- Grafana logs in through Casdoor (generic OAuth) as the ``grafana`` client of sso.py: client id, redirect URI
  (``root_url`` + ``/login/generic_oauth``) and the secret's record all come from that one entry. The secret
  reaches Grafana as ``GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET`` (Grafana reads ``GF_<SECTION>_<KEY>`` over
  grafana.ini) from an ExternalSecret; the admin account likewise (``admin.existingSecret``), because the
  chart's generated password would change on every Argo CD render.
- Alertmanager groups by tenant and routes each tenant's alerts (label ``tenant``, set by its rules) to its
  owners by e-mail. The global SMTP settings (``smtp_smarthost``, ``smtp_from``) are the platform team's, in
  platform.yaml's values: Alertmanager refuses e-mail receivers without them.

Chart keys: the grafana subchart's ``envValueFrom``, ``admin.existingSecret`` and ``sidecar.dashboards.*`` are
confirmed in grafana's values.yaml; the ``*NilUsesHelmValues`` switches, ``alertmanager.config`` defaults (the
``null`` receiver and the Watchdog route, kept here because Helm replaces lists whole) and ``provider.
foldersFromFilesStructure`` are [memory] of kube-prometheus-stack, stable since ~v45.
"""

from __future__ import annotations

from typing import Any

from generator import naming
from generator.model import Tenant
from generator.render import sso
from generator.render.components import Context
from generator.render.externalsecret import external_secret
from generator.render.meta import Obj
from generator.render.workload import ISSUER_ANNOTATION

DASHBOARD_LABEL = "grafana_dashboard"
DASHBOARD_LABEL_VALUE = "1"
DASHBOARD_FOLDER_ANNOTATION = "grafana_folder"
SSO_CLIENT = "grafana"
HOST_LABEL = "grafana"
OAUTH_SECRET = "grafana-oauth"  # the Secret (and its ExternalSecret) holding the client secret
OAUTH_SECRET_KEY = "client-secret"
OAUTH_SECRET_ENV = "GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET"
ADMIN_SECRET = "grafana-admin"
ADMIN_USER_KEY, ADMIN_PASSWORD_KEY = "admin-user", "admin-password"  # the chart's default key names
TENANT_LABEL = "tenant"  # the alert label observability.py's rules set, and Alertmanager routes on
NULL_RECEIVER = "null"
WATCHDOG = 'alertname = "Watchdog"'


def admin_secret_key(ctx: Context) -> str:
    """The record in the environment's secret store with Grafana's admin ``username`` and ``password``."""
    return f"{ctx.env.name}/admin/grafana"


def receiver(tenant: str) -> str:
    return f"tenant-{tenant}"


def objects(ctx: Context) -> list[Obj]:
    """The OAuth client secret and the admin account, each an ExternalSecret in Grafana's namespace."""
    client = sso.client(ctx.platform, ctx.env, SSO_CLIENT)
    return [
        external_secret(ctx.env, OAUTH_SECRET, client.namespace, ctx.labels(),
                        [(OAUTH_SECRET_KEY, client.secret_key, client.secret_property)]),
        external_secret(ctx.env, ADMIN_SECRET, ctx.namespace, ctx.labels(),
                        [(ADMIN_USER_KEY, admin_secret_key(ctx), "username"),
                         (ADMIN_PASSWORD_KEY, admin_secret_key(ctx), "password")]),
    ]


def _oauth(ctx: Context) -> dict[str, Any]:
    """grafana.ini ``[auth.generic_oauth]`` against Casdoor's endpoints; platform admins are Grafana Admins,
    everyone else who can log in a Viewer. The groups claim holds ``<organization>/<group>`` (tenancy.sso_group)."""
    client = sso.client(ctx.platform, ctx.env, SSO_CLIENT)
    issuer = naming.casdoor_issuer(ctx.env)
    admins = f"{ctx.platform.spec.sso.organization}/{ctx.platform.spec.sso.admin_group}"
    return {
        "enabled": True,
        "name": "Casdoor",
        "client_id": client.client_id,
        "scopes": "openid profile email",
        "auth_url": f"{issuer}/login/oauth/authorize",
        "token_url": f"{issuer}/api/login/oauth/access_token",
        "api_url": f"{issuer}/api/userinfo",
        "use_pkce": True,
        "allow_sign_up": True,
        "email_attribute_path": "email",
        "groups_attribute_path": "groups",
        "role_attribute_path": f"contains(groups[*], '{admins}') && 'Admin' || 'Viewer'",
    }


def root_url(ctx: Context) -> str:
    """Grafana's public URL; it sends ``<root_url>/login/generic_oauth`` as the redirect URI."""
    return naming.public_url(ctx.env, HOST_LABEL)


def _ingress(ctx: Context) -> dict[str, Any]:
    host = naming.public_host(ctx.env, HOST_LABEL)
    return {
        "enabled": True,
        "ingressClassName": ctx.env.spec.ingress.class_name,
        "annotations": {ISSUER_ANNOTATION: ctx.env.spec.ingress.tls_issuer},
        "hosts": [host],
        "tls": [{"secretName": "grafana-tls", "hosts": [host]}],
    }


def _grafana(ctx: Context) -> dict[str, Any]:
    return {
        "admin": {"existingSecret": ADMIN_SECRET, "userKey": ADMIN_USER_KEY, "passwordKey": ADMIN_PASSWORD_KEY},
        "envValueFrom": {OAUTH_SECRET_ENV: {"secretKeyRef": {"name": OAUTH_SECRET, "key": OAUTH_SECRET_KEY}}},
        "grafana.ini": {"server": {"root_url": root_url(ctx)}, "auth.generic_oauth": _oauth(ctx)},
        "ingress": _ingress(ctx),
        "sidecar": {"dashboards": {
            "enabled": True,
            "label": DASHBOARD_LABEL,
            "labelValue": DASHBOARD_LABEL_VALUE,
            "searchNamespace": "ALL",
            "folderAnnotation": DASHBOARD_FOLDER_ANNOTATION,
            "provider": {"foldersFromFilesStructure": True},
        }},
    }


def _tenant_route(tenant: Tenant) -> dict[str, Any]:
    return {"receiver": receiver(tenant.name), "matchers": [f'{TENANT_LABEL}="{tenant.name}"']}


def _tenant_receiver(tenant: Tenant) -> dict[str, Any]:
    """The tenant's owners (sso group ``<tenant>-owners``) by e-mail, resolved alerts included."""
    return {"name": receiver(tenant.name),
            "email_configs": [{"to": ", ".join(tenant.spec.owners), "send_resolved": True}]}


def alertmanager_config(ctx: Context) -> dict[str, Any]:
    """Route by tenant: the Watchdog heartbeat to nowhere (as the chart does), each tenant's alerts to its
    owners, anything else to the default receiver. Tenants sorted by name: the order of the files does
    not reorder the config."""
    tenants = sorted(ctx.tenants, key=lambda t: t.name)
    return {
        "route": {
            "receiver": NULL_RECEIVER,
            "group_by": [TENANT_LABEL, "alertname", "namespace"],
            "routes": [{"receiver": NULL_RECEIVER, "matchers": [WATCHDOG]}, *map(_tenant_route, tenants)],
        },
        "receivers": [{"name": NULL_RECEIVER}, *map(_tenant_receiver, tenants)],
    }


def values(ctx: Context) -> dict[str, Any]:
    selectors = ("serviceMonitor", "podMonitor", "rule", "probe")
    return {
        "prometheus": {"prometheusSpec": {f"{s}SelectorNilUsesHelmValues": False for s in selectors}},
        "grafana": _grafana(ctx),
        "alertmanager": {"config": alertmanager_config(ctx)},
    }

