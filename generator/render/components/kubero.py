"""Kubero: the operator (plain manifests from git) and the ``Kubero`` custom resource that runs Kubero itself.

The operator has no published Helm chart, so platform.yaml installs its versioned single-file manifest
(``deploy/operator.<version>.yaml`` of kubero-dev/kubero-operator: namespace ``kubero-operator-system``, the
CRDs, RBAC, the controller) as a git ``manifests`` source of the component's Application (argocd.py). The
operator is Helm-based: the spec of a ``Kubero`` CR is used as the values of its embedded chart
``helm-charts/kubero`` (upstream's sample says its defaults are that chart's values.yaml), which runs the Kubero
UI/API. So this module renders the CR, whose spec is generated here with platform.yaml's ``values`` merged over
it (the component has no chart of its own to take them), and the Secret the chart reads.

Wiring (keys of the chart's values.yaml and templates/deployment.yaml, read upstream):

- ``kubero.webhook_url`` -> ``KUBERO_WEBHOOK_URL``: ``https://kubero.<domain>/api/repo/webhooks``.
- ``kubero.auth.oauth2.{enabled, name, id, authUrl, tokenUrl, callbackUrl, scope}``: Casdoor's endpoints, with
  client id and callback from ``sso.client(.., "kubero")``. The chart passes the auth and token URLs as
  ``OAUTO2_CLIENT_AUTH_URL``/``OAUTO2_CLIENT_TOKEN_URL`` (sic); Kubero servers of the 2.x line read those
  names, the NestJS rewrite reads ``OAUTH2_*`` in later versions, so the image is pinned to a 2.x release
  (``v2.2.0``, the appVersion of the operator's embedded chart as read upstream; that this chart is the one of
  operator 0.2.1 is assumed).
- Secret ``kubero-secrets`` (a fixed name in the chart): ``KUBERO_WEBHOOK_SECRET``, ``KUBERO_SESSION_KEY``,
  ``GITEA_PERSONAL_ACCESS_TOKEN`` from the store record ``<env>/kubero``, ``OAUTH2_CLIENT_SECRET`` from Kubero's
  SSO client record, and ``GITEA_BASEURL`` (not secret: the chart reads it from this Secret only) written by
  the ExternalSecret's template.

The CR is applied in the same sync as the operator's CRDs: ``SkipDryRunOnMissingResource`` lets Argo CD apply
it although the kind is not served yet when the sync starts. Its schema (checks/schemas/kubero/) and CRD
(checks/schemas/kubero/crd/) are vendored from kubero-operator's ``config/crd/bases``.
"""

from __future__ import annotations

from typing import Any

from generator import naming
from generator.model import Environment
from generator.render import sso
from generator.render.components import Context, deep_merge
from generator.render.externalsecret import external_secret
from generator.render.meta import Obj, make
from generator.render.workload import ISSUER_ANNOTATION, RESTRICTED_CONTAINER

API_VERSION = "application.kubero.dev/v1alpha1"
NAME = "kubero"
HOST_LABEL = "kubero"  # https://kubero.<domain>
IMAGE_KEY = "kubero"  # the component's images entry
REQUIRED_IMAGES = (IMAGE_KEY,)  # checked by the loader (consistency.py)
SECRET = "kubero-secrets"  # fixed in the chart's deployment
WEBHOOK_PATH = "/api/repo/webhooks"
OAUTH_NAME = "Casdoor"
SCOPE = "openid profile email"
SYNC_OPTIONS = "argocd.argoproj.io/sync-options"
RESOURCES = {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}}
KUBERO_UID = 1000  # the chart's default securityContext.runAsUser
# Store record <env>/kubero: (Secret key, property).
STORE_PROPERTIES = (
    ("KUBERO_WEBHOOK_SECRET", "webhook-secret"),
    ("KUBERO_SESSION_KEY", "session-key"),
    ("GITEA_PERSONAL_ACCESS_TOKEN", "gitea-token"),
)


def store_key(env: Environment) -> str:
    return f"{env.name}/kubero"


def host(env: Environment) -> str:
    return naming.public_host(env, HOST_LABEL)


def image(ctx: Context) -> tuple[str, str]:
    """(repository, tag) of the pinned Kubero image; the chart writes ``<repository>:<tag>``."""
    ref = ctx.component.images.get(IMAGE_KEY)
    if ref is None:
        raise ValueError(f"component {ctx.component.name}: images.{IMAGE_KEY} (the Kubero image) is required")
    repository, _, tag = ref.rpartition(":")
    return repository, tag


def _oauth2(ctx: Context) -> dict[str, Any]:
    client = sso.client(ctx.platform, ctx.env, "kubero")
    issuer = naming.casdoor_issuer(ctx.env)
    return {
        "enabled": True,
        "name": OAUTH_NAME,
        "id": client.client_id,
        "authUrl": f"{issuer}/login/oauth/authorize",
        "tokenUrl": f"{issuer}/api/login/oauth/access_token",
        "callbackUrl": client.redirect_uri,
        "scope": SCOPE,
    }


def spec(ctx: Context) -> dict[str, Any]:
    """The values of the operator's kubero chart, as generated (platform.yaml's ``values`` go over them)."""
    env = ctx.env
    repository, tag = image(ctx)
    container = {key: value for key, value in RESTRICTED_CONTAINER.items() if key != "readOnlyRootFilesystem"}
    return {
        "replicaCount": 1,
        "image": {"repository": repository, "tag": tag, "pullPolicy": "IfNotPresent"},
        "podSecurityContext": {"fsGroup": KUBERO_UID, "seccompProfile": {"type": "RuntimeDefault"}},
        "securityContext": {**container, "runAsUser": KUBERO_UID},
        "resources": RESOURCES,
        "ingress": {
            "enabled": True,
            "className": env.spec.ingress.class_name,
            "annotations": {ISSUER_ANNOTATION: env.spec.ingress.tls_issuer},
            "hosts": [{"host": host(env), "paths": [{"path": "/", "pathType": "Prefix"}]}],
            "tls": [{"secretName": f"{HOST_LABEL}-tls", "hosts": [host(env)]}],
        },
        "registry": {"enabled": False, "create": False},  # apps deploy pinned images; nothing is built
        "prometheus": {"enabled": False},  # the platform's monitoring component scrapes
        "kubero": {
            "namespace": ctx.namespace,
            "context": "inClusterContext",
            "webhook_url": f"{naming.public_url(env, HOST_LABEL)}{WEBHOOK_PATH}",
            "auth": {"github": {"enabled": False}, "oauth2": _oauth2(ctx)},
            "config": {"clusterissuer": env.spec.ingress.tls_issuer},
        },
    }


def kubero(ctx: Context) -> Obj:
    return make(API_VERSION, "Kubero", NAME, namespace=ctx.namespace, labels=ctx.labels(),
                annotations={SYNC_OPTIONS: "SkipDryRunOnMissingResource=true"},
                spec=deep_merge(spec(ctx), ctx.component.values))


def secrets(ctx: Context) -> Obj:
    """``kubero-secrets``: every key the chart reads, by reference to the store; the Gitea URL is literal."""
    env = ctx.env
    client = sso.client(ctx.platform, env, "kubero")
    entries = [(key, store_key(env), prop) for key, prop in STORE_PROPERTIES]
    entries.append(("OAUTH2_CLIENT_SECRET", client.secret_key, client.secret_property))
    data = {key: f"{{{{ .{key} }}}}" for key, _, _ in entries}
    data["GITEA_BASEURL"] = naming.public_url(env, "gitea")
    return external_secret(env, SECRET, ctx.namespace, ctx.labels(), entries, template={"data": data})


def objects(ctx: Context) -> list[Obj]:
    return [kubero(ctx), secrets(ctx)]
