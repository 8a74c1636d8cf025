"""Gitea (chart ``gitea`` 12.x): PostgreSQL on CloudNativePG, login through Casdoor, Actions with a runner.

What is wired, and why this way:

- **Database**: a CNPG ``Cluster`` in Gitea's namespace instead of the chart's bundled PostgreSQL (the
  ``postgresql`` and ``postgresql-ha`` subcharts are off). CNPG generates ``<cluster>-app``; its password
  reaches Gitea as ``GITEA__DATABASE__PASSWD`` through ``gitea.additionalConfigFromEnvs`` (a ``secretKeyRef``:
  the chart's init container writes such ``GITEA__SECTION__KEY`` variables into app.ini), so no password is in
  the values and so none is in git. Host, name and user are plain ``gitea.config.database`` values.
- **No Redis/Valkey**: chart 12 replaced its redis subcharts with valkey (helm-gitea PR #775, "Migrate to
  Valkey from Redis", a major version); both names are switched off (a subchart that does not exist is
  ignored), and cache, session and queue use Gitea's built-in memory/db/level backends (one replica).
- **SSO**: an OIDC auth source ``casdoor`` (``gitea.oauth``) with auto-discovery at Casdoor's issuer; the
  client id, redirect URI (``/user/oauth2/casdoor/callback``) and secret record are the ones ``sso.client``
  lists for Gitea. Its ``existingSecret`` must have the keys ``key`` (client id) and ``secret``: an
  ExternalSecret templates the literal client id next to the secret from the store. Casdoor's JWT carries
  ``groups`` as ``<org>/<group>``, so ``adminGroup`` is the platform admins' group with that prefix.
- **Admin**: ``gitea.admin.existingSecret`` (keys ``username`` and ``password``) from the store record
  ``<env>/gitea/admin``.
- **Actions**: ``[actions] ENABLED``. Chart 12 no longer runs a runner, and the separate runner chart's
  released versions could not be confirmed, so the runner (act_runner) is rendered here as a StatefulSet: host
  mode (jobs run inside the runner's own restricted container, labels ``<label>:host``), so no privileged
  docker-in-docker; its registration state (``.runner``) on a volume of its own so a restart does not register
  a new runner. It registers with a token that Gitea also reads: Gitea (>= 1.22, assumed) takes a pre-shared
  global runner token from ``GITEA_RUNNER_REGISTRATION_TOKEN`` at startup (set on the server through the
  chart's ``deployment.env``), and the act_runner image's entrypoint registers with
  ``GITEA_RUNNER_REGISTRATION_TOKEN`` when ``.runner`` is empty. Both read the store record
  ``<env>/gitea/runner`` (property ``registration-token``; assumed: at least 32 characters, as Gitea wants).
  Host mode has a cost: the job runs in the runner image, which has no Node.js, so JavaScript actions (e.g.
  actions/checkout) need an image that has it; ``run:`` steps work.

Chart value paths (``gitea.oauth[]`` keys, ``gitea.admin.existingSecret``, ``gitea.additionalConfigFromEnvs``,
``deployment.env``, ``ingress.*``, ``persistence.storageClass``) are from the chart README as remembered and seen
in third-party values files, not re-read in the 12.2.0 chart source (gitea.com is not in the search index).
"""

from __future__ import annotations

from typing import Any

import yaml

from generator import naming
from generator.model import Environment
from generator.model.tenant import Database, Resources
from generator.render import sandboxes, sso
from generator.render.components import Context
from generator.render.databases import platform_database
from generator.render.externalsecret import external_secret
from generator.render.meta import Obj, make
from generator.render.workload import ISSUER_ANNOTATION, restricted_container, secret_env

HOST_LABEL = "gitea"  # https://gitea.<domain>
OAUTH_SOURCE = "casdoor"  # Gitea's callback /user/oauth2/<source>/callback: sso.py's redirect URI names it
SCOPES = "openid profile email"

DATABASE_CLUSTER = "gitea-db"
DATABASE = DATABASE_OWNER = "gitea"  # CNPG's initdb names the owner after the database
DATABASE_RESOURCES = Resources(cpu="100m", memory="256Mi")  # per instance; memory limit = request

OAUTH_SECRET = "gitea-oauth"  # keys key (client id), secret (client secret): the chart's oauth existingSecret
ADMIN_SECRET = "gitea-admin"  # keys username, password: the chart's admin.existingSecret
RUNNER_SECRET = "gitea-runner-token"  # key token: shared by the server and the runner
RUNNER_TOKEN_KEY = "token"
RUNNER_TOKEN_ENV = "GITEA_RUNNER_REGISTRATION_TOKEN"

RUNNER = "act-runner"
RUNNER_IMAGE_KEY = "actRunner"  # the component's images entry
REQUIRED_IMAGES = (RUNNER_IMAGE_KEY,)  # checked by the loader (consistency.py)
RUNNER_SELECTOR = {"app.kubernetes.io/name": RUNNER}
RUNNER_UID = 1000
RUNNER_DATA = "/data"  # the image's working directory: .runner (registration) lives here
RUNNER_LABELS = ("ubuntu-latest:host", "linux:host")
RUNNER_STORAGE = "5Gi"  # registration, the actions cache and job workspaces
RUNNER_RESOURCES = {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"memory": "2Gi"}}
# act_runner's own configuration: state file and workspaces on the volume, the cache beside them.
RUNNER_CONFIG = {
    "log": {"level": "info"},
    "runner": {"file": f"{RUNNER_DATA}/.runner", "capacity": 1, "timeout": "3h"},
    "cache": {"enabled": True, "dir": f"{RUNNER_DATA}/cache"},
    "host": {"workdir_parent": f"{RUNNER_DATA}/work"},
}


def admin_key(env: Environment) -> str:
    """The store record of Gitea's admin (properties ``username`` and ``password``)."""
    return f"{env.name}/gitea/admin"


def runner_key(env: Environment) -> str:
    """The store record of the runner registration token (property ``registration-token``)."""
    return f"{env.name}/gitea/runner"


def host(env: Environment) -> str:
    return naming.public_host(env, HOST_LABEL)


def database_secret() -> str:
    """CNPG's generated Secret of the Cluster's owner (keys username, password, host, ...)."""
    return f"{DATABASE_CLUSTER}-app"


def admin_group(ctx: Context) -> str:
    """The platform admins' group as Casdoor writes it in the ``groups`` claim."""
    sso_settings = ctx.platform.spec.sso
    return f"{sso_settings.organization}/{sso_settings.admin_group}"


# --- Helm values -----------------------------------------------------------------------------------------


def _ingress(env: Environment) -> dict[str, Any]:
    return {
        "enabled": True,
        "className": env.spec.ingress.class_name,
        "annotations": {ISSUER_ANNOTATION: env.spec.ingress.tls_issuer},
        "hosts": [{"host": host(env), "paths": [{"path": "/", "pathType": "Prefix"}]}],
        "tls": [{"secretName": f"{HOST_LABEL}-tls", "hosts": [host(env)]}],
    }


def _checked_client(ctx: Context) -> sso.OAuthClient:
    """Gitea's SSO client; its redirect URI must be the callback Gitea serves for the source ``casdoor``."""
    client = sso.client(ctx.platform, ctx.env, "gitea")
    expected = f"{naming.public_url(ctx.env, HOST_LABEL)}/user/oauth2/{OAUTH_SOURCE}/callback"
    if client.redirect_uri != expected:
        raise ValueError(f"Gitea's OAuth client redirects to {client.redirect_uri}, Gitea serves {expected}")
    return client


def values(ctx: Context) -> dict[str, Any]:
    env = ctx.env
    _checked_client(ctx)
    disabled = {"enabled": False}
    return {
        "postgresql": disabled,
        "postgresql-ha": disabled,
        "redis-cluster": disabled,
        "redis": disabled,
        "valkey-cluster": disabled,
        "valkey": disabled,
        "ingress": _ingress(env),
        "persistence": {"enabled": True, "storageClass": env.spec.storage_class},
        "deployment": {"env": [secret_env(RUNNER_TOKEN_ENV, RUNNER_SECRET, RUNNER_TOKEN_KEY)]},
        "gitea": {
            "admin": {"existingSecret": ADMIN_SECRET, "email": f"gitea-admin@{env.spec.domain}"},
            "oauth": [{
                "name": OAUTH_SOURCE,
                "provider": "openidConnect",
                "existingSecret": OAUTH_SECRET,
                "autoDiscoverUrl": sso.discovery_url(env),
                "scopes": SCOPES,
                "groupClaimName": "groups",
                "adminGroup": admin_group(ctx),
            }],
            "additionalConfigFromEnvs": [secret_env("GITEA__DATABASE__PASSWD", database_secret(), "password")],
            "config": {
                "server": {"ROOT_URL": f"{naming.public_url(env, HOST_LABEL)}/", "DOMAIN": host(env),
                           "SSH_DOMAIN": host(env)},
                "database": {"DB_TYPE": "postgres", "HOST": f"{DATABASE_CLUSTER}-rw.{ctx.namespace}.svc:5432",
                             "NAME": DATABASE, "USER": DATABASE_OWNER, "SSL_MODE": "require"},
                "actions": {"ENABLED": True},
                "cache": {"ADAPTER": "memory"},
                "session": {"PROVIDER": "db"},
                "queue": {"TYPE": "level"},
                # accounts come from Casdoor: created at first login, linked by e-mail to an existing one
                "service": {"DISABLE_REGISTRATION": False, "ALLOW_ONLY_EXTERNAL_REGISTRATION": True},
                "oauth2_client": {"ENABLE_AUTO_REGISTRATION": True, "ACCOUNT_LINKING": "auto"},
            },
        },
    }


# --- objects ---------------------------------------------------------------------------------------------


def database(ctx: Context) -> list[Obj]:
    """Gitea's own PostgreSQL and its PodMonitor, sized and built like a tenant's dedicated database; CNPG
    creates the database, its owner and the ``<cluster>-app`` Secret."""
    own = Database(name=DATABASE, resources=DATABASE_RESOURCES)
    return platform_database(ctx.platform, ctx.env, own, DATABASE_CLUSTER, ctx.namespace, ctx.labels())


def oauth_secret(ctx: Context) -> Obj:
    """``key`` is the client id (not secret, written by the template), ``secret`` the client's store record."""
    client = _checked_client(ctx)
    template = {"data": {"key": client.client_id, "secret": "{{ .secret }}"}}
    return external_secret(ctx.env, OAUTH_SECRET, ctx.namespace, ctx.labels(),
                           [("secret", client.secret_key, client.secret_property)], template=template)


def admin_secret(ctx: Context) -> Obj:
    key = admin_key(ctx.env)
    return external_secret(ctx.env, ADMIN_SECRET, ctx.namespace, ctx.labels(),
                           [("username", key, "username"), ("password", key, "password")])


def runner_secret(ctx: Context) -> Obj:
    return external_secret(ctx.env, RUNNER_SECRET, ctx.namespace, ctx.labels(),
                           [(RUNNER_TOKEN_KEY, runner_key(ctx.env), "registration-token")])


def runner_image(ctx: Context) -> str:
    image = ctx.component.images.get(RUNNER_IMAGE_KEY)
    if image is None:
        raise ValueError(f"component {ctx.component.name}: images.{RUNNER_IMAGE_KEY} (act_runner) is required")
    return image


def runner_config(ctx: Context) -> Obj:
    text = yaml.safe_dump(RUNNER_CONFIG, sort_keys=True)
    return make("v1", "ConfigMap", RUNNER, namespace=ctx.namespace, labels=ctx.labels(), data={"config.yaml": text})


def runner_account(ctx: Context) -> Obj:
    """Its own identity, without an API token: the runner only talks to Gitea."""
    return make("v1", "ServiceAccount", RUNNER, namespace=ctx.namespace, labels=ctx.labels(),
                automountServiceAccountToken=False)


def _registered() -> dict[str, Any]:
    """act_runner has no health endpoint: alive and ready once its registration file is written."""
    return {"exec": {"command": ["sh", "-c", f"test -s {RUNNER_DATA}/.runner"]}}


def runner(ctx: Context) -> Obj:
    """act_runner in host mode: one replica, restricted, registration and workspaces on its own volume."""
    labels = {**ctx.labels(), **RUNNER_SELECTOR}
    env = [
        {"name": "GITEA_INSTANCE_URL", "value": sandboxes.gitea_url(ctx.platform)},
        secret_env(RUNNER_TOKEN_ENV, RUNNER_SECRET, RUNNER_TOKEN_KEY),
        {"name": "GITEA_RUNNER_NAME", "value": f"{RUNNER}-{ctx.env.name}"},
        {"name": "GITEA_RUNNER_LABELS", "value": ",".join(RUNNER_LABELS)},
        {"name": "CONFIG_FILE", "value": "/etc/act_runner/config.yaml"},
        {"name": "HOME", "value": RUNNER_DATA},
    ]
    container = {
        "name": RUNNER,
        "image": runner_image(ctx),
        "env": env,
        "resources": RUNNER_RESOURCES,
        "securityContext": restricted_container(runAsUser=RUNNER_UID, runAsGroup=RUNNER_UID),
        "livenessProbe": {**_registered(), "initialDelaySeconds": 60, "periodSeconds": 30},
        "readinessProbe": {**_registered(), "initialDelaySeconds": 5, "periodSeconds": 10},
        "volumeMounts": [
            {"name": "data", "mountPath": RUNNER_DATA},
            {"name": "config", "mountPath": "/etc/act_runner", "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"},
        ],
    }
    pod = {
        "serviceAccountName": RUNNER,
        "automountServiceAccountToken": False,
        "securityContext": {"runAsNonRoot": True, "runAsUser": RUNNER_UID, "runAsGroup": RUNNER_UID,
                            "fsGroup": RUNNER_UID, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [container],
        "volumes": [{"name": "config", "configMap": {"name": RUNNER}}, {"name": "tmp", "emptyDir": {}}],
    }
    claim = {
        "metadata": {"name": "data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": ctx.env.spec.storage_class,
                 "resources": {"requests": {"storage": RUNNER_STORAGE}}},
    }
    return make("apps/v1", "StatefulSet", RUNNER, namespace=ctx.namespace, labels=ctx.labels(), spec={
        "serviceName": RUNNER,
        "replicas": 1,
        "selector": {"matchLabels": dict(RUNNER_SELECTOR)},
        "template": {"metadata": {"labels": labels}, "spec": pod},
        "volumeClaimTemplates": [claim],
    })


def objects(ctx: Context) -> list[Obj]:
    return [
        *database(ctx),
        oauth_secret(ctx),
        admin_secret(ctx),
        runner_secret(ctx),
        runner_account(ctx),
        runner_config(ctx),
        runner(ctx),
    ]
