"""generator.render.components.argocd: Argo CD's OIDC login through Casdoor and its RBAC, consistent with the
tenants' AppProject roles."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from kubernetes import client

from generator import naming
from generator.pipeline import environment_objects
from generator.render import components, sso
from generator.render.components import argocd
from tests.components.test_gitea import (
    BP,
    ENVIRONMENTS,
    PLATFORM,
    _assert_applies,
    _assert_validate_and_policy_clean,
    _ctx,
    _get,
    _install_tools,
    _tree,
)

ORG = PLATFORM.spec.sso.organization


def _values(env: str) -> dict:
    return components.values(_ctx("argocd", env))


def _policy(env: str) -> list[list[str]]:
    csv = _values(env)["configs"]["rbac"]["policy.csv"]
    return [[field.strip() for field in line.split(",")] for line in csv.splitlines() if line]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_oidc_config_is_the_sso_client_with_the_secret_by_reference(env: str) -> None:
    ctx = _ctx("argocd", env)
    cm = _values(env)["configs"]["cm"]
    client_ = sso.client(PLATFORM, ctx.env, "argocd")
    assert cm["url"] == f"https://argocd.{ctx.env.spec.domain}"
    assert client_.redirect_uri == cm["url"] + "/auth/callback"  # Argo CD's callback under its url
    oidc = yaml.safe_load(cm["oidc.config"])
    assert oidc["issuer"] == naming.casdoor_issuer(ctx.env)
    assert oidc["clientID"] == client_.client_id
    assert oidc["requestedScopes"] == ["openid", "profile", "email"]
    assert oidc["requestedIDTokenClaims"] == {"groups": {"essential": True}}
    # $<secret>:<key> -> an ExternalSecret of that name, that key, from the client's record, labelled for Argo CD
    name, key = oidc["clientSecret"].removeprefix("$").split(":")
    secret = _get(components.objects(ctx), "ExternalSecret", name)
    assert secret["metadata"]["namespace"] == ctx.namespace
    template = secret["spec"]["target"]["template"]
    assert template["metadata"]["labels"] == {"app.kubernetes.io/part-of": "argocd"}
    assert list(template["data"]) == [key]
    assert secret["spec"]["data"] == [
        {"secretKey": key, "remoteRef": {"key": client_.secret_key, "property": client_.secret_property}}]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_rbac_admins_everything_owners_their_project_others_nothing(env: str) -> None:
    rbac = _values(env)["configs"]["rbac"]
    assert rbac["policy.default"] == "" and rbac["scopes"] == "[groups]"
    lines = _policy(env)
    assert lines[0] == ["g", f"{ORG}/{PLATFORM.spec.sso.admin_group}", "role:admin"]
    tenants = sorted(t.name for t in _ctx("argocd", env).tenants)
    assert tenants
    groups = {line[1]: line[2] for line in lines if line[0] == "g"}
    for tenant in tenants:
        role = f"role:{tenant}-owner"
        assert groups[f"{ORG}/{tenant}-owners"] == role
        grants = [line[2:] for line in lines if line[0] == "p" and line[1] == role]
        assert grants == [["projects", "get", tenant, "allow"], ["logs", "get", f"{tenant}/*", "allow"],
                          ["exec", "create", f"{tenant}/*", "allow"]]
    # no role reaches beyond its own project, and nothing is granted to "*"
    for line in (line for line in lines if line[0] == "p"):
        tenant = line[1].removeprefix("role:").removesuffix("-owner")
        assert line[4].split("/")[0] == tenant and line[5] == "allow"
    assert len(groups) == len(tenants) + 1


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_owner_groups_match_the_appproject_roles_without_repeating_them(env: str) -> None:
    """The AppProject's roles grant the application verbs to the same groups; policy.csv adds only the rest."""
    objects = environment_objects(BP, BP.environments[env])
    lines = _policy(env)
    for tenant in _ctx("argocd", env).tenants:
        project = objects[f"argocd/argocd_appproject_{tenant.name}.yaml"]
        (owners,) = [r for r in project["spec"]["roles"] if r["name"] == "owners"]
        assert owners["groups"] == [f"{ORG}/{tenant.name}-owners"]
        project_grants = {tuple(p.split(", ")[2:4]) for r in project["spec"]["roles"] for p in r["policies"]}
        role = argocd.owner_role(tenant.name)
        global_grants = {(line[2], line[3]) for line in lines if line[0] == "p" and line[1] == role}
        assert project_grants and global_grants and not project_grants & global_grants


def test_the_server_is_served_at_its_host_behind_the_ingress() -> None:
    ctx = _ctx("argocd", "prod")
    values = _values("prod")
    ingress = values["server"]["ingress"]
    assert ingress["hostname"] == values["global"]["domain"] == "argocd.platform.example.com"
    assert ingress["ingressClassName"] == ctx.env.spec.ingress.class_name
    assert ingress["annotations"] == {"cert-manager.io/cluster-issuer": "letsencrypt"} and ingress["tls"] is True
    assert values["configs"]["params"]["server.insecure"] is True  # TLS ends at the ingress controller


def test_the_application_carries_these_values() -> None:
    for env in ENVIRONMENTS:
        app = environment_objects(BP, BP.environments[env])["argocd/argocd_application_system-argocd.yaml"]
        (chart,) = [s for s in app["spec"]["sources"] if "chart" in s]
        assert chart["helm"]["valuesObject"] == _values(env)
        assert chart["targetRevision"] == "8.3.0"


def test_every_object_passes_validate_and_policy(tmp_path: Path) -> None:
    _install_tools()
    _assert_validate_and_policy_clean(tmp_path, _tree(tmp_path, "argocd"))


def test_the_api_server_accepts_every_object_as_rendered(admin_api: client.ApiClient) -> None:
    assert _assert_applies(admin_api, "argocd") == len(ENVIRONMENTS)
