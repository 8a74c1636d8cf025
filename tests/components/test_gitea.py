"""generator.render.components.gitea: Gitea on CNPG, logging in through Casdoor, with Actions and a runner.

The helpers at the end (a tree on disk, validate, policy, dry-run apply) are shared with test_kubero.py and
test_argocd.py.
"""

from __future__ import annotations

import datetime
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client

from checks.drift.apply import dry_run_apply
from checks.drift.discovery import discover
from checks.drift.kubeapi import Requester
from checks.policy import facts as policy_facts
from checks.policy import sharded
from checks.validate import validate
from generator import naming
from generator.loader import load
from generator.model.image import parse_image, registry_allowed
from generator.pipeline import environment_objects, tenants_in
from generator.render import components, sandboxes, sso
from generator.render.components import gitea
from generator.render.meta import Obj
from generator.serialize import dump
from tests.support import REPO, stored_differently

BP = load(REPO)
PLATFORM = BP.platform
ENVIRONMENTS = sorted(BP.environments)
KUBERNETES_VERSION = PLATFORM.spec.kubernetes_version
TODAY = datetime.date(2026, 1, 1)


def _ctx(name: str, env: str = "prod") -> components.Context:
    (component,) = [c for c in PLATFORM.spec.components if c.name == name]
    environment = BP.environments[env]
    return components.Context(PLATFORM, environment, component, tuple(tenants_in(BP, environment)))


def _get(objects: list[Obj], kind: str, name: str) -> Obj:
    (found,) = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    return found


def _env_by_name(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in container["env"]}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_oidc_source_is_the_sso_client(env: str) -> None:
    ctx = _ctx("gitea", env)
    client_ = sso.client(PLATFORM, ctx.env, "gitea")
    (source,) = components.values(ctx)["gitea"]["oauth"]
    assert source["name"] == gitea.OAUTH_SOURCE and source["provider"] == "openidConnect"
    assert source["autoDiscoverUrl"] == sso.discovery_url(ctx.env)
    assert source["autoDiscoverUrl"].startswith(naming.casdoor_issuer(ctx.env) + "/")
    # the callback Gitea serves for this source is the redirect URI Casdoor registers
    assert client_.redirect_uri == f"https://gitea.{ctx.env.spec.domain}/user/oauth2/{source['name']}/callback"
    assert source["adminGroup"] == f"{PLATFORM.spec.sso.organization}/{PLATFORM.spec.sso.admin_group}"
    assert source["groupClaimName"] == "groups"
    assert "key" not in source and "secret" not in source  # only by reference
    secret = _get(components.objects(ctx), "ExternalSecret", source["existingSecret"])
    assert secret["spec"]["target"]["template"]["data"] == {"key": client_.client_id, "secret": "{{ .secret }}"}
    assert secret["spec"]["data"] == [
        {"secretKey": "secret", "remoteRef": {"key": client_.secret_key, "property": client_.secret_property}}]


def test_a_redirect_uri_gitea_does_not_serve_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gitea, "OAUTH_SOURCE", "keycloak")
    with pytest.raises(ValueError, match="Gitea serves"):
        components.values(_ctx("gitea"))


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_postgres_on_cnpg_with_the_password_from_cnpgs_secret(env: str) -> None:
    ctx = _ctx("gitea", env)
    values = components.values(ctx)
    for subchart in ("postgresql", "postgresql-ha", "redis-cluster", "redis", "valkey-cluster", "valkey"):
        assert values[subchart] == {"enabled": False}
    database = values["gitea"]["config"]["database"]
    assert "PASSWD" not in database
    cluster = _get(components.objects(ctx), "Cluster", gitea.DATABASE_CLUSTER)
    assert cluster["metadata"]["namespace"] == ctx.namespace == "gitea"
    initdb = cluster["spec"]["bootstrap"]["initdb"]
    assert (database["NAME"], database["USER"]) == (initdb["database"], initdb["owner"])
    assert database["HOST"] == f"{gitea.DATABASE_CLUSTER}-rw.gitea.svc:5432"
    assert cluster["spec"]["imageName"] in PLATFORM.spec.postgres.images.values()
    cap = ctx.env.spec.caps.database.instances
    assert cap is None or cluster["spec"]["instances"] <= cap
    (passwd,) = values["gitea"]["additionalConfigFromEnvs"]
    assert passwd == {"name": "GITEA__DATABASE__PASSWD",
                      "valueFrom": {"secretKeyRef": {"name": f"{gitea.DATABASE_CLUSTER}-app", "key": "password"}}}
    monitor = _get(components.objects(ctx), "PodMonitor", gitea.DATABASE_CLUSTER)
    assert monitor["spec"]["selector"]["matchLabels"]["cnpg.io/cluster"] == gitea.DATABASE_CLUSTER


def test_server_url_ingress_and_admin() -> None:
    ctx = _ctx("gitea", "staging")
    values = components.values(ctx)
    server = values["gitea"]["config"]["server"]
    assert server["ROOT_URL"] == "https://gitea.staging.platform.example.com/"
    assert server["DOMAIN"] == "gitea.staging.platform.example.com"
    ingress = values["ingress"]
    assert ingress["className"] == ctx.env.spec.ingress.class_name
    assert ingress["annotations"] == {"cert-manager.io/cluster-issuer": "letsencrypt-staging"}
    assert [h["host"] for h in ingress["hosts"]] == ingress["tls"][0]["hosts"] == [server["DOMAIN"]]
    admin = values["gitea"]["admin"]
    assert set(admin) == {"existingSecret", "email"}  # no username or password in the values
    secret = _get(components.objects(ctx), "ExternalSecret", admin["existingSecret"])
    assert {(d["secretKey"], d["remoteRef"]["key"], d["remoteRef"]["property"]) for d in secret["spec"]["data"]} == {
        ("username", "staging/gitea/admin", "username"), ("password", "staging/gitea/admin", "password")}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_actions_run_on_a_restricted_host_mode_runner_sharing_the_servers_token(env: str) -> None:
    ctx = _ctx("gitea", env)
    values = components.values(ctx)
    assert values["gitea"]["config"]["actions"] == {"ENABLED": True}
    objects = components.objects(ctx)
    runner = _get(objects, "StatefulSet", gitea.RUNNER)
    pod = runner["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    variables = _env_by_name(container)
    # the server and the runner read the same Secret key
    (server_token,) = values["deployment"]["env"]
    assert server_token["name"] == "GITEA_RUNNER_REGISTRATION_TOKEN"
    assert variables["GITEA_RUNNER_REGISTRATION_TOKEN"] == server_token
    ref = server_token["valueFrom"]["secretKeyRef"]
    token = _get(objects, "ExternalSecret", ref["name"])
    assert [d["secretKey"] for d in token["spec"]["data"]] == [ref["key"]]
    assert token["spec"]["data"][0]["remoteRef"]["key"] == f"{env}/gitea/runner"
    assert variables["GITEA_INSTANCE_URL"]["value"] == sandboxes.gitea_url(PLATFORM)
    labels = variables["GITEA_RUNNER_LABELS"]["value"].split(",")
    assert labels and all(label.endswith(":host") for label in labels)  # no docker daemon needed
    # pinned, allowed, not privileged, one container
    image = container["image"]
    assert parse_image(image).tag not in (None, "latest") and registry_allowed(image, PLATFORM.spec.registries)
    security = container["securityContext"]
    assert security["allowPrivilegeEscalation"] is False and security["readOnlyRootFilesystem"] is True
    assert "privileged" not in security and security["capabilities"] == {"drop": ["ALL"]}
    assert container["resources"]["limits"]["memory"] and container["resources"]["requests"]["cpu"]
    # registration survives restarts: .runner on a claim of its own
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    assert mounts[gitea.RUNNER_DATA] == runner["spec"]["volumeClaimTemplates"][0]["metadata"]["name"]
    config = yaml.safe_load(_get(objects, "ConfigMap", gitea.RUNNER)["data"]["config.yaml"])
    assert config["runner"]["file"].startswith(gitea.RUNNER_DATA + "/")


def test_the_runner_image_is_required() -> None:
    ctx = _ctx("gitea")
    bare = ctx.component.model_copy(update={"images": {}})
    with pytest.raises(ValueError, match="actRunner"):
        components.objects(components.Context(PLATFORM, ctx.env, bare, ctx.tenants))


def test_the_application_carries_these_values() -> None:
    for env in ENVIRONMENTS:
        objects = environment_objects(BP, BP.environments[env])
        app = objects["argocd/argocd_application_system-gitea.yaml"]
        (chart,) = [s for s in app["spec"]["sources"] if "chart" in s]
        assert chart["helm"]["valuesObject"] == components.values(_ctx("gitea", env))
        assert chart["targetRevision"] == "12.2.0"


# --- the real checkers (shared with test_kubero.py and test_argocd.py) ----------------------------------


def _install_tools() -> None:
    subprocess.run([sys.executable, str(REPO / "tools" / "install.py")], check=True, cwd=REPO)


def _tree(root: Path, name: str) -> int:
    """system/<name>/ of every environment, on disk as the pipeline writes it; the object count."""
    count = 0
    for env in ENVIRONMENTS:
        directory = root / "rendered" / env / "system" / name
        directory.mkdir(parents=True)
        for obj in components.objects(_ctx(name, env)):
            (directory / naming.object_file(obj)).write_bytes(dump(obj))
            count += 1
    return count


def _assert_validate_and_policy_clean(root: Path, count: int) -> None:
    report = validate([root / "rendered"], KUBERNETES_VERSION, relative_to=root)
    assert [f"{f.file}:{f.line} {f.message} ({f.field})" for f in report.findings] == []
    assert report.objects == count
    report = sharded.check([root / "rendered"], today=TODAY, relative_to=root, facts=policy_facts.from_repo(REPO))
    assert [f"{f.file}: {f.rule}: {f.message}" for f in report.findings] == []
    assert report.objects == count




def _assert_applies(api: client.ApiClient, name: str) -> int:
    """Dry-run server-side apply of every namespaced object of ``system/<name>/`` (moved to a fresh namespace),
    accepted and stored unchanged; the count checked."""
    served = discover(Requester(api))
    core = client.CoreV1Api(api)
    checked = 0
    for env in ENVIRONMENTS:
        namespace = f"{name}-{uuid.uuid4().hex[:6]}"
        core.create_namespace({"metadata": {"name": namespace}})
        for obj in components.objects(_ctx(name, env)):
            if obj["kind"] == "Namespace":
                continue
            placed = {**obj, "metadata": {**obj["metadata"], "namespace": namespace}}
            stored = dry_run_apply(api, placed, field_manager="platformctl", served=served)
            assert stored_differently(stored, placed) == [], (env, obj["kind"], obj["metadata"]["name"])
            checked += 1
    return checked


def test_every_object_passes_validate_and_policy(tmp_path: Path) -> None:
    _install_tools()
    _assert_validate_and_policy_clean(tmp_path, _tree(tmp_path, "gitea"))


def test_the_api_server_accepts_every_object_as_rendered(admin_api: client.ApiClient) -> None:
    assert _assert_applies(admin_api, "gitea") == len(ENVIRONMENTS) * 8
