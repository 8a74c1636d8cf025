"""Names derived from the blueprints: namespaces, sandbox slugs, file paths.

Kept in one place because the loader (collision checks), the renderers and later the checks must
all agree on them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from generator.model.environment import Environment
from generator.model.tenant import SANDBOX_SLUG_MAX, App, Tenant

DATA_SUFFIX = "data"
SANDBOX_INFIX = "sbx"
RESERVED_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})


def app_namespace(tenant: str, app: str) -> str:
    return f"{tenant}-{app}"


def kubero_namespace(tenant: str, env: str) -> str:
    """Kubero deploys every app of a pipeline phase into ``<pipeline>-<phase>``; ours are tenant and environment."""
    return f"{tenant}-{env}"


def workload_namespace(tenant: str, app: App, env: str) -> str:
    """Where an app runs: its own namespace, or its tenant's Kubero namespace for runtime kubero."""
    return kubero_namespace(tenant, env) if app.runtime == "kubero" else app_namespace(tenant, app.name)


CASDOOR_HOST_LABEL = "casdoor"


def public_host(env: Environment, label: str) -> str:
    """A platform service's public host name: ``<label>.<environment domain>`` (casdoor, gitea, argocd, ...)."""
    return f"{label}.{env.spec.domain}"


def public_url(env: Environment, label: str) -> str:
    return f"https://{public_host(env, label)}"


def casdoor_issuer(env: Environment) -> str:
    """Casdoor's public URL; its ``origin`` setting must be this, so tokens carry it as ``iss``."""
    return public_url(env, CASDOOR_HOST_LABEL)


SSO_USER_NAME_MAX = 63


def sso_user_name(email: str) -> str:
    """The DNS-safe Casdoor user name of an e-mail: ``alice@acme.io`` -> ``alice-at-acme-io`` (two e-mails with
    one name are a load error: consistency.py)."""
    local, _, domain = email.lower().partition("@")
    slug = "-at-".join(re.sub(r"[^a-z0-9]+", "-", part).strip("-") for part in (local, domain))
    return slug[:SSO_USER_NAME_MAX].strip("-")


def data_namespace(tenant: str) -> str:
    return f"{tenant}-{DATA_SUFFIX}"


def sandbox_slug(user: str) -> str:
    """The DNS-safe form of an SSO user: the local part of the e-mail, lower-cased.

    Two users of one tenant with the same slug are rejected at load time.
    """
    local = user.split("@", 1)[0].lower()
    slug = re.sub(r"[^a-z0-9]+", "-", local).strip("-")[:SANDBOX_SLUG_MAX].strip("-")
    return slug or "user"


def sandbox_namespace(tenant: str, user: str) -> str:
    return f"{tenant}-{SANDBOX_INFIX}-{sandbox_slug(user)}"


def object_file(obj: dict) -> str:
    """``<namespace>_<kind>_<name>.yaml`` (``_cluster_<kind>_<name>.yaml`` for cluster-scoped kinds).

    One object per file, the path from its identity. Flat, not a directory per namespace: on disk
    every directory costs more than a file to create and to swap (measured ~0.26 ms per mkdir against
    ~0.01 ms per hard link), and Kubernetes names never contain '_', so the parts stay unambiguous.
    """
    meta = obj["metadata"]
    return f"{meta.get('namespace', '_cluster')}_{obj['kind'].lower()}_{meta['name']}.yaml"


def database_users(tenant: Tenant) -> dict[str, list[str]]:
    """Which apps use each database, in blueprint order."""
    users: dict[str, list[str]] = {db.name: [] for db in tenant.spec.databases}
    for app in tenant.spec.apps:
        for ref in app.databases:
            if ref in users:  # an undeclared one is the loader's to report, not ours to crash on
                users[ref].append(app.name)
    return users


def needs_data_namespace(tenant: Tenant, env: Environment) -> bool:
    """Shared-mode environments, and databases used by no app or by several, live in <tenant>-data."""
    if not tenant.spec.databases:
        return False
    if env.spec.databases.mode == "shared":
        return True
    return any(len(apps) != 1 for apps in database_users(tenant).values())


def tenant_namespaces(tenant: Tenant, env: Environment) -> dict[str, str]:
    """Namespace -> role (app, data, sandbox) of one tenant in one environment, sorted by name."""
    found = {workload_namespace(tenant.name, a, env.name): "app" for a in tenant.spec.apps}
    if needs_data_namespace(tenant, env):
        found[data_namespace(tenant.name)] = "data"
    found.update({sandbox_namespace(tenant.name, s.user): "sandbox" for s in tenant.spec.sandboxes})
    return dict(sorted(found.items()))


SHARED_CLUSTER_SUFFIX = "pg"


@dataclass(frozen=True)
class DatabasePlacement:
    """Where one of a tenant's databases lives in one environment, and how an app reaches it.

    The database renderer creates what this promises; the app renderer only reads it. Dedicated mode: a
    CNPG Cluster named after the database, in the namespace of its one app, else ``<tenant>-data``. Shared
    mode: one Cluster ``<tenant>-pg`` in ``<tenant>-data`` and a CNPG ``Database`` per database.
    """

    database: str
    cluster: str
    namespace: str
    shared: bool
    apps: tuple[str, ...]  # the apps that list it, in blueprint order
    clients: tuple[str, ...] = ()  # the namespaces those apps run in, sorted, each once
    pooler: str | None = None  # the Pooler (and its Service) apps connect through, if the database has one

    @property
    def host(self) -> str:
        """Where apps connect, fully qualified (apps in other namespaces resolve it too): the Pooler when
        there is one, else the Cluster's read-write Service."""
        return f"{self.pooler or self.cluster + '-rw'}.{self.namespace}.svc"

    def secret_for(self, app_ns: str) -> str:
        """The Secret in ``app_ns`` with the keys username, password, host, port, dbname, uri.

        In the Cluster's own namespace (dedicated, one app, no pooler) it is CNPG's ``<cluster>-app``;
        anywhere else, or when its host and uri must name the Pooler, a copy the database renderer
        provides under ``<database>-db``.
        """
        if not self.shared and app_ns == self.namespace and self.pooler is None:
            return f"{self.cluster}-app"
        return f"{self.database}-db"


def pooler_name(database: str) -> str:
    return f"{database}-pooler"


def database_placements(tenant: Tenant, env: Environment) -> dict[str, DatabasePlacement]:
    """Every database of ``tenant`` in ``env``, by name, in blueprint order."""
    users = database_users(tenant)
    by_name = {app.name: app for app in tenant.spec.apps}
    shared = env.spec.databases.mode == "shared"
    placements = {}
    for db in tenant.spec.databases:
        apps = tuple(users[db.name])
        if shared:
            cluster, namespace = f"{tenant.name}-{SHARED_CLUSTER_SUFFIX}", data_namespace(tenant.name)
        else:
            single = len(apps) == 1
            cluster = db.name
            namespace = workload_namespace(tenant.name, by_name[apps[0]], env.name) if single \
                else data_namespace(tenant.name)
        clients = tuple(sorted({workload_namespace(tenant.name, by_name[a], env.name) for a in apps}))
        placements[db.name] = DatabasePlacement(db.name, cluster, namespace, shared, apps, clients,
                                                pooler_name(db.name) if db.pooler else None)
    return placements


# Environment variables an app gets per database it lists, and the Secret key each reads.
DATABASE_VARS = (
    ("DATABASE_URL", "uri"),
    ("PGHOST", "host"),
    ("PGPORT", "port"),
    ("PGDATABASE", "dbname"),
    ("PGUSER", "username"),
    ("PGPASSWORD", "password"),
)


def database_prefix(position: int, database: str) -> str:
    """The first database an app lists gets the plain names libpq and most frameworks read
    (DATABASE_URL, PGHOST, ...); every further one ``<DATABASE>_``-prefixed, so names never clash.

    Database names are DNS labels, so upper-casing and '-' -> '_' is unique; a leading digit gets a '_'
    (environment variable names must not start with one).
    """
    if position == 0:
        return ""
    name = database.upper().replace("-", "_")
    return f"_{name}_" if name[0].isdigit() else f"{name}_"


def database_variables(app: App) -> dict[str, str]:
    """Every database variable name of ``app`` -> the database it belongs to (runtime deployment only)."""
    return {database_prefix(i, db) + var: db for i, db in enumerate(app.databases) for var, _ in DATABASE_VARS}
