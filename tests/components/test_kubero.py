"""generator.render.components.kubero: the operator from pinned git manifests, the Kubero CR wired to Casdoor
and Gitea, and its Secret by reference only; the model's manifests source."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from kubernetes import client
from pydantic import ValidationError

from checks.cluster import crds
from checks.schemagen import KUBERO_DIR
from checks.validate import validate
from generator import naming
from generator.model.image import parse_image, registry_allowed
from generator.model.platform import Component
from generator.pipeline import environment_objects
from generator.render import components, sso
from generator.render.components import kubero
from generator.serialize import dump
from tests.components.test_gitea import (
    BP,
    ENVIRONMENTS,
    KUBERNETES_VERSION,
    PLATFORM,
    _assert_applies,
    _assert_validate_and_policy_clean,
    _ctx,
    _get,
    _install_tools,
    _tree,
)

CRD_FILE = KUBERO_DIR / "crd" / "kubero_kuberoes.yaml"


def _component() -> Component:
    (component,) = [c for c in PLATFORM.spec.components if c.name == "kubero"]
    return component


# --- the operator ---------------------------------------------------------------------------------------


def test_the_operator_comes_from_a_pinned_manifest_not_a_chart() -> None:
    component = _component()
    assert component.chart is None and component.manifests is not None
    for env in ENVIRONMENTS:
        objects = environment_objects(BP, BP.environments[env])
        app = objects["argocd/argocd_application_system-kubero.yaml"]
        upstream, own = app["spec"]["sources"]
        assert upstream == {"repoURL": "https://github.com/kubero-dev/kubero-operator",
                            "targetRevision": component.manifests.target_revision, "path": "deploy",
                            "directory": {"include": "operator.0.2.1.yaml"}}
        assert own["path"] == f"rendered/{env}/system/kubero"
        project = objects["argocd/argocd_appproject_platform.yaml"]
        assert upstream["repoURL"] in project["spec"]["sourceRepos"]  # or Argo CD refuses the source


def _manifests(**override: str) -> dict[str, str]:
    return {"repoURL": "https://github.com/kubero-dev/kubero-operator", "targetRevision": "v0.2.1",
            "path": "deploy", "include": "operator.0.2.1.yaml", **override}


@pytest.mark.parametrize("revision", ["v0.2.1", "0.2.1"])
def test_a_pinned_revision_is_a_release_tag(revision: str) -> None:
    component = Component.model_validate({"name": "k", "namespace": "k",
                                          "manifests": _manifests(targetRevision=revision)})
    assert component.source_repo == "https://github.com/kubero-dev/kubero-operator"


@pytest.mark.parametrize("revision", ["main", "HEAD", "v0.2", "v0.2.*", "v0.2.1-rc.2",
                                      "02e7783020d1e50cedd1f382adcaaf057514c209"])
def test_a_moving_revision_is_refused(revision: str) -> None:
    with pytest.raises(ValidationError, match="not pinned"):
        Component.model_validate({"name": "k", "namespace": "k", "manifests": _manifests(targetRevision=revision)})


def test_chart_and_manifests_exclude_each_other() -> None:
    chart = {"repoURL": "https://charts.example.com", "name": "c", "version": "1.0.0"}
    with pytest.raises(ValidationError, match="either chart or manifests"):
        Component.model_validate({"name": "k", "namespace": "k", "chart": chart, "manifests": _manifests()})


# --- the Kubero CR --------------------------------------------------------------------------------------


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_cr_is_wired_to_casdoor_through_the_sso_client(env: str) -> None:
    ctx = _ctx("kubero", env)
    cr = _get(components.objects(ctx), "Kubero", kubero.NAME)
    spec = cr["spec"]
    client_ = sso.client(PLATFORM, ctx.env, "kubero")
    issuer = naming.casdoor_issuer(ctx.env)
    oauth2 = spec["kubero"]["auth"]["oauth2"]
    assert oauth2 == {"enabled": True, "name": "Casdoor", "id": client_.client_id,
                      "authUrl": f"{issuer}/login/oauth/authorize",
                      "tokenUrl": f"{issuer}/api/login/oauth/access_token",
                      "callbackUrl": client_.redirect_uri, "scope": "openid profile email"}
    assert client_.redirect_uri == f"https://kubero.{ctx.env.spec.domain}/api/auth/oauth2/callback"
    assert spec["kubero"]["webhook_url"] == f"https://kubero.{ctx.env.spec.domain}/api/repo/webhooks"
    assert spec["kubero"]["namespace"] == ctx.namespace  # where the KuberoPipelines are rendered
    assert [h["host"] for h in spec["ingress"]["hosts"]] == [f"kubero.{ctx.env.spec.domain}"]
    assert spec["ingress"]["className"] == ctx.env.spec.ingress.class_name
    # the CR is applied in the sync that installs its CRD
    assert cr["metadata"]["annotations"] == {"argocd.argoproj.io/sync-options": "SkipDryRunOnMissingResource=true"}


def test_the_image_is_pinned_and_from_an_allowed_registry() -> None:
    image = _get(components.objects(_ctx("kubero")), "Kubero", kubero.NAME)["spec"]["image"]
    reference = f"{image['repository']}:{image['tag']}"
    assert reference == _component().images["kubero"]
    assert parse_image(reference).tag not in (None, "latest", "main")
    assert registry_allowed(reference, PLATFORM.spec.registries)


def test_platform_values_go_over_the_generated_spec() -> None:
    ctx = _ctx("kubero")
    changed = ctx.component.model_copy(update={"values": {"replicaCount": 2, "kubero": {"debug": "*"}}})
    spec = kubero.kubero(components.Context(PLATFORM, ctx.env, changed, ctx.tenants))["spec"]
    assert spec["replicaCount"] == 2 and spec["kubero"]["debug"] == "*"
    assert spec["kubero"]["auth"]["oauth2"]["enabled"] is True  # merged, not replaced


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_secret_is_references_and_the_gitea_url(env: str) -> None:
    ctx = _ctx("kubero", env)
    secret = _get(components.objects(ctx), "ExternalSecret", kubero.SECRET)
    client_ = sso.client(PLATFORM, ctx.env, "kubero")
    refs = {d["secretKey"]: (d["remoteRef"]["key"], d["remoteRef"]["property"]) for d in secret["spec"]["data"]}
    assert refs == {
        "KUBERO_WEBHOOK_SECRET": (f"{env}/kubero", "webhook-secret"),
        "KUBERO_SESSION_KEY": (f"{env}/kubero", "session-key"),
        "GITEA_PERSONAL_ACCESS_TOKEN": (f"{env}/kubero", "gitea-token"),
        "OAUTH2_CLIENT_SECRET": (client_.secret_key, client_.secret_property),
    }
    template = secret["spec"]["target"]["template"]["data"]
    assert template.pop("GITEA_BASEURL") == f"https://gitea.{ctx.env.spec.domain}"
    assert template == {key: f"{{{{ .{key} }}}}" for key in refs}


# --- schema and CRD -------------------------------------------------------------------------------------


def test_the_vendored_crd_is_the_kind_the_schema_describes() -> None:
    crd = yaml.safe_load(CRD_FILE.read_text())
    schema = json.loads((KUBERO_DIR / "kubero_v1alpha1.json").read_text())
    assert crd["spec"]["names"]["kind"] == "Kubero" and schema["properties"]["kind"]["enum"] == ["Kubero"]
    assert f"{crd['spec']['group']}/{crd['spec']['versions'][0]['name']}" == kubero.API_VERSION
    assert schema["properties"]["apiVersion"]["enum"] == [kubero.API_VERSION]


def test_validate_refuses_a_client_secret_in_the_cr(tmp_path: Path) -> None:
    _install_tools()
    cr = _get(components.objects(_ctx("kubero")), "Kubero", kubero.NAME)
    cr["spec"]["kubero"]["auth"]["oauth2"]["secret"] = "in-git"
    path = tmp_path / "kubero.yaml"
    path.write_bytes(dump(cr))
    report = validate([path], KUBERNETES_VERSION, relative_to=tmp_path)
    assert len(report.findings) == 1 and "secret" in report.findings[0].message


def test_every_object_passes_validate_and_policy(tmp_path: Path) -> None:
    _install_tools()
    _assert_validate_and_policy_clean(tmp_path, _tree(tmp_path, "kubero"))


def test_the_api_server_accepts_every_object_as_rendered(admin_api: client.ApiClient) -> None:
    """With Kubero's CRD installed as the operator's manifest would (the local control plane starts with the
    CRDs of ../shared/crds, which lack this one)."""
    crds.install(admin_api, [yaml.safe_load(CRD_FILE.read_text())], timeout=60)
    assert _assert_applies(admin_api, "kubero") == len(ENVIRONMENTS) * 2

