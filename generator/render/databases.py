"""CloudNativePG databases of one tenant in one environment, and the wiring that lets exactly their apps in.

Where a database lives and which Secret an app reads come from ``naming.database_placements`` alone:

- dedicated: a ``Cluster`` per database, named after it, in its one app's namespace (else ``<tenant>-data``);
  ``bootstrap.initdb`` creates the database and its owner, and CNPG generates ``<cluster>-app``.
- shared: one ``Cluster`` ``<tenant>-pg`` in ``<tenant>-data``, per database a CNPG ``Database`` owned by a
  managed role of the same name (``bootstrap`` stays CNPG's default; its ``app`` database goes unused). The
  role's password comes from an ``ExternalSecret`` against the environment's secret store (key
  ``<env>/databases/<tenant>/<database>``, property ``password``, to be put there by the platform team): the
  external-secrets Password generator would create it in the cluster instead, but neither its CRD nor a
  vendored schema exists here, so ``platformctl validate`` could not check it.

An app in another namespace than its database gets ``<database>-db`` (keys username, password, host, port,
dbname, uri) from an ``ExternalSecret`` that copies the database's Secret through the external-secrets
Kubernetes provider. Its store is a ``ClusterSecretStore`` per database (the namespaced ``SecretStore`` has
no CRD or schema here either), platform-owned like the guardrails: its ``conditions`` admit only the
namespaces of the apps that list the database, and it authenticates as a ServiceAccount in the database's
namespace that a Role lets ``get`` exactly that one Secret.

NetworkPolicies (guardrails, on top of the tenancy's default-deny and allows): PostgreSQL and PgBouncer pods
accept 5432 only from the namespaces of the apps that list their databases (and PostgreSQL from the CNPG
operator, which also calls the instance manager on 8000); they may reach the Kubernetes API server (the
instance manager and PgBouncer's manager watch their objects) and, when backing up, the object store; each
consuming app namespace may reach its database's pods on 5432. A NetworkPolicy cannot name the API server
(not a pod; its address is cluster-specific), so that egress is any address on the API server's ports: 443
(the ``kubernetes`` Service) and 6443 (the usual endpoint port, which most CNIs match after DNAT).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from generator import accounting, naming
from generator.model import Environment, Platform, Tenant
from generator.model.tenant import Database
from generator.model.types import quantity_value
from generator.naming import DatabasePlacement
from generator.overlay import effective_database
from generator.render import quantity
from generator.render.externalsecret import SecretReader, external_secret
from generator.render.meta import Obj, Rendered, labels, make

COMPONENT = "databases"
CNPG = "postgresql.cnpg.io/v1"
BARMAN = "barmancloud.cnpg.io/v1"
PROMETHEUS = "monitoring.coreos.com/v1"
NETWORKING = "networking.k8s.io/v1"

BARMAN_PLUGIN = "barman-cloud.cloudnative-pg.io"
CLUSTER_LABEL = "cnpg.io/cluster"
POOLER_LABEL = "cnpg.io/poolerName"
POD_ROLE_LABEL = "cnpg.io/podRole"
NAME_LABEL = "kubernetes.io/metadata.name"
POSTGRES_PORT = 5432
STATUS_PORT = 8000  # the instance manager's HTTP endpoint, called by the operator
API_SERVER_PORTS = (443, 6443)
ANYWHERE = ("0.0.0.0/0", "::/0")
# The barman-cloud sidecar in every instance pod when backing up: bounded like every other container.
BACKUP_SIDECAR = accounting.BACKUP_SIDECAR
S3_KEYS = ("ACCESS_KEY_ID", "ACCESS_SECRET_KEY")  # properties of the environment's object-store credentials
COPIED_KEYS = ("username", "password")  # read from the database's Secret; the rest is known here
_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}


@dataclass(frozen=True)
class ClusterPlan:
    """One CNPG Cluster and the databases it serves, in blueprint order (several only in shared mode)."""

    tenant: str
    name: str
    namespace: str
    shared: bool
    databases: tuple[tuple[Database, DatabasePlacement], ...]

    @property
    def clients(self) -> list[str]:
        """The namespaces of every app that lists one of its databases."""
        return sorted({ns for _, p in self.databases for ns in p.clients})

    @property
    def backed_up(self) -> list[Database]:
        return [db for db, _ in self.databases if db.backup is not None]


def clusters(tenant: Tenant, env: Environment) -> list[ClusterPlan]:
    """The tenant's Clusters in ``env``, grouped from the placements (first appearance order)."""
    by_name = {db.name: db for db in tenant.spec.databases}
    grouped: dict[tuple[str, str], list[tuple[Database, DatabasePlacement]]] = {}
    for name, placement in naming.database_placements(tenant, env).items():
        grouped.setdefault((placement.namespace, placement.cluster), []).append((by_name[name], placement))
    return [ClusterPlan(tenant.name, cluster, ns, members[0][1].shared, tuple(members))
            for (ns, cluster), members in grouped.items()]


# --- names -----------------------------------------------------------------------------------------------


def pooler_name(db: Database) -> str:
    return naming.pooler_name(db.name)


def owner_secret(database: str) -> str:
    """Shared mode: the basic-auth Secret of the role owning ``database``."""
    return f"{database}-owner"


def owner_password_key(env: Environment, tenant: str, db: Database) -> str:
    """Where the environment's secret store keeps the owner's password (property ``password``)."""
    return f"{env.name}/databases/{tenant}/{db.name}"


def source_secret(placement: DatabasePlacement) -> str:
    """The Secret in the database's namespace that apps elsewhere get a copy of."""
    return owner_secret(placement.database) if placement.shared else f"{placement.cluster}-app"


def reader(placement: DatabasePlacement) -> str:
    """ServiceAccount, Role and RoleBinding that may read ``source_secret`` (nothing else)."""
    return f"{placement.database}-db-reader"


def store_name(placement: DatabasePlacement) -> str:
    """Cluster-scoped, so qualified by namespace; a '.' is in no namespace or database name: unambiguous."""
    return f"{placement.namespace}.{placement.database}"


def object_store(plan: ClusterPlan) -> str:
    return f"{plan.name}-backup"


def s3_secret(plan: ClusterPlan) -> str:
    return f"{plan.name}-backup-s3"


# --- small builders --------------------------------------------------------------------------------------


def _tcp(*ports: int) -> list[dict[str, Any]]:
    return [{"protocol": "TCP", "port": p} for p in ports]


def _namespace_peer(ns: str, pods: dict[str, str] | None = None) -> dict[str, Any]:
    peer: dict[str, Any] = {"namespaceSelector": {"matchLabels": {NAME_LABEL: ns}}}
    if pods is not None:
        peer["podSelector"] = {"matchLabels": pods}
    return peer


def _anywhere() -> list[dict[str, Any]]:
    return [{"ipBlock": {"cidr": cidr}} for cidr in ANYWHERE]


def _policy(name: str, ns: str, lab: dict[str, str], pods: dict[str, str], **rules: Any) -> Obj:
    types = [t for t in ("Ingress", "Egress") if t.lower() in rules]
    return make(NETWORKING, "NetworkPolicy", name, namespace=ns, labels=lab,
                spec={"podSelector": {"matchLabels": pods}, "policyTypes": types, **rules})


def _resources(requests: accounting.Requests) -> dict[str, Any]:
    """Requests as accounted for in the tenant's quota; the memory limit equals the request."""
    return {"requests": {"cpu": requests.cpu, "memory": requests.memory}, "limits": {"memory": requests.memory}}


def _retention(backed_up: list[Database]) -> str:
    """The longest retention asked for, in barman's form ``[1-9][0-9]*[dwm]``: a year becomes 12 months, and
    the blueprint's ``0d`` (its pattern allows it) the shortest barman keeps, a day."""
    def days(text: str) -> int:
        return int(text[:-1]) * _DAYS[text[-1]]

    longest = max((db.backup.retention for db in backed_up if db.backup), key=days)
    count, unit = int(longest[:-1]), longest[-1]
    if unit == "y":
        count, unit = count * 12, "m"
    return f"{count}{unit}" if count else "1d"


def _object_store_port(env: Environment) -> int:
    store = env.spec.databases.object_store
    if store is None or store.endpoint_url is None:
        return 443
    url = urlsplit(store.endpoint_url)
    return url.port or (80 if url.scheme == "http" else 443)


# --- the Cluster -----------------------------------------------------------------------------------------


def _version(plan: ClusterPlan, platform: Platform) -> str:
    """A shared Cluster runs one PostgreSQL: the newest its databases ask for (dumps restore upwards)."""
    versions = {db.version or platform.spec.postgres.default_version for db, _ in plan.databases}
    return max(versions, key=int)


def _storage(plan: ClusterPlan) -> str:
    sizes = [db.storage or "1Gi" for db, _ in plan.databases]
    if len(sizes) == 1:
        return sizes[0]
    return quantity.binary(sum((quantity_value(s) for s in sizes), start=quantity_value("0")))


def _managed_roles(plan: ClusterPlan) -> list[dict[str, Any]]:
    return [{"name": db.name, "ensure": "present", "login": True, "passwordSecret": {"name": owner_secret(db.name)}}
            for db, _ in plan.databases]


def cluster(platform: Platform, env: Environment, plan: ClusterPlan, lab: dict[str, str]) -> Obj:
    """The Cluster; CNPG's own pod and container security contexts already satisfy Pod Security restricted."""
    instances = max(db.instances or 1 for db, _ in plan.databases)
    spec: dict[str, Any] = {
        "instances": instances,
        "imageName": platform.spec.postgres.images[_version(plan, platform)],
        "enableSuperuserAccess": False,
        "enablePDB": instances > 1,  # a PDB on a lone instance would block every node drain
        "storage": {"size": _storage(plan), "storageClass": env.spec.storage_class},
        "resources": _resources(accounting.database_instance(db for db, _ in plan.databases)),
    }
    if plan.shared:
        spec["managed"] = {"roles": _managed_roles(plan)}
    else:
        db = plan.databases[0][0]
        spec["bootstrap"] = {"initdb": {"database": db.name, "owner": db.name}}
    if plan.backed_up:
        spec["plugins"] = [{"name": BARMAN_PLUGIN, "isWALArchiver": True,
                            "parameters": {"barmanObjectName": object_store(plan)}}]
    return make(CNPG, "Cluster", plan.name, namespace=plan.namespace, labels=lab, spec=spec)


def pod_monitor(plan: ClusterPlan, lab: dict[str, str]) -> Obj:
    """Instances only: PgBouncer pods carry the cluster label too, and have their own monitor."""
    return make(PROMETHEUS, "PodMonitor", plan.name, namespace=plan.namespace, labels=lab, spec={
        "selector": {"matchLabels": {CLUSTER_LABEL: plan.name, POD_ROLE_LABEL: "instance"}},
        "podMetricsEndpoints": [{"port": "metrics"}],
    })


def platform_database(platform: Platform, env: Environment, database: Database, cluster_name: str, namespace: str,
                      lab: dict[str, str]) -> list[Obj]:
    """A platform component's own PostgreSQL (Casdoor's, Gitea's) and its PodMonitor: a dedicated database sized
    like a tenant's (the environment's defaults under its caps), built by the same Cluster and monitor code."""
    db = effective_database(database, env, platform)
    plan = ClusterPlan("", cluster_name, namespace, False,
                       ((db, DatabasePlacement(db.name, cluster_name, namespace, False, ())),))
    return [cluster(platform, env, plan, lab), pod_monitor(plan, lab)]


# --- shared mode: databases and their owners -------------------------------------------------------------


def database(plan: ClusterPlan, db: Database, lab: dict[str, str]) -> Obj:
    return make(CNPG, "Database", db.name, namespace=plan.namespace, labels=lab,
                spec={"name": db.name, "owner": db.name, "cluster": {"name": plan.name}})


def owner_password(env: Environment, plan: ClusterPlan, db: Database, lab: dict[str, str]) -> Obj:
    """The managed role's basic-auth Secret, from the environment's secret store (never from git)."""
    template = {"type": "kubernetes.io/basic-auth", "data": {"username": db.name, "password": "{{ .password }}"}}
    return external_secret(env, owner_secret(db.name), plan.namespace, lab,
                           [("password", owner_password_key(env, plan.tenant, db), "password")], template=template)


# --- poolers ---------------------------------------------------------------------------------------------


def pooler(plan: ClusterPlan, db: Database, lab: dict[str, str]) -> Obj:
    """PgBouncer in front of the primary. Both its containers get the accounted requests: CNPG's default for
    the init container (256Mi) would otherwise set the pod's memory request above what the quota budgets."""
    assert db.pooler is not None
    resources = _resources(accounting.POOLER_INSTANCE)
    return make(CNPG, "Pooler", pooler_name(db), namespace=plan.namespace, labels=lab, spec={
        "cluster": {"name": plan.name},
        "instances": db.pooler.instances or 1,
        "type": "rw",
        "pgbouncer": {"poolMode": "session"},
        "template": {"spec": {"containers": [{"name": "pgbouncer", "resources": resources}],
                              "initContainers": [{"name": "bootstrap-controller", "resources": resources}]}},
    })


def pooler_monitor(plan: ClusterPlan, db: Database, lab: dict[str, str]) -> Obj:
    return make(PROMETHEUS, "PodMonitor", pooler_name(db), namespace=plan.namespace, labels=lab, spec={
        "selector": {"matchLabels": {POOLER_LABEL: pooler_name(db), POD_ROLE_LABEL: "pooler"}},
        "podMetricsEndpoints": [{"port": "metrics"}],
    })


# --- backups ---------------------------------------------------------------------------------------------


def backups(env: Environment, plan: ClusterPlan, lab: dict[str, str]) -> list[Obj]:
    """ObjectStore, its credentials, and a ScheduledBackup per distinct schedule (named after the first
    database asking for it: two databases of a shared Cluster with one schedule get one backup)."""
    store = env.spec.databases.object_store
    if not plan.backed_up or store is None:
        return []
    ns = plan.namespace
    secret = external_secret(env, s3_secret(plan), ns, lab, [(key, store.credentials, key) for key in S3_KEYS])
    configuration: dict[str, Any] = {"destinationPath": f"{store.destination_path.rstrip('/')}/{plan.name}"}
    if store.endpoint_url:
        configuration["endpointURL"] = store.endpoint_url
    configuration["s3Credentials"] = {
        "accessKeyId": {"name": s3_secret(plan), "key": S3_KEYS[0]},
        "secretAccessKey": {"name": s3_secret(plan), "key": S3_KEYS[1]},
    }
    configuration["wal"] = {"compression": "gzip"}
    configuration["data"] = {"compression": "gzip"}
    objects = [secret, make(BARMAN, "ObjectStore", object_store(plan), namespace=ns, labels=lab, spec={
        "configuration": configuration,
        "retentionPolicy": _retention(plan.backed_up),
        "instanceSidecarConfiguration": {"resources": _resources(BACKUP_SIDECAR)},
    })]
    seen: set[str] = set()
    for db in plan.backed_up:
        assert db.backup is not None
        if db.backup.schedule in seen:
            continue
        seen.add(db.backup.schedule)
        objects.append(make(CNPG, "ScheduledBackup", f"{db.name}-backup", namespace=ns, labels=lab, spec={
            "schedule": db.backup.schedule,
            "cluster": {"name": plan.name},
            "method": "plugin",
            "pluginConfiguration": {"name": BARMAN_PLUGIN},
            "backupOwnerReference": "self",
        }))
    return objects


# --- credentials for apps in other namespaces ------------------------------------------------------------


def _copy_template(placement: DatabasePlacement) -> dict[str, str]:
    host, port, name = placement.host, str(POSTGRES_PORT), placement.database
    return {
        "username": "{{ .username }}",
        "password": "{{ .password }}",
        "host": host,
        "port": port,
        "dbname": name,
        "uri": f"postgresql://{{{{ .username }}}}:{{{{ .password | urlquery }}}}@{host}:{port}/{name}",
    }


def copied_to(tenant: str, placement: DatabasePlacement) -> list[str]:
    """App namespaces that need ``<database>-db``: every one but the home of a dedicated Cluster without a
    Pooler (there the app reads CNPG's own Secret)."""
    return [ns for ns in placement.clients
            if placement.secret_for(ns) != f"{placement.cluster}-app"]


def credentials(tenant: str, placement: DatabasePlacement, lab: dict[str, str]) -> Rendered:
    """The store, its identity and exact permission, and one ExternalSecret per consuming namespace."""
    targets = copied_to(tenant, placement)
    if not targets:
        return Rendered()
    copier = SecretReader(reader(placement), placement.namespace, source_secret(placement), store_name(placement),
                          tuple(targets))
    copies = [copier.copy(placement.secret_for(app_ns), app_ns, lab, COPIED_KEYS,
                          {"data": _copy_template(placement)}) for app_ns in targets]
    return Rendered([copier.account(lab), *copies], copier.grants(lab))


# --- network ---------------------------------------------------------------------------------------------


def _server_policies(prefix: str, ns: str, pods: dict[str, str], clients: list[str], lab: dict[str, str],
                     operator: str | None = None) -> list[Obj]:
    """Ingress on 5432 from exactly ``clients`` (and the operator), egress to the API server."""
    ingress = []
    if clients:
        ingress.append({"from": [_namespace_peer(c) for c in clients], "ports": _tcp(POSTGRES_PORT)})
    if operator:
        ingress.append({"from": [_namespace_peer(operator)], "ports": _tcp(POSTGRES_PORT, STATUS_PORT)})
    result = []
    if ingress:
        result.append(_policy(f"{prefix}-ingress", ns, lab, pods, ingress=ingress))
    result.append(_policy(f"{prefix}-apiserver", ns, lab, pods,
                          egress=[{"to": _anywhere(), "ports": _tcp(*API_SERVER_PORTS)}]))
    return result


def server_policies(platform: Platform, env: Environment, plan: ClusterPlan, lab: dict[str, str]) -> list[Obj]:
    operator = platform.namespace_of("cnpg", "cnpg-system")
    pods = {CLUSTER_LABEL: plan.name}
    result = _server_policies(f"postgres-{plan.name}", plan.namespace, pods, plan.clients, lab, operator)
    if plan.backed_up and env.spec.databases.object_store is not None:
        result.append(_policy(f"postgres-{plan.name}-backups", plan.namespace, lab, pods,
                              egress=[{"to": _anywhere(), "ports": _tcp(_object_store_port(env))}]))
    for db, placement in plan.databases:
        if db.pooler is not None:
            result += _server_policies(f"pgbouncer-{pooler_name(db)}", plan.namespace,
                                       {POOLER_LABEL: pooler_name(db)}, list(placement.clients),
                                       lab)
    return result


def client_policies(plan: ClusterPlan, lab: dict[str, str]) -> list[Obj]:
    """Per app namespace outside the Cluster's: egress to its pods (and its databases' poolers) on 5432."""
    peers: dict[str, list[dict[str, Any]]] = {}
    for db, placement in plan.databases:
        for app_ns in placement.clients:
            if app_ns == plan.namespace:
                continue  # allow-same-namespace covers it
            own = peers.setdefault(app_ns, [_namespace_peer(plan.namespace, {CLUSTER_LABEL: plan.name})])
            if db.pooler is not None:
                own.append(_namespace_peer(plan.namespace, {POOLER_LABEL: pooler_name(db)}))
    return [make(NETWORKING, "NetworkPolicy", f"postgres-{plan.name}-egress", namespace=app_ns, labels=lab, spec={
        "podSelector": {}, "policyTypes": ["Egress"], "egress": [{"to": to, "ports": _tcp(POSTGRES_PORT)}],
    }) for app_ns, to in sorted(peers.items())]


# --- the renderer ----------------------------------------------------------------------------------------


def render_cluster(platform: Platform, env: Environment, plan: ClusterPlan, lab: dict[str, str]) -> Rendered:
    workloads = [cluster(platform, env, plan, lab), pod_monitor(plan, lab)]
    for db, _ in plan.databases:
        if plan.shared:
            workloads += [database(plan, db, lab), owner_password(env, plan, db, lab)]
        if db.pooler is not None:
            workloads += [pooler(plan, db, lab), pooler_monitor(plan, db, lab)]
    workloads += backups(env, plan, lab)
    result = Rendered(workloads, server_policies(platform, env, plan, lab) + client_policies(plan, lab))
    for _, placement in plan.databases:
        result += credentials(plan.tenant, placement, lab)
    return result


def render(platform: Platform, env: Environment, tenant: Tenant) -> Rendered:
    """Every database object of one EFFECTIVE tenant in one environment (backups already dropped where off).

    ``guardrails`` holds the NetworkPolicies, Roles and RoleBindings, and the ClusterSecretStores: a
    cluster-scoped object the tenant's AppProject refuses, and as much an access grant as the RoleBinding.
    """
    lab = labels(env.name, tenant=tenant.name, component=COMPONENT)
    result = Rendered()
    for plan in clusters(tenant, env):
        result += render_cluster(platform, env, plan, lab)
    return result
