"""managedFields: the fieldsV1 format, who owns which field, and one manager's part of an object.

The format tests use managedFields as the fixtures of the peer pack carry them; the round-trip tests write
through the session's real kube-apiserver as different managers and read the server's own managedFields back.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes import client

from checks.drift.managed import entries, fields_of, owned_by, owned_paths, owners, parse, segment
from checks.drift.paths import Key, Member, Path, render
from tests.drift import ssa


def _live(*managed_fields: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop",
                                                                 "managedFields": list(managed_fields)}, **fields}


def _entry(manager: str, fields_v1: dict[str, Any], time: str | None = "2024-01-01T00:00:00Z",
           operation: str = "Apply") -> dict[str, Any]:
    return {"manager": manager, "operation": operation, "time": time, "fieldsType": "FieldsV1", "fieldsV1": fields_v1}


def test_each_path_element_prefix() -> None:
    assert segment("f:spec") == "spec"
    assert segment('k:{"protocol":"TCP","port":443}') == Key.of({"port": 443, "protocol": "TCP"})
    assert segment('v:"kubernetes.io/pvc-protection"') == Member("kubernetes.io/pvc-protection")
    assert segment("i:3") == 3
    assert segment("f:app.kubernetes.io/name") == "app.kubernetes.io/name"  # everything after f: is the name
    for bad in ("x:spec", "spec", 'k:["a"]'):
        with pytest.raises(ValueError):
            segment(bad)


def test_leaves_and_dots_are_owned_containers_are_not() -> None:
    tree = parse({"f:metadata": {"f:labels": {".": {}, "f:app": {}}},
                  "f:spec": {"f:ports": {'k:{"port":80,"protocol":"TCP"}': {".": {}, "f:targetPort": {}}},
                             "f:selector": {}}})
    assert {render(p) for p in owned_paths(tree)} == {
        "metadata.labels", "metadata.labels.app", "spec.ports[port=80,protocol=TCP]",
        "spec.ports[port=80,protocol=TCP].targetPort", "spec.selector"}
    assert not tree.children["spec"].owned and tree.children["spec"].children["selector"].owned


def test_malformed_entries_own_nothing() -> None:
    live = _live({"manager": "a", "fieldsV1": {"x:bad": {}}}, {"manager": "b"}, "not an entry",
                 _entry("c", {"f:spec": {"f:type": {}}}))
    assert [e.manager for e in entries(live)] == ["c"]


def test_owners_name_the_manager_and_time_of_each_field() -> None:
    live = _live(_entry("argocd-controller", {"f:spec": {"f:ports": {'k:{"port":443,"protocol":"TCP"}': {
                     ".": {}, "f:targetPort": {}}}}}, "2024-01-01T00:00:00Z"),
                 _entry("kubectl-edit", {"f:spec": {"f:type": {}}}, "2024-02-01T00:00:00Z", "Update"))
    assert owners(live) == {
        "spec.ports[port=443,protocol=TCP]": ("argocd-controller", "2024-01-01T00:00:00Z"),
        "spec.ports[port=443,protocol=TCP].targetPort": ("argocd-controller", "2024-01-01T00:00:00Z"),
        "spec.type": ("kubectl-edit", "2024-02-01T00:00:00Z")}


def test_a_shared_field_goes_to_its_latest_writer() -> None:
    live = _live(_entry("late", {"f:spec": {"f:type": {}}}, "2024-03-01T00:00:00Z"),
                 _entry("early", {"f:spec": {"f:type": {}}}, "2024-01-01T00:00:00Z"),
                 _entry("timeless", {"f:spec": {"f:type": {}}}, None))
    assert owners(live)["spec.type"] == ("late", "2024-03-01T00:00:00Z")


def test_fields_of_unions_the_entries_of_a_manager() -> None:
    live = _live(_entry("argocd-controller", {"f:spec": {"f:type": {}}}),
                 _entry("argocd-controller", {"f:spec": {"f:selector": {}}}, operation="Update"),
                 _entry("other", {"f:spec": {"f:clusterIP": {}}}))
    assert {render(p) for p in owned_paths(fields_of(live, ["argocd-controller"]))} == {"spec.type", "spec.selector"}
    assert {render(p) for p in owned_paths(fields_of(live, ["argocd-controller"], operation="Apply"))} == {
        "spec.type"}
    assert {render(p) for p in owned_paths(fields_of(live, ["argocd-controller"], operation="Apply",
                                                     exclude=True))} == {"spec.selector", "spec.clusterIP"}
    assert {render(p) for p in owned_paths(fields_of(live, ["argocd-controller"], exclude=True))} == {
        "spec.clusterIP"}


def test_owned_by_keeps_one_managers_fields_and_the_objects_identity() -> None:
    obj = _live(_entry("argocd-controller", {"f:metadata": {"f:labels": {"f:app": {}}},
                                             "f:spec": {"f:selector": {}, "f:ports": {
                                                 'k:{"port":80,"protocol":"TCP"}': {".": {}, "f:port": {}}}}}),
                _entry("webhook", {"f:metadata": {"f:labels": {"f:injected": {}}}}),
                spec={"selector": {"app": "web", "tier": "front"}, "clusterIP": "10.0.0.1",
                      "ports": [{"port": 80, "protocol": "TCP", "targetPort": 8080}, {"port": 9, "protocol": "UDP"}]})
    obj["metadata"]["labels"] = {"app": "web", "injected": "yes"}
    assert owned_by(obj, "argocd-controller") == {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
        "spec": {"selector": {"app": "web", "tier": "front"}, "ports": [{"port": 80, "protocol": "TCP"}]}}


def test_owned_by_keeps_key_fields_another_manager_set() -> None:
    """The composite-key case: a webhook owns ``protocol`` of our port entry; the entry keeps it as its key."""
    obj = _live(_entry("argocd-controller", {"f:spec": {"f:ports": {
                    'k:{"port":80,"protocol":"TCP"}': {".": {}, "f:port": {}, "f:name": {}}}}}),
                _entry("webhook", {"f:spec": {"f:ports": {'k:{"port":80,"protocol":"TCP"}': {"f:protocol": {}}}}}),
                spec={"ports": [{"port": 80, "protocol": "TCP", "name": "http"}]})
    assert owned_by(obj, "argocd-controller")["spec"]["ports"] == [{"port": 80, "protocol": "TCP", "name": "http"}]


def test_a_leaf_owned_map_is_the_managers_less_what_others_own_in_it() -> None:
    obj = _live(_entry("argocd-controller", {"f:metadata": {"f:annotations": {}}}, operation="Update"),
                _entry("kube-controller-manager", {"f:metadata": {"f:annotations": {"f:revision": {}}}}))
    obj["metadata"]["annotations"] = {"revision": "4", "note": "x"}
    assert owned_by(obj, "argocd-controller")["metadata"]["annotations"] == {"note": "x"}


def test_owned_by_a_stranger_is_just_the_identity() -> None:
    obj = _live(_entry("argocd-controller", {"f:spec": {"f:type": {}}}), spec={"type": "ClusterIP"})
    assert owned_by(obj, "nobody") == {"apiVersion": "v1", "kind": "Service",
                                       "metadata": {"name": "web", "namespace": "shop"}}


# -- against the real API server ----------------------------------------------------------------------------


def _resolve(obj: Any, path: Path) -> Any:
    """The value at ``path`` (Key/Member matched the way the server keys entries); KeyError when absent."""
    for seg in path:
        if isinstance(seg, (str, int)):
            obj = obj[seg]
        elif isinstance(seg, Member):
            obj = next(x for x in obj if x == seg.value)
        else:
            obj = next(x for x in obj if all(x.get(k) == v for k, v in seg.fields))
    return obj


@pytest.fixture
def namespace(admin_api: client.ApiClient) -> Iterator[str]:
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"managed-{uuid.uuid4().hex[:8]}"}}
    ssa.apply(admin_api, ns, "test-setup")
    yield ns["metadata"]["name"]
    ssa.delete(admin_api, ns)


def _deployment(namespace: str) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": namespace,
                                                                         "labels": {"app": "web"}},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [
                         {"name": "web", "image": "registry.example.com/web:1.0",
                          "ports": [{"containerPort": 8080}, {"containerPort": 53, "protocol": "UDP"}],
                          "env": [{"name": "A", "value": "1"}]}]}}}}


def test_the_servers_own_managed_fields_resolve_to_fields_of_the_object(admin_api: client.ApiClient,
                                                                        namespace: str) -> None:
    desired = _deployment(namespace)
    ssa.apply(admin_api, desired, "platformctl")
    ssa.update(admin_api, desired, {"spec": {"template": {"spec": {"containers": [
        {"name": "web", "image": "registry.example.com/web:1.0", "ports": [
            {"containerPort": 8080}, {"containerPort": 53, "protocol": "UDP"}],
         "env": [{"name": "A", "value": "1"}, {"name": "DEBUG", "value": "true"}]}]}}}}, "kubectl-edit")
    live = ssa.get(admin_api, desired)

    table = owners(live)
    env = "spec.template.spec.containers[name=web].env"
    assert table[f"{env}[name=DEBUG]"][0] == "kubectl-edit"
    assert table[f"{env}[name=A].value"][0] == "platformctl"
    assert table["spec.template.spec.containers[name=web].ports[containerPort=53,protocol=UDP]"][0] == "platformctl"
    assert table["spec.template.spec.containers[name=web].ports[containerPort=8080,protocol=TCP]"][0] == "platformctl"
    for entry in entries(live):  # every path the server wrote names a field that exists, in our notation
        for path in owned_paths(entry.fields):
            _resolve(live, path)


def test_owned_by_of_a_dry_run_is_what_the_manager_applied_in_the_servers_terms(admin_api: client.ApiClient,
                                                                                 namespace: str) -> None:
    desired = _deployment(namespace)
    ssa.apply(admin_api, desired, "platformctl")
    ssa.update(admin_api, desired, {"metadata": {"labels": {"edited": "by-hand"}}}, "kubectl-edit")
    predicted = ssa.apply(admin_api, desired, "platformctl", dry_run=True)
    mine = owned_by(predicted, "platformctl")
    assert mine["metadata"]["labels"] == {"app": "web"}  # the hand-made label is not ours
    container = mine["spec"]["template"]["spec"]["containers"][0]
    assert container["ports"] == [{"containerPort": 8080, "protocol": "TCP"}, {"containerPort": 53, "protocol": "UDP"}]
    assert "terminationMessagePath" not in container  # a server default, owned by nobody
    assert "status" not in mine
