"""generator.render.databases: CloudNativePG Clusters, their credentials for apps elsewhere, and their network."""

from __future__ import annotations

import datetime
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
from checks.policy.facts import PlatformFacts
from checks.validate import validate
from generator import accounting, naming
from generator.loader import load
from generator.model import Environment, Platform, Tenant
from generator.model.environment import ObjectStore
from generator.model.tenant import Backup, Database, Pooler
from generator.overlay import effective_tenant, present_in
from generator.render import databases
from generator.render.meta import Obj, Rendered
from generator.serialize import dump
from tests.support import REPO, stored_differently

BP = load(REPO)
PLATFORM = BP.platform
GUARDRAIL_KINDS = {"NetworkPolicy", "Role", "RoleBinding", "ResourceQuota", "LimitRange"}
KUBERNETES_VERSION = "1.33.4"
TODAY = datetime.date(2026, 1, 1)


def _render(tenant: str | Tenant, env: str | Environment, platform: Platform = PLATFORM) -> Rendered:
    environment = BP.environments[env] if isinstance(env, str) else env
    blueprint = BP.tenants[tenant] if isinstance(tenant, str) else tenant
    return databases.render(platform, environment, effective_tenant(blueprint, environment, platform))


def _all(rendered: Rendered) -> list[Obj]:
    return rendered.workloads + rendered.guardrails


def _get(objects: list[Obj], kind: str, name: str, namespace: str | None = None) -> Obj:
    found = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name
             and o["metadata"].get("namespace") == namespace]
    assert len(found) == 1, (kind, name, namespace, [(o["kind"], o["metadata"]["name"]) for o in objects])
    return found[0]


def _kinds(objects: list[Obj], kind: str) -> list[Obj]:
    return [o for o in objects if o["kind"] == kind]


def _cases() -> list[tuple[str, str]]:
    return [(t.name, e.name) for e in BP.environments.values() for t in BP.tenants.values() if present_in(t, e)]


def _peer_namespaces(section: dict[str, Any], key: str) -> list[str]:
    return [p["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] for p in section[key]]


# --- a shared-mode environment with backups, and a tenant with three databases --------------------------


def _shared_prod(endpoint: str = "http://minio.storage:9000") -> Environment:
    """prod (no caps, backups on) switched to shared databases, backing up to an in-cluster object store."""
    env = BP.environments["prod"]
    store = ObjectStore.model_validate({"destinationPath": "s3://backups/shared/", "endpointURL": endpoint,
                                        "credentials": "prod/minio"})
    settings = env.spec.databases.model_copy(update={"mode": "shared", "object_store": store})
    return env.model_copy(update={"spec": env.spec.model_copy(update={"databases": settings})})


def _three_databases() -> Tenant:
    """acme with shopdb (shop), ledger (shop and storefront) and archive (no app)."""
    acme = BP.tenants["acme"]
    shop, storefront = acme.spec.apps
    ledger = Database(name="ledger", version="17", instances=1, storage="5Gi",
                      backup=Backup(schedule="0 0 3 * * *", retention="1y"))
    archive = Database(name="archive", backup=Backup(schedule="0 0 4 * * 0", retention="4w"), pooler=Pooler())
    apps = [shop.model_copy(update={"databases": ["shopdb", "ledger"]}),
            storefront.model_copy(update={"databases": ["ledger"]})]
    spec = acme.spec.model_copy(update={"apps": apps, "databases": [*acme.spec.databases, ledger, archive]})
    return acme.model_copy(update={"spec": spec})


# --- every object ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("tenant", "env"), _cases())
def test_every_object_is_labelled_and_guardrails_are_split_off(tenant: str, env: str) -> None:
    rendered = _render(tenant, env)
    for obj in _all(rendered):
        assert obj["metadata"]["labels"] == {
            "app.kubernetes.io/managed-by": "platformctl", "platformctl.dev/environment": env,
            "platformctl.dev/tenant": tenant, "platformctl.dev/component": "databases",
        }
        assert obj["kind"] not in ("Namespace", "Secret")  # namespaces are tenancy's, secrets never in git
    assert {o["kind"] for o in rendered.workloads}.isdisjoint(GUARDRAIL_KINDS | {"ClusterSecretStore"})
    # the ClusterSecretStore is cluster-scoped: the tenant's AppProject refuses it, the platform's tenancy app syncs it
    assert {o["kind"] for o in rendered.guardrails} <= {"NetworkPolicy", "Role", "RoleBinding", "ClusterSecretStore"}
    own = set(naming.tenant_namespaces(effective_tenant(BP.tenants[tenant], BP.environments[env], PLATFORM),
                                       BP.environments[env]))
    assert {o["metadata"]["namespace"] for o in _all(rendered) if o["kind"] != "ClusterSecretStore"} <= own


def test_rendering_is_deterministic() -> None:
    for tenant, env in _cases():
        first, second = _render(tenant, env), _render(tenant, env)
        assert [dump(o) for o in _all(first)] == [dump(o) for o in _all(second)]


def test_a_tenant_without_databases_renders_nothing() -> None:
    assert _render("initech", "local") == Rendered()


@pytest.mark.parametrize(("tenant", "env"), _cases())
def test_every_placement_is_honoured(tenant: str, env: str) -> None:
    """The Cluster and every Secret an app reads are where naming.database_placements says."""
    environment = BP.environments[env]
    effective = effective_tenant(BP.tenants[tenant], environment, PLATFORM)
    objects = _all(_render(tenant, env))
    for placement in naming.database_placements(effective, environment).values():
        _get(objects, "Cluster", placement.cluster, placement.namespace)
        by_name = {a.name: a for a in effective.spec.apps}
        for app in placement.apps:
            app_ns = naming.workload_namespace(tenant, by_name[app], env)
            secret = placement.secret_for(app_ns)
            if secret == f"{placement.cluster}-app":
                assert app_ns == placement.namespace  # CNPG's own Secret, next to the Cluster
            else:
                copy = _get(objects, "ExternalSecret", secret, app_ns)
                assert copy["spec"]["target"]["name"] == secret


# --- dedicated mode -------------------------------------------------------------------------------------


def test_dedicated_cluster_lives_with_its_one_app() -> None:
    objects = _all(_render("acme", "staging"))
    spec = _get(objects, "Cluster", "shopdb", "acme-shop")["spec"]
    assert spec["instances"] == 2
    assert spec["imageName"] == "ghcr.io/cloudnative-pg/postgresql:16.10"  # pinned per major in platform.yaml
    assert spec["storage"] == {"size": "20Gi", "storageClass": "ceph-rbd"}
    assert spec["bootstrap"] == {"initdb": {"database": "shopdb", "owner": "shopdb"}}
    assert spec["enableSuperuserAccess"] is False
    assert spec["enablePDB"] is True
    assert "managed" not in spec and "plugins" not in spec  # staging does not back up, though acme asks
    # the blueprint's resources (memory limit = request)
    assert spec["resources"] == {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"memory": "1Gi"}}
    # shopdb has a pooler: even its one app, in the same namespace, reads a copy naming the pooler
    copy = _get(objects, "ExternalSecret", "shopdb-db", "acme-shop")["spec"]
    assert copy["target"]["template"]["data"]["host"] == "shopdb-pooler.acme-shop.svc"
    assert _get(objects, "ClusterSecretStore", "acme-shop.shopdb")["spec"]["conditions"] == [
        {"namespaces": ["acme-shop"]}]


def test_a_lone_apps_unpooled_database_is_read_from_cnpgs_own_secret() -> None:
    acme = BP.tenants["acme"]
    plain = [d.model_copy(update={"pooler": None, "resources": None}) for d in acme.spec.databases]
    objects = _all(_render(acme.model_copy(update={"spec": acme.spec.model_copy(update={"databases": plain})}),
                           "staging"))
    spec = _get(objects, "Cluster", "shopdb", "acme-shop")["spec"]
    request = accounting.DATABASE_INSTANCE  # no resources in the blueprint: the platform's default
    assert spec["resources"] == {"requests": {"cpu": request.cpu, "memory": request.memory},
                                 "limits": {"memory": request.memory}}
    # the one app reads CNPG's shopdb-app in its own namespace: nothing to copy, no store
    assert not _kinds(objects, "ExternalSecret") and not _kinds(objects, "ClusterSecretStore")
    assert not _kinds(objects, "Role") and not _kinds(objects, "ServiceAccount")


def test_a_lone_instance_gets_no_disruption_budget() -> None:
    spec = _get(_all(_render("acme", "local")), "Cluster", "acme-pg", "acme-data")["spec"]
    assert spec["instances"] == 1 and spec["enablePDB"] is False  # local caps instances at 1


def test_dedicated_cluster_of_two_apps_lives_in_data_and_is_copied_to_each() -> None:
    objects = _all(_render("globex", "staging"))
    spec = _get(objects, "Cluster", "core", "globex-data")["spec"]
    assert spec["imageName"] == "ghcr.io/cloudnative-pg/postgresql:17.6"
    assert spec["bootstrap"]["initdb"] == {"database": "core", "owner": "core"}
    store = _get(objects, "ClusterSecretStore", "globex-data.core")
    assert store["spec"]["conditions"] == [{"namespaces": ["globex-api", "globex-worker"]}]
    kubernetes = store["spec"]["provider"]["kubernetes"]
    assert kubernetes["remoteNamespace"] == "globex-data"
    assert kubernetes["auth"] == {"serviceAccount": {"name": "core-db-reader", "namespace": "globex-data"}}
    assert kubernetes["server"]["caProvider"] == {"type": "ConfigMap", "name": "kube-root-ca.crt", "key": "ca.crt",
                                                  "namespace": "globex-data"}
    role = _get(objects, "Role", "core-db-reader", "globex-data")
    assert role["rules"] == [{"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["core-app"],
                              "verbs": ["get"]}]  # exactly CNPG's Secret of this Cluster, read-only
    binding = _get(objects, "RoleBinding", "core-db-reader", "globex-data")
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "core-db-reader"}
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "core-db-reader", "namespace": "globex-data"}]
    account = _get(objects, "ServiceAccount", "core-db-reader", "globex-data")
    assert account["automountServiceAccountToken"] is False
    for app_ns in ("globex-api", "globex-worker"):
        copy = _get(objects, "ExternalSecret", "core-db", app_ns)["spec"]
        assert copy["secretStoreRef"] == {"kind": "ClusterSecretStore", "name": "globex-data.core"}
        assert [(d["secretKey"], d["remoteRef"]) for d in copy["data"]] == [
            ("username", {"key": "core-app", "property": "username"}),
            ("password", {"key": "core-app", "property": "password"})]
        template = copy["target"]["template"]["data"]
        assert set(template) == {"username", "password", "host", "port", "dbname", "uri"}
        # core has a pooler: apps connect through it; FQDN, resolvable from the app's namespace
        assert template["host"] == "core-pooler.globex-data.svc"
        assert template["port"] == "5432" and template["dbname"] == "core"
        assert template["uri"] == ("postgresql://{{ .username }}:{{ .password | urlquery }}"
                                   "@core-pooler.globex-data.svc:5432/core")


def test_pod_monitor_selects_the_cluster_instances_on_the_metrics_port() -> None:
    monitor = _get(_all(_render("acme", "prod")), "PodMonitor", "shopdb", "acme-shop")["spec"]
    assert monitor["selector"] == {"matchLabels": {"cnpg.io/cluster": "shopdb", "cnpg.io/podRole": "instance"}}
    assert monitor["podMetricsEndpoints"] == [{"port": "metrics"}]


# --- shared mode ----------------------------------------------------------------------------------------


def test_shared_mode_runs_one_cluster_per_tenant_with_a_database_and_role_per_database() -> None:
    objects = _all(_render("acme", "local"))
    assert [(o["metadata"]["namespace"], o["metadata"]["name"]) for o in _kinds(objects, "Cluster")] == \
        [("acme-data", "acme-pg")]
    spec = _get(objects, "Cluster", "acme-pg", "acme-data")["spec"]
    assert "bootstrap" not in spec  # the databases are Database objects, not initdb's
    assert spec["managed"] == {"roles": [{"name": "shopdb", "ensure": "present", "login": True,
                                          "passwordSecret": {"name": "shopdb-owner"}}]}
    assert spec["storage"]["storageClass"] == "standard"
    db = _get(objects, "Database", "shopdb", "acme-data")["spec"]
    assert db == {"name": "shopdb", "owner": "shopdb", "cluster": {"name": "acme-pg"}}
    owner = _get(objects, "ExternalSecret", "shopdb-owner", "acme-data")["spec"]
    assert owner["secretStoreRef"] == {"kind": "ClusterSecretStore", "name": "platform-secrets"}
    assert owner["data"] == [{"secretKey": "password",
                              "remoteRef": {"key": "local/databases/acme/shopdb", "property": "password"}}]
    assert owner["target"]["template"] == {"type": "kubernetes.io/basic-auth",
                                           "data": {"username": "shopdb", "password": "{{ .password }}"}}
    copy = _get(objects, "ExternalSecret", "shopdb-db", "acme-shop")["spec"]
    assert {d["remoteRef"]["key"] for d in copy["data"]} == {"shopdb-owner"}
    assert copy["target"]["template"]["data"]["host"] == "shopdb-pooler.acme-data.svc"  # shopdb is pooled
    role = _get(objects, "Role", "shopdb-db-reader", "acme-data")
    assert role["rules"][0]["resourceNames"] == ["shopdb-owner"]


def test_a_shared_cluster_serves_every_database_of_the_tenant() -> None:
    environment = _shared_prod()
    rendered = _render(_three_databases(), environment)
    objects = _all(rendered)
    assert len(_kinds(objects, "Cluster")) == 1
    spec = _get(objects, "Cluster", "acme-pg", "acme-data")["spec"]
    assert spec["imageName"] == "ghcr.io/cloudnative-pg/postgresql:17.6"  # the newest asked for
    assert spec["instances"] == 3  # archive takes prod's default of 3
    assert spec["storage"]["size"] == "45Gi"  # 20Gi + 5Gi + prod's default 20Gi
    assert spec["resources"]["requests"] == {"cpu": "500m", "memory": "1Gi"}  # the largest asked: shopdb's
    assert [r["name"] for r in spec["managed"]["roles"]] == ["shopdb", "ledger", "archive"]
    assert [o["metadata"]["name"] for o in _kinds(objects, "Database")] == ["shopdb", "ledger", "archive"]
    # one store per database that apps elsewhere read, admitting exactly those apps' namespaces
    stores = {o["metadata"]["name"]: o["spec"]["conditions"] for o in _kinds(objects, "ClusterSecretStore")}
    assert stores == {"acme-data.shopdb": [{"namespaces": ["acme-shop"]}],
                      "acme-data.ledger": [{"namespaces": ["acme-prod", "acme-shop"]}]}  # storefront: kubero
    assert {(o["metadata"]["namespace"], o["metadata"]["name"]) for o in _kinds(objects, "ExternalSecret")
            if o["metadata"]["namespace"] != "acme-data"} == \
        {("acme-shop", "shopdb-db"), ("acme-shop", "ledger-db"), ("acme-prod", "ledger-db")}
    # backups: one object store for the Cluster, keeping the longest retention; one backup per schedule
    store = _get(objects, "ObjectStore", "acme-pg-backup", "acme-data")["spec"]
    assert store["retentionPolicy"] == "12m"  # ledger's 1y, in barman's units
    assert store["configuration"]["destinationPath"] == "s3://backups/shared/acme-pg"
    schedules = {o["metadata"]["name"]: o["spec"]["schedule"] for o in _kinds(objects, "ScheduledBackup")}
    assert schedules == {"shopdb-backup": "0 0 3 * * *", "archive-backup": "0 0 4 * * 0"}
    backups = _get(rendered.guardrails, "NetworkPolicy", "postgres-acme-pg-backups", "acme-data")["spec"]
    assert backups["egress"][0]["ports"] == [{"protocol": "TCP", "port": 9000}]  # the endpoint's own port


# --- poolers --------------------------------------------------------------------------------------------


def test_pooler_when_asked_with_its_instances_and_monitor() -> None:
    objects = _all(_render("acme", "prod"))
    spec = _get(objects, "Pooler", "shopdb-pooler", "acme-shop")["spec"]
    assert spec["cluster"] == {"name": "shopdb"} and spec["instances"] == 2 and spec["type"] == "rw"
    assert spec["pgbouncer"] == {"poolMode": "session"}
    request = accounting.POOLER_INSTANCE
    resources = {"requests": {"cpu": request.cpu, "memory": request.memory}, "limits": {"memory": request.memory}}
    assert spec["template"]["spec"]["containers"] == [{"name": "pgbouncer", "resources": resources}]
    assert spec["template"]["spec"]["initContainers"] == [{"name": "bootstrap-controller", "resources": resources}]
    monitor = _get(objects, "PodMonitor", "shopdb-pooler", "acme-shop")["spec"]
    assert monitor["selector"] == {"matchLabels": {"cnpg.io/poolerName": "shopdb-pooler", "cnpg.io/podRole": "pooler"}}
    local = _get(_all(_render("acme", "local")), "Pooler", "shopdb-pooler", "acme-data")["spec"]
    assert local["instances"] == 1 and local["cluster"] == {"name": "acme-pg"}  # local caps pooler instances
    globex = _get(_all(_render("globex", "prod")), "Pooler", "core-pooler", "globex-data")["spec"]
    assert globex["instances"] == 1  # `pooler: {}` takes the environment default


def test_no_pooler_unless_asked() -> None:
    tenant = _three_databases()
    objects = _all(_render(tenant, "staging"))
    assert {o["metadata"]["name"] for o in _kinds(objects, "Pooler")} == {"shopdb-pooler", "archive-pooler"}


# --- backups --------------------------------------------------------------------------------------------


def test_backups_to_the_environments_object_store_when_prod_enables_them() -> None:
    rendered = _render("acme", "prod")
    objects = _all(rendered)
    cluster = _get(objects, "Cluster", "shopdb", "acme-shop")["spec"]
    assert cluster["plugins"] == [{"name": "barman-cloud.cloudnative-pg.io", "isWALArchiver": True,
                                   "parameters": {"barmanObjectName": "shopdb-backup"}}]
    store = _get(objects, "ObjectStore", "shopdb-backup", "acme-shop")["spec"]
    configuration = store["configuration"]
    assert configuration["destinationPath"] == "s3://platform-backups/prod/shopdb"
    assert configuration["endpointURL"] == "https://s3.eu-central-1.amazonaws.com"
    assert configuration["s3Credentials"] == {
        "accessKeyId": {"name": "shopdb-backup-s3", "key": "ACCESS_KEY_ID"},
        "secretAccessKey": {"name": "shopdb-backup-s3", "key": "ACCESS_SECRET_KEY"}}
    assert store["retentionPolicy"] == "30d"
    sidecar = databases.BACKUP_SIDECAR
    assert store["instanceSidecarConfiguration"]["resources"]["limits"] == {"memory": sidecar.memory}
    credentials = _get(objects, "ExternalSecret", "shopdb-backup-s3", "acme-shop")["spec"]
    assert credentials["secretStoreRef"] == {"kind": "ClusterSecretStore", "name": "platform-secrets"}
    assert credentials["target"] == {"name": "shopdb-backup-s3"}
    assert [(d["secretKey"], d["remoteRef"]) for d in credentials["data"]] == [
        ("ACCESS_KEY_ID", {"key": "prod/backup-s3", "property": "ACCESS_KEY_ID"}),
        ("ACCESS_SECRET_KEY", {"key": "prod/backup-s3", "property": "ACCESS_SECRET_KEY"})]
    scheduled = _get(objects, "ScheduledBackup", "shopdb-backup", "acme-shop")["spec"]
    assert scheduled["schedule"] == "0 0 3 * * *" and scheduled["cluster"] == {"name": "shopdb"}
    assert scheduled["method"] == "plugin"
    assert scheduled["pluginConfiguration"] == {"name": "barman-cloud.cloudnative-pg.io"}
    egress = _get(rendered.guardrails, "NetworkPolicy", "postgres-shopdb-backups", "acme-shop")["spec"]
    assert egress["podSelector"] == {"matchLabels": {"cnpg.io/cluster": "shopdb"}}
    assert egress["egress"][0]["ports"] == [{"protocol": "TCP", "port": 443}]


@pytest.mark.parametrize(("retentions", "expected"), [
    (["30d"], "30d"), (["30d", "5w"], "5w"), (["6m", "1y"], "12m"), (["2y", "700d"], "24m"), (["0d"], "1d"),
    (["007d"], "7d"),
])
def test_retention_is_the_longest_in_barmans_units(retentions: list[str], expected: str) -> None:
    """barman-cloud takes [1-9][0-9]*[dwm]; the blueprint also allows years, zero and leading zeros."""
    dbs = [Database(name=f"db{i}", backup=Backup(schedule="0 0 3 * * *", retention=r))
           for i, r in enumerate(retentions)]
    assert databases._retention(dbs) == expected


@pytest.mark.parametrize(("tenant", "env"), [("acme", "staging"), ("acme", "local"), ("globex", "prod")])
def test_no_backups_where_the_environment_or_the_blueprint_says_no(tenant: str, env: str) -> None:
    objects = _all(_render(tenant, env))
    for kind in ("ObjectStore", "ScheduledBackup"):
        assert not _kinds(objects, kind)
    assert all("plugins" not in c["spec"] for c in _kinds(objects, "Cluster"))
    assert not [o for o in objects if o["metadata"]["name"].endswith("-backups")]


# --- network --------------------------------------------------------------------------------------------


def test_only_the_apps_that_list_a_database_and_the_operator_reach_it() -> None:
    rendered = _render("globex", "prod")
    ingress = _get(rendered.guardrails, "NetworkPolicy", "postgres-core-ingress", "globex-data")["spec"]
    assert ingress["podSelector"] == {"matchLabels": {"cnpg.io/cluster": "core"}}
    assert ingress["policyTypes"] == ["Ingress"]
    apps, operator = ingress["ingress"]
    assert _peer_namespaces(apps, "from") == ["globex-api", "globex-worker"]  # not globex-sbx-mona
    assert apps["ports"] == [{"protocol": "TCP", "port": 5432}]
    assert _peer_namespaces(operator, "from") == ["cnpg-system"]
    assert operator["ports"] == [{"protocol": "TCP", "port": 5432}, {"protocol": "TCP", "port": 8000}]
    pooler = _get(rendered.guardrails, "NetworkPolicy", "pgbouncer-core-pooler-ingress", "globex-data")["spec"]
    assert pooler["podSelector"] == {"matchLabels": {"cnpg.io/poolerName": "core-pooler"}}
    assert [_peer_namespaces(i, "from") for i in pooler["ingress"]] == [["globex-api", "globex-worker"]]


def test_each_consuming_app_namespace_may_reach_its_database_on_5432() -> None:
    rendered = _render("globex", "prod")
    for app_ns in ("globex-api", "globex-worker"):
        spec = _get(rendered.guardrails, "NetworkPolicy", "postgres-core-egress", app_ns)["spec"]
        assert spec["policyTypes"] == ["Egress"] and spec["podSelector"] == {}
        (rule,) = spec["egress"]
        assert rule["ports"] == [{"protocol": "TCP", "port": 5432}]
        assert rule["to"] == [
            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "globex-data"}},
             "podSelector": {"matchLabels": {"cnpg.io/cluster": "core"}}},
            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "globex-data"}},
             "podSelector": {"matchLabels": {"cnpg.io/poolerName": "core-pooler"}}},
        ]
    # a database in the app's own namespace needs no egress policy: allow-same-namespace covers it
    staging = _render("acme", "staging")
    assert not [o for o in staging.guardrails if o["metadata"]["name"].endswith("-egress")]


def test_database_pods_may_reach_the_api_server() -> None:
    rendered = _render("acme", "prod")
    for name, pods in (("postgres-shopdb-apiserver", {"cnpg.io/cluster": "shopdb"}),
                       ("pgbouncer-shopdb-pooler-apiserver", {"cnpg.io/poolerName": "shopdb-pooler"})):
        spec = _get(rendered.guardrails, "NetworkPolicy", name, "acme-shop")["spec"]
        assert spec["podSelector"] == {"matchLabels": pods} and spec["policyTypes"] == ["Egress"]
        assert spec["egress"] == [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}, {"ipBlock": {"cidr": "::/0"}}],
                                   "ports": [{"protocol": "TCP", "port": 443}, {"protocol": "TCP", "port": 6443}]}]


def test_an_unused_database_admits_only_the_operator() -> None:
    objects = _render(_three_databases(), "staging").guardrails  # dedicated: archive lives in acme-data, no app
    ingress = _get(objects, "NetworkPolicy", "postgres-archive-ingress", "acme-data")["spec"]["ingress"]
    assert [_peer_namespaces(i, "from") for i in ingress] == [["cnpg-system"]]
    assert not [o for o in objects if o["kind"] == "ClusterSecretStore" and "archive" in o["metadata"]["name"]]


def test_the_operator_namespace_comes_from_the_platform() -> None:
    components = [c.model_copy(update={"namespace": "postgres-operator"}) if c.name == "cnpg" else c
                  for c in PLATFORM.spec.components]
    platform = PLATFORM.model_copy(update={"spec": PLATFORM.spec.model_copy(update={"components": components})})
    guardrails = _render("acme", "prod", platform).guardrails
    ingress = _get(guardrails, "NetworkPolicy", "postgres-shopdb-ingress", "acme-shop")["spec"]["ingress"]
    assert _peer_namespaces(ingress[-1], "from") == ["postgres-operator"]


# --- the real checkers ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def installed() -> None:
    """kubeconform, kustomize and the core schemas, from the pinned installer (cheap when the cache is warm)."""
    subprocess.run([sys.executable, str(REPO / "tools" / "install.py")], check=True, cwd=REPO)


def _write(root: Path, env: str, tenant: str, rendered: Rendered) -> int:
    """The layout the pipeline writes: workloads in the tenant's app, guardrails in the platform's tenancy app."""
    count = 0
    for part, objects in ((f"tenants/{tenant}", rendered.workloads), (f"system/tenancy/{tenant}", rendered.guardrails)):
        directory = root / "rendered" / env / part
        directory.mkdir(parents=True, exist_ok=True)
        for obj in objects:
            path = directory / naming.object_file(obj)
            assert not path.exists(), path
            path.write_bytes(dump(obj))
            count += 1
    return count


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """Every database object of the example platform, on disk."""
    root = tmp_path_factory.mktemp("databases")
    return root, sum(_write(root, env, tenant, _render(tenant, env)) for tenant, env in _cases())


@pytest.fixture(scope="module")
def variant(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """The shared-mode, backed-up, three-database variant on disk (checked against its own facts)."""
    root = tmp_path_factory.mktemp("variant")
    return root, _write(root, "prod", "acme", _render(_three_databases(), _shared_prod()))


def _variant_facts() -> PlatformFacts:
    env = _shared_prod()
    namespaces = naming.tenant_namespaces(effective_tenant(_three_databases(), env, PLATFORM), env)
    return PlatformFacts(registries=tuple(PLATFORM.spec.registries), domains={"prod": env.spec.domain},
                         tenant_namespaces={("prod", "acme"): frozenset(namespaces)})


def test_every_object_passes_validate(installed: None, tree: tuple[Path, int], variant: tuple[Path, int]) -> None:
    for root, count in (tree, variant):
        report = validate([root / "rendered"], KUBERNETES_VERSION, relative_to=root)
        assert [f"{f.file}:{f.line} {f.message} ({f.field})" for f in report.findings] == []
        assert report.objects == count > 30


@pytest.mark.parametrize("which", ["example", "variant"])
def test_every_object_passes_policy(which: str, tree: tuple[Path, int], variant: tuple[Path, int]) -> None:
    root, count = tree if which == "example" else variant
    facts = policy_facts.from_repo(REPO) if which == "example" else _variant_facts()
    report = sharded.check([root / "rendered"], today=TODAY, relative_to=root, facts=facts)
    assert [f"{f.file}: {f.rule}: {f.message}" for f in report.findings] == []
    assert report.objects == count




def test_the_api_server_accepts_every_object_as_rendered(admin_api: client.ApiClient) -> None:
    """Dry-run server-side apply against the real CRDs (CEL rules included): accepted, and stored unchanged."""
    served = discover(Requester(admin_api))
    core = client.CoreV1Api(admin_api)
    cases = [(BP.tenants[t], BP.environments[e]) for t, e in _cases()] + [(_three_databases(), _shared_prod())]
    checked = 0
    for tenant, env in cases:
        objects = _all(databases.render(PLATFORM, env, effective_tenant(tenant, env, PLATFORM)))
        suffix = uuid.uuid4().hex[:6]
        moved = {ns: f"{ns}-{suffix}" for ns in {o["metadata"].get("namespace") for o in objects} if ns}
        for ns in sorted(moved.values()):
            core.create_namespace({"metadata": {"name": ns}})
        for obj in objects:
            ns = obj["metadata"].get("namespace")
            placed = {**obj, "metadata": {**obj["metadata"], **({"namespace": moved[ns]} if ns else {})}}
            stored = dry_run_apply(admin_api, placed, field_manager="platformctl", served=served)
            assert stored_differently(stored, placed) == [], (obj["kind"], obj["metadata"]["name"])
            checked += 1
    assert checked > 100
