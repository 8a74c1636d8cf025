"""Kubero apps (generator/render/kubero.py): the wiring of KuberoPipeline and KuberoApp, their secure defaults,
and the real checkers (kubeconform against the vendored Kubero schemas, the policy engine) on every object."""

from __future__ import annotations

import datetime
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from checks import manifests, policy
from checks.policy import facts as policy_facts
from checks.validate import validate
from generator import loader, naming, overlay, serialize
from generator.loader import Blueprints
from generator.model import Environment, Tenant
from generator.model.tenant import App
from generator.render import kubero
from generator.render.meta import Obj, Rendered

REPO = Path(__file__).resolve().parent.parent
KUBERNETES_VERSION = "1.33.4"
TODAY = datetime.date(2026, 1, 1)
IMAGE = "registry.example.com/acme/any:1.0"
GUARDRAIL_KINDS = {"NetworkPolicy", "Role", "RoleBinding", "ResourceQuota", "LimitRange"}


@pytest.fixture(scope="module")
def blueprints() -> Blueprints:
    return loader.load(REPO)


@pytest.fixture(scope="session")
def installed() -> None:
    """The pinned kubeconform and kustomize and the core schemas (tools/install.py; reuses the user cache)."""
    subprocess.run([sys.executable, str(REPO / "tools" / "install.py")], check=True, cwd=REPO)


def effective(bp: Blueprints, env: str, tenant: str) -> tuple[Environment, Tenant]:
    environment = bp.environments[env]
    return environment, overlay.effective_tenant(bp.tenants[tenant], environment, bp.platform)


def render(bp: Blueprints, env: str, tenant: str) -> Rendered:
    environment, eff = effective(bp, env, tenant)
    return kubero.render(bp.platform, environment, eff)


def app_of(bp: Blueprints, env: str, tenant: str, name: str) -> dict:
    found = [o for o in render(bp, env, tenant).workloads if o["metadata"]["name"] == name]
    assert len(found) == 1
    return found[0]["spec"]


def pipeline_of(bp: Blueprints, env: str, tenant: str) -> Obj:
    (pipeline,) = render(bp, env, tenant).guardrails
    return pipeline


def with_apps(bp: Blueprints, env: str, tenant: str, *apps: App) -> tuple[Environment, Tenant]:
    """The effective tenant with ``apps`` appended (as if the blueprint listed them)."""
    environment = bp.environments[env]
    raw = bp.tenants[tenant]
    raw = raw.model_copy(update={"spec": raw.spec.model_copy(update={"apps": [*raw.spec.apps, *apps]})})
    return environment, overlay.effective_tenant(raw, environment, bp.platform)


def every_object(bp: Blueprints) -> list[tuple[str, Obj]]:
    """(environment, object) for every tenant present in every environment."""
    found = []
    for env_name, env in sorted(bp.environments.items()):
        for tenant in bp.tenants.values():
            if overlay.present_in(tenant, env):
                out = kubero.render(bp.platform, env, overlay.effective_tenant(tenant, env, bp.platform))
                found += [(env_name, o) for o in out.workloads + out.guardrails]
    return found


def write_tree(objects: list[tuple[str, Obj]], root: Path) -> Path:
    for env_name, obj in objects:
        path = root / env_name / naming.object_file(obj)
        path.parent.mkdir(parents=True, exist_ok=True)
        assert not path.exists(), path
        path.write_bytes(serialize.dump(obj))
    return root


# --- where things go -------------------------------------------------------------------------------------------

def test_namespace_is_pipeline_dash_phase() -> None:
    assert naming.kubero_namespace("acme", "prod") == "acme-prod"


@pytest.mark.parametrize("env", ["local", "staging", "prod"])
def test_one_app_per_kubero_app_in_the_pipeline_phase_namespace(blueprints: Blueprints, env: str) -> None:
    out = render(blueprints, env, "acme")
    assert [(o["kind"], o["metadata"]["namespace"], o["metadata"]["name"]) for o in out.workloads] == [
        ("KuberoApp", f"acme-{env}", "storefront")]  # shop is runtime deployment: not ours
    spec = out.workloads[0]["spec"]
    assert (spec["name"], spec["pipeline"], spec["phase"]) == ("storefront", "acme", env)


@pytest.mark.parametrize("env", ["local", "staging", "prod"])
def test_one_pipeline_per_tenant_in_kuberos_namespace_with_the_guardrails(blueprints: Blueprints, env: str) -> None:
    out = render(blueprints, env, "acme")
    assert [(o["kind"], o["metadata"]["namespace"], o["metadata"]["name"]) for o in out.guardrails] == [
        ("KuberoPipeline", blueprints.platform.namespace_of("kubero", "?"), "acme")]
    assert not {o["kind"] for o in out.workloads} & (GUARDRAIL_KINDS | {"KuberoPipeline", "Namespace"})


def test_pipeline_follows_the_platforms_kubero_namespace(blueprints: Blueprints) -> None:
    spec = blueprints.platform.spec
    moved = [c.model_copy(update={"namespace": "paas"}) if c.name == "kubero" else c for c in spec.components]
    platform = blueprints.platform.model_copy(update={"spec": spec.model_copy(update={"components": moved})})
    env, tenant = effective(blueprints, "prod", "acme")
    (pipeline,) = kubero.render(platform, env, tenant).guardrails
    assert pipeline["metadata"]["namespace"] == "paas"


def test_tenant_without_kubero_apps_renders_nothing(blueprints: Blueprints) -> None:
    assert render(blueprints, "staging", "initech") == Rendered()


@pytest.mark.parametrize("env", ["local", "staging", "prod"])
def test_pipeline_has_exactly_this_environments_phase(blueprints: Blueprints, env: str) -> None:
    spec = pipeline_of(blueprints, env, "acme")["spec"]
    domain = blueprints.environments[env].spec.domain
    assert spec["phases"] == [{"name": env, "enabled": True, "context": "inClusterContext", "domain": domain,
                               "defaultEnvvars": []}]
    assert spec["domain"] == domain
    assert spec["name"] == "acme" and spec["reviewapps"] is False
    assert spec["access"] == {"teams": ["acme"]}  # other tenants do not see it in Kubero


def test_pipeline_git_is_gitea_and_apps_carry_their_own_repos(blueprints: Blueprints) -> None:
    blog = App(name="blog", runtime="kubero", repo="acme/blog", image=IMAGE, port=8080)
    env, tenant = with_apps(blueprints, "staging", "acme", blog)
    out = kubero.render(blueprints.platform, env, tenant)
    (pipeline,) = out.guardrails
    git = pipeline["spec"]["git"]
    assert git["provider"] == "gitea" and git["keys"] == {} and git["webhook"] == {}
    assert git["repository"]["clone_url"] == "https://gitea.staging.platform.example.com/acme/storefront.git"
    repos = {o["metadata"]["name"]: o["spec"]["gitrepo"] for o in out.workloads}
    assert repos["blog"] == {"admin": False, "owner": "acme", "name": "blog",
                             "clone_url": "https://gitea.staging.platform.example.com/acme/blog.git",
                             "ssh_url": "git@gitea.staging.platform.example.com:acme/blog.git"}
    assert repos["storefront"]["ssh_url"] == "git@gitea.staging.platform.example.com:acme/storefront.git"


# --- what a KuberoApp carries -----------------------------------------------------------------------------------

def test_deploys_the_pinned_image_and_kubero_builds_nothing(blueprints: Blueprints) -> None:
    """Kubero's git strategy builds in privileged init containers and patches the tag Argo CD owns."""
    spec = app_of(blueprints, "prod", "acme", "storefront")
    assert (spec["deploymentstrategy"], spec["buildstrategy"], spec["branch"]) == ("docker", "plain", "main")
    assert set(spec["image"]) == {"repository", "tag", "containerPort", "pullPolicy", "run"}  # no fetch, no build
    assert pipeline_of(blueprints, "prod", "acme")["spec"]["deploymentstrategy"] == "docker"


def test_image_is_the_blueprints_pinned_one(blueprints: Blueprints) -> None:
    image = app_of(blueprints, "prod", "acme", "storefront")["image"]
    assert (image["repository"], image["tag"], image["containerPort"]) == (
        "registry.example.com/acme/storefront", "1.4.0", 3000)
    assert image["pullPolicy"] == "Always"


def test_image_with_a_digest_keeps_it_in_the_tag(blueprints: Blueprints) -> None:
    digest = "sha256:" + "a" * 64
    app = App(name="pinned", runtime="kubero", repo="acme/pinned", image=f"registry.example.com:5000/a/b:1.2@{digest}")
    assert kubero.image(app) == ("registry.example.com:5000/a/b", f"1.2@{digest}")


@pytest.mark.parametrize(("env", "replicas"), [("local", 1), ("staging", 1), ("prod", 2)])
def test_replicas_without_autoscale(blueprints: Blueprints, env: str, replicas: int) -> None:
    spec = app_of(blueprints, env, "acme", "storefront")  # sets no replicas: the environment's default
    assert spec["web"]["replicaCount"] == replicas
    assert (spec["autoscale"], spec["autoscaling"]) == (False, {"enabled": False})


@pytest.mark.parametrize(("env", "low", "high"), [("local", 1, 1), ("staging", 1, 3), ("prod", 1, 4)])
def test_autoscale_within_the_environments_cap(blueprints: Blueprints, env: str, low: int, high: int) -> None:
    app = App.model_validate({"name": "api", "runtime": "kubero", "repo": "acme/api", "image": IMAGE,
                              "autoscale": {"min": 1, "max": 4}})  # local caps 1, staging 3
    environment, tenant = with_apps(blueprints, env, "acme", app)
    spec = kubero.kubero_app(environment, tenant, tenant.spec.apps[-1])["spec"]
    assert (spec["autoscale"], spec["autoscaling"]) == (True, {"enabled": True})
    assert spec["web"]["autoscaling"] == {"minReplicas": low, "maxReplicas": high,
                                          "targetCPUUtilizationPercentage": 70}


def test_env_vars_sorted_by_name(blueprints: Blueprints) -> None:
    app = App(name="cfg", runtime="kubero", repo="acme/cfg", image=IMAGE, env={"ZED": "1", "ALPHA": "true", "MID": "x"})
    env, tenant = with_apps(blueprints, "local", "acme", app)
    obj = kubero.kubero_app(env, tenant, tenant.spec.apps[-1])
    assert obj["spec"]["envVars"] == [{"name": "ALPHA", "value": "true"}, {"name": "MID", "value": "x"},
                                      {"name": "ZED", "value": "1"}]
    assert app_of(blueprints, "local", "acme", "storefront")["envVars"] == [{"name": "NODE_ENV", "value": "production"}]


def test_no_credential_in_any_object(blueprints: Blueprints) -> None:
    """Kubero's envVars are plain name/value pairs: a credential there would be a credential in git (the
    loader refuses kubero apps with databases)."""
    text = "".join(serialize.dump(o).decode() for _, o in every_object(blueprints))
    for word in ("PGPASSWORD", "DATABASE_URL", "password", "priv"):
        assert word not in text


@pytest.mark.parametrize(("env", "issuer"), [("local", "selfsigned"), ("staging", "letsencrypt-staging"),
                                             ("prod", "letsencrypt")])
def test_ingress_host_in_the_environments_domain_with_tls(blueprints: Blueprints, env: str, issuer: str) -> None:
    host = f"storefront.{blueprints.environments[env].spec.domain}"
    assert app_of(blueprints, env, "acme", "storefront")["ingress"] == {
        "enabled": True, "className": "nginx", "annotations": {"cert-manager.io/cluster-issuer": issuer},
        "hosts": [{"host": host, "paths": [{"path": "/", "pathType": "Prefix"}]}],
        "tls": [{"hosts": [host], "secretName": "storefront-tls"}],
    }


def test_no_ingress_is_off_not_the_charts_sample_host(blueprints: Blueprints) -> None:
    app = App(name="internal", runtime="kubero", repo="acme/internal", image=IMAGE)
    env, tenant = with_apps(blueprints, "prod", "acme", app)
    ingress = kubero.kubero_app(env, tenant, tenant.spec.apps[-1])["spec"]["ingress"]
    assert (ingress["enabled"], ingress["hosts"], ingress["tls"]) == (False, [], [])


@pytest.mark.parametrize(("env", "cpu", "memory"), [("local", "50m", "64Mi"), ("staging", "100m", "128Mi"),
                                                    ("prod", "250m", "256Mi")])
def test_requests_from_resources_and_memory_limit_equal_to_request(
        blueprints: Blueprints, env: str, cpu: str, memory: str) -> None:
    spec = app_of(blueprints, env, "acme", "storefront")  # sets no resources: the environment's default
    assert spec["resources"] == {"requests": {"cpu": cpu, "memory": memory}, "limits": {"memory": memory}}


# --- secure defaults --------------------------------------------------------------------------------------------

def test_the_container_meets_restricted_pod_security(blueprints: Blueprints) -> None:
    spec = app_of(blueprints, "prod", "acme", "storefront")
    assert spec["podSecurityContext"] == {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
    ctx = spec["image"]["run"]["securityContext"]
    assert ctx["allowPrivilegeEscalation"] is False
    assert ctx["capabilities"] == {"add": [], "drop": ["ALL"]}
    assert ctx["runAsNonRoot"] is True and ctx["runAsUser"] > 0 and ctx["runAsGroup"] > 0
    assert ctx["readOnlyRootFilesystem"] is True and spec["image"]["run"]["readOnlyAppStorage"] is True


def test_app_pods_get_no_service_account_token_rights_or_basic_auth(blueprints: Blueprints) -> None:
    spec = app_of(blueprints, "prod", "acme", "storefront")
    assert spec["serviceAccount"] == {"annotations": {}, "create": False, "name": ""}
    assert spec["basicAuth"] == {"enabled": False, "realm": "", "accounts": []}
    assert spec["sleep"] == "disabled" and spec["vulnerabilityscan"] == {"enabled": False}


def test_chart_samples_are_switched_off(blueprints: Blueprints) -> None:
    """The operator merges the spec over its chart's values.yaml: sample cronjob, env vars, worker, addons."""
    spec = app_of(blueprints, "prod", "acme", "storefront")
    assert (spec["cronjobs"], spec["addons"], spec["extraVolumes"]) == ([], [], [])
    assert spec["worker"] == {"replicaCount": 0, "autoscaling": {"minReplicas": 0, "maxReplicas": 0}}


def test_every_object_carries_the_platform_labels(blueprints: Blueprints) -> None:
    for env, obj in every_object(blueprints):
        tenant = obj["spec"]["pipeline"] if obj["kind"] == "KuberoApp" else obj["spec"]["name"]
        assert obj["metadata"]["labels"] == {"app.kubernetes.io/managed-by": "platformctl",
                                             "platformctl.dev/environment": env, "platformctl.dev/tenant": tenant,
                                             "platformctl.dev/component": "kubero"}


def test_deterministic(blueprints: Blueprints) -> None:
    first = [serialize.dump(o) for _, o in every_object(blueprints)]
    assert first == [serialize.dump(o) for _, o in every_object(blueprints)]
    assert len(first) == 6  # 3 environments x acme x (pipeline + one app)


# --- the real checkers ------------------------------------------------------------------------------------------

def test_validate_accepts_every_object(blueprints: Blueprints, tmp_path: Path, installed: None) -> None:
    tree = write_tree(every_object(blueprints), tmp_path)
    report = validate([tree], KUBERNETES_VERSION)
    assert report.findings == ()
    assert (report.objects, report.files) == (6, 6)


TYPOS = [
    ("KuberoApp", ("image",), "containerPrt", "containerPort"),
    ("KuberoApp", ("envVars", 0), "vaule", "value"),
    ("KuberoApp", (), "deploymentStrategy", "deploymentstrategy"),
    ("KuberoApp", ("image", "run", "securityContext"), "runAsNonroot", "runAsNonRoot"),
    ("KuberoApp", ("web",), "replicas", "replicaCount"),
    ("KuberoPipeline", ("phases", 0), "enabeld", "enabled"),
    ("KuberoPipeline", ("git",), "providr", "provider"),
]


@pytest.mark.parametrize(("kind", "where", "typo", "right"), TYPOS)
def test_validate_rejects_a_misspelt_field(blueprints: Blueprints, tmp_path: Path, installed: None,
                                           kind: str, where: tuple, typo: str, right: str) -> None:
    app = App(name="cfg", runtime="kubero", repo="acme/cfg", image=IMAGE, env={"A": "b"})
    env, tenant = with_apps(blueprints, "prod", "acme", app)
    out = kubero.render(blueprints.platform, env, tenant)
    obj = next(o for o in out.workloads + out.guardrails if o["kind"] == kind)
    node = obj["spec"]
    for step in where:
        node = node[step]
    node[typo] = node.pop(right)
    (tmp_path / "object.yaml").write_text(yaml.safe_dump(obj))
    report = validate([tmp_path], KUBERNETES_VERSION)
    assert [(f.rule, f.kind) for f in report.findings] == [("schema-invalid", kind)]
    assert typo in report.findings[0].message


def test_policy_reports_nothing(blueprints: Blueprints, tmp_path: Path) -> None:
    tree = write_tree(every_object(blueprints), tmp_path)
    objects, files = manifests.load([tree])
    report = policy.run(objects, facts=policy_facts.from_repo(REPO), today=TODAY, files=files)
    assert report.findings == () and report.suppressed == ()  # pipelines in kubero: platform-owned, exempt by rule
