"""Argo CD (chart ``argo-cd`` 8.x): login through Casdoor, and who may do what.

- ``configs.cm``: ``url`` (Argo CD's public URL, which its OIDC callback ``/auth/callback`` hangs off) and
  ``oidc.config`` against Casdoor with the client id of ``sso.client(.., "argocd")``. The client secret is a
  reference, ``$<secret>:clientSecret``: Argo CD resolves it from that Secret in its namespace, which it only
  reads when the Secret is labelled ``app.kubernetes.io/part-of: argocd`` (so the ExternalSecret's template
  puts that label on the Secret it creates). Casdoor's default JWT carries ``groups`` (as ``<org>/<group>``);
  ``requestedIDTokenClaims`` asks for them in the ID token as well.
- ``configs.rbac``: ``policy.default`` empty (a logged-in user without a group gets nothing),
  ``scopes: [groups]``, and ``policy.csv``: platform admins (``<org>/<adminGroup>``) are ``role:admin``; per
  tenant a role ``role:<tenant>-owner`` for the group ``<org>/<tenant>-owners``, limited to the tenant's
  AppProject. Application verbs are NOT repeated here: the tenant's AppProject (render/argocd.py) already
  grants its owners get/sync/action/delete and its members get/sync through project roles bound to the same
  groups. The global role adds what a project role does not carry: seeing the project, pod logs and a
  terminal (exec) in the project's applications.
- Server: TLS ends at the ingress controller (``server.insecure``), the ingress at ``argocd.<domain>`` with the
  environment's class and cert-manager issuer.

Value paths (``configs.cm``, ``configs.rbac``, ``configs.params``, ``global.domain``, ``server.ingress.*``) and
the ``part-of`` label requirement are from the chart's and Argo CD's documentation as remembered (argo-helm is
not re-read in the search index); the ``$<secret>:<key>`` reference is confirmed (argo-cd PR #4342).
"""

from __future__ import annotations

from typing import Any

import yaml

from generator import naming
from generator.render import sso
from generator.render.components import Context
from generator.render.externalsecret import external_secret
from generator.render.meta import Obj
from generator.render.tenancy import OWNERS, sso_group
from generator.render.workload import ISSUER_ANNOTATION

HOST_LABEL = "argocd"
OIDC_SECRET = "argocd-oidc"  # in Argo CD's namespace, labelled part-of: argocd
OIDC_SECRET_KEY = "clientSecret"
PART_OF = {"app.kubernetes.io/part-of": "argocd"}
SCOPES = ["openid", "profile", "email"]
ADMIN_ROLE = "role:admin"
# What a tenant's owners get beyond their AppProject's own roles: (resource, action, object pattern).
OWNER_EXTRAS = (
    ("projects", "get", "{tenant}"),
    ("logs", "get", "{tenant}/*"),
    ("exec", "create", "{tenant}/*"),
)


def owner_role(tenant: str) -> str:
    return f"role:{tenant}-{OWNERS.removesuffix('s')}"


def host(ctx: Context) -> str:
    return naming.public_host(ctx.env, HOST_LABEL)


def oidc_config(ctx: Context) -> str:
    """The YAML text of ``oidc.config`` (a string value in argocd-cm)."""
    client = sso.client(ctx.platform, ctx.env, "argocd")
    config = {
        "name": "Casdoor",
        "issuer": naming.casdoor_issuer(ctx.env),
        "clientID": client.client_id,
        "clientSecret": f"${OIDC_SECRET}:{OIDC_SECRET_KEY}",
        "requestedScopes": SCOPES,
        "requestedIDTokenClaims": {"groups": {"essential": True}},
    }
    return yaml.safe_dump(config, sort_keys=False, default_flow_style=False)


def policy_lines(ctx: Context) -> list[str]:
    """``policy.csv``: the admins, then per tenant (sorted) its owner role's grants and its group mapping."""
    sso_settings = ctx.platform.spec.sso
    lines = [f"g, {sso_settings.organization}/{sso_settings.admin_group}, {ADMIN_ROLE}"]
    for tenant in sorted(t.name for t in ctx.tenants):
        role = owner_role(tenant)
        lines += [f"p, {role}, {resource}, {action}, {pattern.format(tenant=tenant)}, allow"
                  for resource, action, pattern in OWNER_EXTRAS]
        lines.append(f"g, {sso_group(ctx.platform, tenant, OWNERS)}, {role}")
    return lines


def values(ctx: Context) -> dict[str, Any]:
    env = ctx.env
    return {
        "global": {"domain": host(ctx)},
        "configs": {
            "cm": {"url": naming.public_url(env, HOST_LABEL), "oidc.config": oidc_config(ctx)},
            "params": {"server.insecure": True},
            "rbac": {
                "policy.default": "",
                "policy.csv": "\n".join(policy_lines(ctx)) + "\n",
                "scopes": "[groups]",
            },
        },
        "server": {
            "ingress": {
                "enabled": True,
                "ingressClassName": env.spec.ingress.class_name,
                "hostname": host(ctx),
                "annotations": {ISSUER_ANNOTATION: env.spec.ingress.tls_issuer},
                "tls": True,
            },
        },
    }


def oidc_secret(ctx: Context) -> Obj:
    """The client secret, from Argo CD's SSO client record, in a Secret Argo CD may read."""
    client = sso.client(ctx.platform, ctx.env, "argocd")
    template = {"metadata": {"labels": dict(PART_OF)}, "data": {OIDC_SECRET_KEY: f"{{{{ .{OIDC_SECRET_KEY} }}}}"}}
    return external_secret(ctx.env, OIDC_SECRET, ctx.namespace, ctx.labels(),
                           [(OIDC_SECRET_KEY, client.secret_key, client.secret_property)], template=template)


def objects(ctx: Context) -> list[Obj]:
    return [oidc_secret(ctx)]
