"""generator.render.apps: deployment apps with secure defaults, wired to their databases, checked for real.

The example platform has three deployment apps: acme/shop (database, autoscale, ingress, metrics),
globex/worker (a database shared with a Kubero app, so it lives in globex-data) and initech/tps-reports
(ingress only). Environments differ: local (caps 1, shared databases, selfsigned issuer), staging,
prod (2 replicas by default, dedicated databases).
"""

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
from checks.validate import validate
from generator import naming
from generator.loader import load
from generator.model import Environment, Tenant
from generator.model.environment import AppCaps
from generator.model.tenant import App, AppIngress, Autoscale, Database, Metrics
from generator.overlay import effective_tenant, present_in
from generator.render import apps, tenancy
from generator.render.meta import Obj
from generator.serialize import dump
from tests.support import REPO

BP = load(REPO)
PLATFORM = BP.platform
GUARDRAIL_KINDS = {"NetworkPolicy", "Role", "RoleBinding", "ResourceQuota", "LimitRange"}
KUBERNETES_VERSION = "1.33.4"
TODAY = datetime.date(2026, 1, 1)


def _effective(tenant: Tenant, env: str) -> Tenant:
    return effective_tenant(tenant, BP.environments[env], PLATFORM)


def _objects(tenant: str, env: str) -> list[Obj]:
    result = apps.render(PLATFORM, BP.environments[env], _effective(BP.tenants[tenant], env))
    assert result.guardrails == []
    return result.workloads


def _one(objects: list[Obj], kind: str, name: str | None = None) -> Obj:
    found = [o for o in objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
    assert len(found) == 1, [(o["kind"], o["metadata"]["name"]) for o in objects]
    return found[0]


def _kinds(objects: list[Obj], app: str) -> list[str]:
    return [o["kind"] for o in objects if o["metadata"]["name"] == app]


def _pod(objects: list[Obj], app: str) -> dict[str, Any]:
    return _one(objects, "Deployment", app)["spec"]["template"]


def _container(objects: list[Obj], app: str) -> dict[str, Any]:
    (container,) = _pod(objects, app)["spec"]["containers"]
    return container


def _env_vars(objects: list[Obj], app: str) -> dict[str, Any]:
    return {v["name"]: v.get("value", v.get("valueFrom")) for v in _container(objects, app).get("env", [])}


def _all_objects() -> dict[str, list[Obj]]:
    """Every object this renderer produces for the example platform, by environment."""
    result: dict[str, list[Obj]] = {}
    for env_name, env in sorted(BP.environments.items()):
        for tenant in BP.tenants.values():
            if present_in(tenant, env):
                result.setdefault(env_name, []).extend(_objects(tenant.name, env_name))
    return result


def _with_app(tenant: str, app: App, *, databases: tuple[Database, ...] = ()) -> Tenant:
    """A variant of an example tenant with one more deployment app (and databases)."""
    base = BP.tenants[tenant]
    spec = base.spec.model_copy(update={"apps": [*base.spec.apps, app],
                                        "databases": [*base.spec.databases, *databases]})
    return base.model_copy(update={"spec": spec})


def _render_variant(tenant: Tenant, env: str | Environment) -> list[Obj]:
    environment = BP.environments[env] if isinstance(env, str) else env
    return apps.render(PLATFORM, environment, effective_tenant(tenant, environment, PLATFORM)).workloads


# --- which apps, which objects -------------------------------------------------------------------------------

def test_only_deployment_apps_are_rendered_kubero_ones_are_not() -> None:
    acme = _objects("acme", "staging")
    assert {o["metadata"]["namespace"] for o in acme} == {"acme-shop"}  # storefront is runtime kubero
    globex = _objects("globex", "staging")
    assert {o["metadata"]["namespace"] for o in globex} == {"globex-api", "globex-worker"}
    assert not any(o["kind"] == "Namespace" for objects in _all_objects().values() for o in objects)


def test_objects_per_app_and_environment() -> None:
    # shop: autoscale (local caps it to 1..1: an HPA, no PDB), ingress, metrics
    assert _kinds(_objects("acme", "local"), "shop") == [
        "ServiceAccount", "Deployment", "Service", "Ingress", "HorizontalPodAutoscaler", "ServiceMonitor"]
    assert _kinds(_objects("acme", "prod"), "shop") == [
        "ServiceAccount", "Deployment", "Service", "Ingress", "HorizontalPodAutoscaler", "PodDisruptionBudget",
        "ServiceMonitor"]
    # worker: no ingress, no metrics; prod's default of 2 replicas brings a PDB
    assert _kinds(_objects("globex", "staging"), "worker") == ["ServiceAccount", "Deployment", "Service"]
    assert _kinds(_objects("globex", "prod"), "worker") == [
        "ServiceAccount", "Deployment", "Service", "PodDisruptionBudget"]
    assert _kinds(_objects("initech", "local"), "tps-reports") == [
        "ServiceAccount", "Deployment", "Service", "Ingress"]


def test_every_object_is_labelled_namespaced_and_no_guardrail() -> None:
    for env, objects in _all_objects().items():
        for o in objects:
            meta = o["metadata"]
            assert o["kind"] not in GUARDRAIL_KINDS
            assert meta["labels"]["app.kubernetes.io/managed-by"] == "platformctl"
            assert meta["labels"]["platformctl.dev/environment"] == env
            tenant = meta["labels"]["platformctl.dev/tenant"]
            assert meta["namespace"] == naming.app_namespace(tenant, meta["labels"][apps.NAME_LABEL])


def test_rendering_is_deterministic_whatever_the_env_order() -> None:
    first = [dump(o) for o in _objects("globex", "prod")]
    assert first == [dump(o) for o in _objects("globex", "prod")]
    worker = BP.tenants["globex"].spec.apps[1]
    assert len(worker.env) > 1
    reordered = worker.model_copy(update={"env": dict(reversed(list(worker.env.items())))})
    tenant = BP.tenants["globex"]
    spec = tenant.spec.model_copy(update={"apps": [tenant.spec.apps[0], reordered]})
    assert [dump(o) for o in _render_variant(tenant.model_copy(update={"spec": spec}), "prod")] == first


# --- secure defaults ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("tenant", "app"), [("acme", "shop"), ("globex", "worker"), ("initech", "tps-reports")])
def test_own_service_account_without_token(tenant: str, app: str) -> None:
    objects = _objects(tenant, "staging")
    assert _one(objects, "ServiceAccount", app)["automountServiceAccountToken"] is False
    spec = _pod(objects, app)["spec"]
    assert spec["serviceAccountName"] == app
    assert spec["automountServiceAccountToken"] is False


def test_pod_and_container_are_restricted() -> None:
    for objects in _all_objects().values():
        for deployment in (o for o in objects if o["kind"] == "Deployment"):
            spec = deployment["spec"]["template"]["spec"]
            assert spec["securityContext"] == {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
            assert not {"hostNetwork", "hostPID", "hostIPC"} & set(spec)
            (container,) = spec["containers"]
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False
            assert security["capabilities"] == {"drop": ["ALL"]}
            assert security["readOnlyRootFilesystem"] is True
            assert security["runAsNonRoot"] is True
            assert security["seccompProfile"] == {"type": "RuntimeDefault"}
            assert "privileged" not in security and "runAsUser" not in security
            assert container["volumeMounts"] == [{"name": "tmp", "mountPath": "/tmp"}]
            assert spec["volumes"] == [{"name": "tmp", "emptyDir": {"sizeLimit": apps.TMP_SIZE_LIMIT}}]
            assert spec["enableServiceLinks"] is False


def test_requests_from_blueprint_or_environment_memory_limit_equals_request_no_cpu_limit() -> None:
    assert _container(_objects("acme", "local"), "shop")["resources"] == {  # the blueprint wins
        "requests": {"cpu": "500m", "memory": "512Mi"}, "limits": {"memory": "512Mi"}}
    assert _container(_objects("globex", "local"), "worker")["resources"] == {  # local's defaults
        "requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "64Mi"}}
    assert _container(_objects("globex", "prod"), "worker")["resources"] == {  # prod's defaults
        "requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"memory": "256Mi"}}


def test_image_port_and_probes_on_the_named_port() -> None:
    container = _container(_objects("acme", "prod"), "shop")
    assert container["image"] == "registry.example.com/acme/shop:1.4.2"
    assert container["ports"][0] == {"name": "http", "containerPort": 8080, "protocol": "TCP"}
    # shop names its own HTTP checks; tps-reports takes the default: the port accepts connections
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["livenessProbe"]["initialDelaySeconds"] == 10
    assert container["readinessProbe"]["httpGet"] == {"path": "/ready", "port": "http"}
    assert container["readinessProbe"]["initialDelaySeconds"] == 5
    assert "tcpSocket" not in container["livenessProbe"]
    default = _container(_objects("initech", "staging"), "tps-reports")
    for probe in ("livenessProbe", "readinessProbe"):
        assert default[probe]["tcpSocket"] == {"port": "http"}
    assert default["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]


# --- environment variables and databases -------------------------------------------------------------------

def _secret(var: Any) -> tuple[str, str]:
    ref = var["secretKeyRef"]
    return ref["name"], ref["key"]


def test_database_variables_reference_cnpgs_secret_in_the_apps_own_namespace() -> None:
    acme = BP.tenants["acme"]
    unpooled = [d.model_copy(update={"pooler": None}) for d in acme.spec.databases]
    direct = acme.model_copy(update={"spec": acme.spec.model_copy(update={"databases": unpooled})})
    environment = BP.environments["prod"]
    objects = apps.render(PLATFORM, environment, effective_tenant(direct, environment, PLATFORM)).workloads
    variables = _env_vars(objects, "shop")  # dedicated, no pooler: shopdb-rw in acme-shop, CNPG's own Secret
    assert {name: _secret(v) for name, v in variables.items() if name != "LOG_LEVEL"} == {
        "DATABASE_URL": ("shopdb-app", "uri"), "PGHOST": ("shopdb-app", "host"), "PGPORT": ("shopdb-app", "port"),
        "PGDATABASE": ("shopdb-app", "dbname"), "PGUSER": ("shopdb-app", "username"),
        "PGPASSWORD": ("shopdb-app", "password"),
    }
    assert variables["LOG_LEVEL"] == "info"


def test_a_pooled_database_is_read_from_the_copy_that_names_the_pooler() -> None:
    variables = _env_vars(_objects("acme", "prod"), "shop")  # shopdb has a pooler, in the app's namespace
    assert {name: _secret(v) for name, v in variables.items() if name != "LOG_LEVEL"} == {
        name: ("shopdb-db", key) for name, key in naming.DATABASE_VARS}


def test_database_elsewhere_is_read_from_the_copy_in_the_apps_namespace() -> None:
    local = _env_vars(_objects("acme", "local"), "shop")  # shared mode: acme-pg in acme-data
    assert _secret(local["DATABASE_URL"]) == ("shopdb-db", "uri")
    prod = _env_vars(_objects("globex", "prod"), "worker")  # core is used by two apps: globex-data
    assert _secret(prod["PGPASSWORD"]) == ("core-db", "password")
    placement = naming.database_placements(_effective(BP.tenants["globex"], "prod"), BP.environments["prod"])["core"]
    assert placement.namespace == "globex-data"


def test_no_credential_is_a_literal_and_blueprint_variables_are_sorted_after_the_database_ones() -> None:
    env = _container(_objects("globex", "staging"), "worker")["env"]
    names = [v["name"] for v in env]
    assert names == ["DATABASE_URL", "PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD", "QUEUE", "WORKERS"]
    assert all("value" not in v for v in env[:6])
    assert env[7] == {"name": "WORKERS", "value": "4"}  # YAML's 4, as Kubernetes wants it: a string


def test_several_databases_first_plain_then_prefixed_and_the_secret_wins_a_name_clash() -> None:
    app = App(name="reports", image="registry.example.com/acme/reports:1.0.0", databases=["shopdb", "audit-log"],
              env={"DATABASE_URL": "postgresql://leak", "ZONE": "eu"})
    tenant = _with_app("acme", app, databases=(Database(name="audit-log"),))
    objects = _render_variant(tenant, "prod")
    variables = _env_vars(objects, "reports")
    assert [v["name"] for v in _container(objects, "reports")["env"]] == [  # each name once: SSA refuses twice
        "DATABASE_URL", "PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD",
        "AUDIT_LOG_DATABASE_URL", "AUDIT_LOG_PGHOST", "AUDIT_LOG_PGPORT", "AUDIT_LOG_PGDATABASE", "AUDIT_LOG_PGUSER",
        "AUDIT_LOG_PGPASSWORD", "ZONE",
    ]
    assert _secret(variables["DATABASE_URL"]) == ("shopdb-db", "uri")  # shopdb now has two apps: acme-data
    assert _secret(variables["AUDIT_LOG_PGUSER"]) == ("audit-log-app", "username")  # dedicated, in acme-reports


def test_database_prefix_is_an_environment_variable_name() -> None:
    assert apps.database_prefix(0, "core") == ""
    assert apps.database_prefix(1, "audit-log") == "AUDIT_LOG_"
    assert apps.database_prefix(2, "9lives") == "_9LIVES_"


# --- replicas, autoscaling, disruption budget --------------------------------------------------------------

def test_replicas_are_left_to_the_autoscaler_when_there_is_one() -> None:
    assert "replicas" not in _one(_objects("acme", "prod"), "Deployment")["spec"]
    assert "replicas" not in _one(_objects("globex", "prod"), "Deployment", "api")["spec"]
    assert _one(_objects("globex", "prod"), "Deployment", "worker")["spec"]["replicas"] == 2  # prod's default
    assert _one(_objects("globex", "local"), "Deployment", "worker")["spec"]["replicas"] == 1


def test_autoscaler_targets_the_deployment_within_the_environments_caps() -> None:
    prod = _one(_objects("acme", "prod"), "HorizontalPodAutoscaler")["spec"]
    assert prod["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "shop"}
    assert (prod["minReplicas"], prod["maxReplicas"]) == (2, 6)
    assert prod["metrics"] == [{"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]
    staging = _one(_objects("acme", "staging"), "HorizontalPodAutoscaler")["spec"]
    assert (staging["minReplicas"], staging["maxReplicas"]) == (2, 3)  # caps.app.replicas: 3
    local = _one(_objects("acme", "local"), "HorizontalPodAutoscaler")["spec"]
    assert (local["minReplicas"], local["maxReplicas"]) == (1, 1)


def test_disruption_budget_only_when_more_than_one_replica_can_run() -> None:
    pdb = _one(_objects("acme", "prod"), "PodDisruptionBudget")["spec"]
    assert pdb["maxUnavailable"] == 1
    assert pdb["selector"]["matchLabels"].items() <= _pod(_objects("acme", "prod"), "shop")["metadata"][
        "labels"].items()
    assert "PodDisruptionBudget" not in _kinds(_objects("acme", "local"), "shop")  # autoscale capped to 1..1
    assert "PodDisruptionBudget" not in _kinds(_objects("globex", "staging"), "worker")  # 1 replica
    scaling = App(name="batch", image="registry.example.com/acme/batch:1.0.0", replicas=1,
                  autoscale=Autoscale(min=1, max=3))
    assert "PodDisruptionBudget" in _kinds(_render_variant(_with_app("acme", scaling), "prod"), "batch")


def test_a_cap_of_zero_switches_the_app_off_without_autoscaler_or_budget() -> None:
    env = BP.environments["prod"]
    off = env.model_copy(update={"spec": env.spec.model_copy(update={
        "caps": env.spec.caps.model_copy(update={"app": AppCaps(replicas=0)})})})
    objects = _render_variant(BP.tenants["acme"], off)
    assert _kinds(objects, "shop") == ["ServiceAccount", "Deployment", "Service", "Ingress", "ServiceMonitor"]
    assert _one(objects, "Deployment")["spec"]["replicas"] == 0


# --- service, ingress, metrics -----------------------------------------------------------------------------

def test_service_is_cluster_ip_port_80_to_the_app_and_selects_its_pods() -> None:
    objects = _objects("acme", "prod")
    spec = _one(objects, "Service")["spec"]
    assert spec["type"] == "ClusterIP"
    assert spec["ports"] == [
        {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"},
        {"name": "metrics", "port": 9090, "targetPort": "metrics", "protocol": "TCP"},
    ]
    assert spec["selector"].items() <= _pod(objects, "shop")["metadata"]["labels"].items()
    assert _one(objects, "Deployment")["spec"]["selector"] == {"matchLabels": spec["selector"]}
    container_ports = {p["name"] for p in _container(objects, "shop")["ports"]}
    assert {p["targetPort"] for p in spec["ports"]} == container_ports


@pytest.mark.parametrize(("env", "host", "issuer"), [
    ("local", "shop.platform.localtest.me", "selfsigned"),
    ("staging", "shop.staging.platform.example.com", "letsencrypt-staging"),
    ("prod", "shop.platform.example.com", "letsencrypt"),
])
def test_ingress_host_class_and_tls_per_environment(env: str, host: str, issuer: str) -> None:
    ingress = _one(_objects("acme", env), "Ingress")
    assert ingress["metadata"]["annotations"] == {"cert-manager.io/cluster-issuer": issuer}
    spec = ingress["spec"]
    assert spec["ingressClassName"] == "nginx"
    assert spec["tls"] == [{"hosts": [host], "secretName": "shop-tls"}]
    (rule,) = spec["rules"]
    assert rule["host"] == host
    assert rule["http"]["paths"] == [{"path": "/", "pathType": "Prefix",
                                      "backend": {"service": {"name": "shop", "port": {"name": "http"}}}}]


def test_service_monitor_scrapes_the_named_metrics_port_of_the_apps_service() -> None:
    objects = _objects("acme", "staging")
    monitor = _one(objects, "ServiceMonitor")["spec"]
    assert monitor["endpoints"] == [{"port": "metrics", "path": "/metrics"}]
    assert monitor["selector"]["matchLabels"].items() <= _one(objects, "Service")["metadata"]["labels"].items()


def test_metrics_on_the_app_port_are_scraped_there_and_port_80_moves_aside() -> None:
    same = App(name="api2", image="registry.example.com/acme/api2:1.0.0", port=8000,
               metrics=Metrics(port=8000, path="/stats"))
    objects = _render_variant(_with_app("acme", same), "staging")
    assert [p["name"] for p in _container(objects, "api2")["ports"]] == ["http"]  # no duplicate containerPort
    assert [p["name"] for p in _one(objects, "Service", "api2")["spec"]["ports"]] == ["http"]
    assert _one(objects, "ServiceMonitor", "api2")["spec"]["endpoints"] == [{"port": "http", "path": "/stats"}]
    eighty = App(name="api3", image="registry.example.com/acme/api3:1.0.0", metrics=Metrics(port=80),
                 ingress=AppIngress(host="api3"))
    service = _one(_render_variant(_with_app("acme", eighty), "staging"), "Service", "api3")
    assert [(p["name"], p["port"]) for p in service["spec"]["ports"]] == [("http", 80), ("metrics", 9090)]


# --- the real checkers ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def installed() -> None:
    """The pinned kubeconform and schemas, through the real installer (cached; never skipped)."""
    subprocess.run([sys.executable, str(REPO / "tools" / "install.py")], check=True, cwd=REPO)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every rendered app object of every environment, one per file as the writer lays them out."""
    root = tmp_path_factory.mktemp("apps")
    for env, objects in _all_objects().items():
        (root / env).mkdir()
        for o in objects:
            path = root / env / naming.object_file(o)
            assert not path.exists(), path
            path.write_bytes(dump(o))
    return root


def test_kubeconform_finds_nothing(installed: None, written: Path) -> None:
    report = validate([written], KUBERNETES_VERSION, relative_to=written)
    assert report.objects == len(list(written.rglob("*.yaml"))) > 30
    assert [f"{f.file}:{f.line} {f.message}" for f in report.findings] == []


def test_policy_finds_nothing(written: Path) -> None:
    report = sharded.check([written], today=TODAY, relative_to=written, facts=policy_facts.from_repo(REPO))
    assert report.objects > 30
    assert [f"{f.file}: {f.rule}: {f.message}" for f in report.findings] == []


def test_the_api_server_accepts_every_object_and_admits_the_pods_as_restricted(admin_api: client.ApiClient) -> None:
    """Dry-run server-side apply of each object into a namespace enforcing Pod Security "restricted", and of
    a Pod from each Deployment's template: PodSecurity admission rejects any pod that is not restricted."""
    served = discover(Requester(admin_api))
    app_ns = next(o for o in tenancy.render(PLATFORM, BP.environments["local"], _effective(BP.tenants["acme"], "local"))
                  if o["kind"] == "Namespace")
    checked = 0
    for env, objects in _all_objects().items():
        ns = f"apps-{env}-{uuid.uuid4().hex[:8]}"
        client.CoreV1Api(admin_api).create_namespace({"metadata": {
            "name": ns, "labels": {k: v for k, v in app_ns["metadata"]["labels"].items() if "pod-security" in k}}})
        for o in objects:
            placed = {**o, "metadata": {**o["metadata"], "namespace": ns}}
            dry_run_apply(admin_api, placed, field_manager="platformctl", served=served)
            if o["kind"] == "Deployment":
                template = o["spec"]["template"]
                pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {
                    "name": o["metadata"]["name"], "namespace": ns, "labels": template["metadata"]["labels"]},
                    "spec": template["spec"]}
                stored = dry_run_apply(admin_api, pod, field_manager="platformctl", served=served)
                assert stored["spec"]["containers"][0]["securityContext"]["runAsNonRoot"] is True
                checked += 1
    assert checked == 11  # shop, api, worker, tps-reports in local and staging; shop, api, worker in prod
