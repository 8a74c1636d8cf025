"""generator.render.argocd: app of apps, projects that fence tenants in, sync policy per environment."""

from __future__ import annotations

from generator.loader import load
from generator.pipeline import environment_objects
from tests.support import REPO

BP = load(REPO)


def _objects(env: str) -> dict[str, dict]:
    return environment_objects(BP, BP.environments[env])


def test_root_application_syncs_the_argocd_directory_of_its_environment() -> None:
    root = _objects("staging")["argocd/argocd_application_root.yaml"]
    assert root["spec"]["source"] == {
        "repoURL": "https://gitea.platform.example.com/platform/platform.git",
        "targetRevision": "main", "path": "rendered/staging/argocd",
    }
    assert root["spec"]["project"] == "platform"
    assert root["metadata"]["finalizers"] == ["resources-finalizer.argocd.argoproj.io"]


def _paths(app: dict) -> list[str]:
    return [s.get("path") for s in app["spec"].get("sources", [app["spec"].get("source")])]


def test_argocd_directory_lists_an_application_per_tenant_and_per_system_directory() -> None:
    objects = _objects("local")
    listing = objects["argocd/kustomization.yaml"]["resources"]
    apps = sorted(p for p in listing if p.startswith("argocd_application_"))
    components = sorted({p.split("/")[1] for p in objects if p.startswith("system/")} - {"tenancy"})
    tenants = sorted(BP.tenants)
    assert apps == sorted(
        ["argocd_application_root.yaml"]
        + [f"argocd_application_system-{c}.yaml" for c in components]
        + [f"argocd_application_tenancy-{t}.yaml" for t in tenants]
        + [f"argocd_application_tenant-{t}.yaml" for t in tenants]
    )
    for component in components:
        app = objects[f"argocd/argocd_application_system-{component}.yaml"]
        assert f"rendered/local/system/{component}" in _paths(app)
    for tenant in tenants:
        guardrails = objects[f"argocd/argocd_application_tenancy-{tenant}.yaml"]
        assert _paths(guardrails) == [f"rendered/local/system/tenancy/{tenant}"]
        assert guardrails["spec"]["project"] == "platform"  # platform-owned, not the tenant's project


def test_tenant_project_allows_only_its_namespaces_and_no_guardrail_or_cluster_kinds() -> None:
    project = _objects("prod")["argocd/argocd_appproject_acme.yaml"]["spec"]
    assert [d["namespace"] for d in project["destinations"]] == [
        "acme-prod", "acme-sbx-alice", "acme-sbx-bob", "acme-shop",
    ]
    assert project["clusterResourceWhitelist"] == []
    blacklisted = {(b["group"], b["kind"]) for b in project["namespaceResourceBlacklist"]}
    assert {("", "ResourceQuota"), ("", "LimitRange"), ("networking.k8s.io", "NetworkPolicy"),
            ("rbac.authorization.k8s.io", "RoleBinding")} <= blacklisted
    assert project["sourceRepos"] == ["https://gitea.platform.example.com/platform/platform.git"]
    owners = next(r for r in project["roles"] if r["name"] == "owners")
    assert owners["groups"] == ["platform/acme-owners"]
    assert all(p.endswith(", acme/*, allow") for p in owners["policies"])


def test_tenant_application_deploys_its_own_directory_in_its_own_project() -> None:
    app = _objects("prod")["argocd/argocd_application_tenant-globex.yaml"]
    assert app["spec"]["project"] == "globex"
    assert app["spec"]["source"]["path"] == "rendered/prod/tenants/globex"
    assert app["metadata"]["labels"]["platformctl.dev/tenant"] == "globex"


def test_sync_policy_follows_the_environment() -> None:
    local = _objects("local")["argocd/argocd_application_tenant-acme.yaml"]["spec"]["syncPolicy"]
    prod = _objects("prod")["argocd/argocd_application_tenant-acme.yaml"]["spec"]["syncPolicy"]
    assert "automated" not in local
    assert prod["automated"] == {"prune": True, "selfHeal": True}
    assert "ServerSideApply=true" in prod["syncOptions"] and "ServerSideApply=true" in local["syncOptions"]


def test_system_components_use_pinned_charts_and_platform_project() -> None:
    app = _objects("local")["argocd/argocd_application_system-gitea.yaml"]["spec"]
    chart = app["sources"][0]
    assert (chart["chart"], chart["targetRevision"]) == ("gitea", "12.2.0")
    assert app["project"] == "platform"
    assert app["destination"]["namespace"] == "gitea"


def test_tenancy_syncs_before_tenants() -> None:
    objects = _objects("local")
    wave = lambda p: int(objects[p]["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"])  # noqa: E731
    assert wave("argocd/argocd_appproject_acme.yaml") < wave("argocd/argocd_application_tenancy-acme.yaml")
    assert wave("argocd/argocd_application_tenancy-acme.yaml") < wave("argocd/argocd_application_tenant-acme.yaml")


def test_every_object_carries_the_ownership_labels() -> None:
    for env in BP.environments:
        for path, obj in _objects(env).items():
            if obj["kind"] == "Kustomization":
                continue
            labels = obj["metadata"]["labels"]
            # Kubero's phase namespaces are Helm's to adopt too (generator/render/kubero.py)
            helm = obj["metadata"].get("annotations", {}).get("meta.helm.sh/release-namespace") == "kubero"
            assert labels["app.kubernetes.io/managed-by"] == ("Helm" if helm else "platformctl"), path
            assert labels["platformctl.dev/environment"] == env, path
            assert "platformctl.dev/tenant" in labels or "platformctl.dev/component" in labels, path


def test_one_object_per_file_named_after_namespace_kind_and_name() -> None:
    for path, obj in _objects("staging").items():
        if obj["kind"] == "Kustomization":
            assert path.endswith("/kustomization.yaml")
            continue
        ns = obj["metadata"].get("namespace", "_cluster")
        assert path.endswith(f"/{ns}_{obj['kind'].lower()}_{obj['metadata']['name']}.yaml"), path


def test_every_directory_argo_points_at_has_a_sorted_kustomization() -> None:
    objects = _objects("staging")
    pointed = {s["path"].removeprefix("rendered/staging/")
               for o in objects.values() if o["kind"] == "Application"
               for s in o["spec"].get("sources", [o["spec"].get("source")])
               if "path" in s and s["repoURL"] == BP.platform.spec.git.repo_url}  # not an upstream's manifests
    for directory in pointed:
        listing = objects[f"{directory}/kustomization.yaml"]["resources"]
        assert listing == sorted(listing)
        under = sorted(p.removeprefix(directory + "/") for p in objects
                       if p.startswith(directory + "/") and not p.endswith("kustomization.yaml"))
        assert listing == under


def test_tenant_application_destination_is_permitted_by_its_project() -> None:
    """Argo CD refuses an Application whose destination namespace its AppProject does not list."""
    for env in BP.environments:
        objects = _objects(env)
        for path, app in objects.items():
            if app["kind"] != "Application" or not app["metadata"]["name"].startswith("tenant-"):
                continue
            project = objects[f"argocd/argocd_appproject_{app['spec']['project']}.yaml"]["spec"]
            allowed = {(d["server"], d["namespace"]) for d in project["destinations"]}
            destination = app["spec"]["destination"]
            assert (destination["server"], destination["namespace"]) in allowed, path


def test_every_application_retries_failed_syncs() -> None:
    for obj in _objects("prod").values():
        if obj["kind"] == "Application":
            assert obj["spec"]["syncPolicy"]["retry"]["limit"] > 0
