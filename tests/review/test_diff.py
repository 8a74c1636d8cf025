"""review.diff: objects added, removed and changed between two rendered trees, per environment and owner."""

from __future__ import annotations

import copy

from review.diff import PLATFORM, changed_fields, compare, compare_env, field_path


def _obj(kind: str, name: str, namespace: str = "", tenant: str | None = None, **spec: object) -> dict:
    labels = {"platformctl.dev/environment": "local"}
    if tenant:
        labels["platformctl.dev/tenant"] = tenant
    meta = {"name": name, "labels": labels, **({"namespace": namespace} if namespace else {})}
    return {"apiVersion": "v1", "kind": kind, "metadata": meta, "spec": dict(spec)}


DEPLOY = _obj("Deployment", "shop", "acme-shop", "acme", replicas=2,
              template={"spec": {"containers": [{"name": "shop", "image": "r/shop:1.0", "env": []}]}})


def test_field_paths_read_like_jsonpath() -> None:
    assert field_path(["spec", "template", "spec", "containers", 0, "image"]) == \
        "spec.template.spec.containers[0].image"
    assert field_path(["metadata", "labels", "app.kubernetes.io/name"]) == 'metadata.labels["app.kubernetes.io/name"]'
    assert field_path(["data", "init_data.json"]) == 'data["init_data.json"]'
    assert field_path(["spec", "max-surge"]) == "spec.max-surge"
    new = copy.deepcopy(DEPLOY)
    new["spec"]["template"]["spec"]["containers"][0]["image"] = "r/shop:1.1"
    new["spec"]["template"]["spec"]["containers"][0]["env"].append({"name": "A", "value": "b"})
    del new["spec"]["replicas"]
    new["metadata"]["annotations"] = {"x": "y"}
    assert changed_fields(DEPLOY, new) == (
        "metadata.annotations", "spec.replicas", "spec.template.spec.containers[0].env[0]",
        "spec.template.spec.containers[0].image")


def test_added_removed_changed_per_owner_platform_first() -> None:
    namespace = _obj("Namespace", "acme-shop", tenant="acme")
    app = _obj("Application", "system-gitea", "argocd", replicas=1)
    old = {"tenants/acme/d.yaml": DEPLOY, "argocd/a.yaml": app, "tenants/acme/kustomization.yaml": {"x": 1}}
    changed = copy.deepcopy(DEPLOY)
    changed["spec"]["replicas"] = 3
    new = {"tenants/acme/d.yaml": changed, "system/tenancy/acme/n.yaml": namespace,
           "tenants/acme/kustomization.yaml": {"x": 2}}
    result = compare_env("local", old, new)
    assert result is not None and result.status == "changed"
    assert [p.owner for p in result.owners] == [PLATFORM, "acme"]
    platform, acme = result.owners
    assert [str(o) for o in platform.removed] == ["Application argocd/system-gitea"]
    assert [str(o) for o in acme.added] == ["Namespace acme-shop"]
    assert [(str(c.object), c.fields) for c in acme.changed] == [("Deployment acme-shop/shop", ("spec.replicas",))]


def test_equal_trees_and_kustomization_only_changes_are_no_change() -> None:
    tree = {"tenants/acme/d.yaml": DEPLOY, "tenants/acme/kustomization.yaml": {"resources": ["d.yaml"]}}
    other = {**tree, "tenants/acme/kustomization.yaml": {"resources": ["d.yaml", "e.yaml"]}}
    assert compare_env("local", tree, other) is None
    report = compare("main", "f" * 40, {"local": tree}, {"local": copy.deepcopy(tree)}, edited_tenants=["acme"])
    assert report.empty and report.quiet_tenants == ["acme"]  # edited, but nothing rendered changed


def test_environments_on_one_side_only() -> None:
    tree = {"tenants/acme/d.yaml": DEPLOY}
    report = compare("main", "f" * 40, {"old": tree}, {"new": tree})
    assert [(e.env, e.status) for e in report.envs] == [("new", "added"), ("old", "removed")]
    assert [str(o) for o in report.envs[0].owners[0].added] == ["Deployment acme-shop/shop"]


def test_a_tenant_whose_edit_shows_is_not_quiet() -> None:
    changed = copy.deepcopy(DEPLOY)
    changed["spec"]["replicas"] = 5
    report = compare("main", "f" * 40, {"local": {"d.yaml": DEPLOY}}, {"local": {"d.yaml": changed}},
                     edited_tenants=["acme", "globex"])
    assert report.quiet_tenants == ["globex"]
