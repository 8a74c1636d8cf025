"""compare(): declared fields, list matching, removals, unmanaged fields, managers; then against a real server.

The unit tests build the smallest pair that shows one behaviour. The last tests apply objects (the example
platform's rendered guardrails among them) to the session's real kube-apiserver as ``platformctl`` and compare
what the server returns: nothing the server adds may count as drift, and edits by other managers must.
"""

from __future__ import annotations

import base64
import copy
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client

from checks.drift.compare import ATOMIC, LIST_RULES, SET, compare, hpa_targets, list_rule
from checks.drift.ignore import IgnoreRules, Match, Rule
from checks.drift.managed import owned_by
from checks.drift.managed import owners as managed_owners
from checks.drift.model import ObjectRef
from checks.drift.normalize import LAST_APPLIED
from checks.drift.paths import Key
from tests.drift import ssa

REPO = Path(__file__).resolve().parents[2]


def _deploy(**spec: Any) -> dict[str, Any]:
    pod = {"containers": [{"name": "web", "image": "web:1", "env": [{"name": "A", "value": "1"}],
                           "ports": [{"containerPort": 8080}]}]}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"replicas": 2, "template": {"spec": pod}, **spec}}


def _container(obj: dict[str, Any]) -> dict[str, Any]:
    return obj["spec"]["template"]["spec"]["containers"][0]


def _paths(result: Any) -> list[str]:
    return [d.path for d in result]


def _with_last_applied(live: dict[str, Any], applied: dict[str, Any]) -> dict[str, Any]:
    live.setdefault("metadata", {}).setdefault("annotations", {})[LAST_APPLIED] = json.dumps(applied)
    return live


def _managed(live: dict[str, Any], manager: str, fields_v1: dict[str, Any], time: str = "2024-05-01T10:00:00Z",
             operation: str = "Apply") -> dict[str, Any]:
    live["metadata"].setdefault("managedFields", []).append(
        {"manager": manager, "operation": operation, "time": time, "fieldsType": "FieldsV1", "fieldsV1": fields_v1})
    return live


# -- declared fields ----------------------------------------------------------------------------------------


def test_identical_objects_are_equal_and_a_changed_field_is_drift() -> None:
    assert compare(_deploy(), _deploy()).equal
    live = _deploy()
    _container(live)["image"] = "web:2"
    result = compare(_deploy(), live)
    assert [(d.path, d.desired, d.live) for d in result.diffs] == [
        ("spec.template.spec.containers[name=web].image", "web:1", "web:2")]


def test_fields_only_live_has_are_unmanaged_not_drift() -> None:
    live = _deploy(progressDeadlineSeconds=600)
    _container(live)["imagePullPolicy"] = "IfNotPresent"
    assert compare(_deploy(), live).equal
    assert compare(_deploy(), live).unmanaged == ()  # only when asked for
    extra = compare(_deploy(), live, unmanaged=True).unmanaged
    assert [(d.path, d.live) for d in extra] == [
        ("spec.progressDeadlineSeconds", 600), ("spec.template.spec.containers[name=web].imagePullPolicy",
                                                "IfNotPresent")]


def test_a_declared_field_missing_live_is_drift() -> None:
    desired = _deploy(paused=True)
    result = compare(desired, _deploy())
    assert [(d.path, d.desired, d.live) for d in result.diffs] == [("spec.paused", True, None)]


def test_null_empty_and_absent_are_alike() -> None:
    desired = _deploy(minReadySeconds=None, strategy={}, selector={"matchLabels": {}})
    desired["spec"]["template"]["spec"]["tolerations"] = []
    desired["metadata"]["annotations"] = {}
    live = _deploy(strategy={"type": "RollingUpdate"})
    live["spec"]["template"]["spec"]["tolerations"] = None
    assert compare(desired, live).equal


def test_an_empty_selector_is_not_an_absent_one() -> None:
    desired = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "p"},
               "spec": {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {}}]}]}}
    live = copy.deepcopy(desired)
    del live["spec"]["ingress"][0]["from"][0]["namespaceSelector"]
    live["spec"]["ingress"][0]["from"][0]["podSelector"] = {}
    assert _paths(compare(desired, live).diffs) == ["spec.ingress[0].from[0].namespaceSelector"]


def test_an_empty_entry_of_an_atomic_list_is_a_value() -> None:
    desired = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "p"},
               "spec": {"podSelector": {}, "ingress": [{}]}}  # allow from everywhere
    live = copy.deepcopy(desired)
    assert compare(desired, live).equal
    live["spec"]["ingress"] = [{"from": [{"podSelector": {"matchLabels": {"app": "x"}}}]}]
    assert _paths(compare(desired, live).diffs) == ["spec.ingress[0]"]


def test_an_empty_dir_swapped_for_another_volume_is_drift() -> None:
    desired, live = _deploy(), _deploy()
    desired["spec"]["template"]["spec"]["volumes"] = [{"name": "tmp", "emptyDir": {}}]
    live["spec"]["template"]["spec"]["volumes"] = [{"name": "tmp", "configMap": {"name": "other"}}]
    assert _paths(compare(desired, live).diffs) == ["spec.template.spec.volumes[name=tmp].emptyDir"]


def test_canonical_values_are_not_drift() -> None:
    desired, live = _deploy(strategy={"rollingUpdate": {"maxSurge": 1}}), _deploy(strategy={"rollingUpdate": {
        "maxSurge": "1"}})
    _container(desired)["resources"] = {"limits": {"cpu": "1000m", "memory": "1Gi"}, "requests": {"cpu": 0.5}}
    _container(live)["resources"] = {"limits": {"cpu": "1", "memory": "1024Mi"}, "requests": {"cpu": "500m"}}
    assert compare(desired, live).equal
    _container(live)["resources"]["limits"]["memory"] = "1G"
    assert _paths(compare(desired, live).diffs) == ["spec.template.spec.containers[name=web].resources.limits.memory"]


def test_identity_fields_are_not_compared() -> None:
    live = _deploy()
    live["apiVersion"] = "apps/v1beta2"
    live["metadata"]["namespace"] = "elsewhere"
    assert compare(_deploy(), live).equal


# -- lists ----------------------------------------------------------------------------------------------------


def test_merge_lists_match_by_key_whatever_the_order() -> None:
    desired, live = _deploy(), _deploy()
    _container(desired)["env"] = [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    _container(live)["env"] = [{"name": "ADDED", "value": "x"}, {"name": "B", "value": "2"},
                               {"name": "A", "value": "1"}]
    result = compare(desired, live, unmanaged=True)
    assert result.equal
    assert _paths(result.unmanaged) == ["spec.template.spec.containers[name=web].env[name=ADDED]"]


def test_a_missing_merge_list_entry_is_drift_at_its_key() -> None:
    desired, live = _deploy(), _deploy()
    desired["spec"]["template"]["spec"]["containers"].append({"name": "sidecar", "image": "s:1"})
    assert [(d.path, d.live) for d in compare(desired, live).diffs] == [
        ("spec.template.spec.containers[name=sidecar]", None)]


def test_container_ports_key_on_port_and_protocol_tcp_by_default() -> None:
    desired, live = _deploy(), _deploy()
    _container(desired)["ports"] = [{"containerPort": 53, "protocol": "UDP"}, {"containerPort": 53}]
    _container(live)["ports"] = [{"containerPort": 53, "protocol": "TCP", "name": "dns-tcp"},
                                 {"containerPort": 53, "protocol": "UDP"}]
    assert compare(desired, live).equal
    _container(live)["ports"].pop()
    assert _paths(compare(desired, live).diffs) == [
        "spec.template.spec.containers[name=web].ports[containerPort=53,protocol=UDP]"]


def test_service_ports_key_on_port_and_protocol() -> None:
    desired = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
               "spec": {"ports": [{"port": 443, "targetPort": 8443},
                                  {"port": 443, "protocol": "UDP", "targetPort": 1}]}}
    live = copy.deepcopy(desired)
    live["spec"]["ports"] = [{"port": 443, "protocol": "UDP", "targetPort": 1},
                             {"port": 443, "protocol": "TCP", "targetPort": "8443"}]
    assert compare(desired, live).equal


def test_atomic_lists_compare_by_index_and_extra_live_entries_are_drift() -> None:
    desired, live = _deploy(), _deploy()
    _container(desired)["args"] = ["--a", "--b"]
    _container(live)["args"] = ["--a", "--c", "--d"]
    assert [(d.path, d.desired, d.live) for d in compare(desired, live).diffs] == [
        ("spec.template.spec.containers[name=web].args[1]", "--b", "--c"),
        ("spec.template.spec.containers[name=web].args[2]", None, "--d")]


def test_rbac_rules_and_their_verbs_are_sets() -> None:
    desired = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "r"},
               "rules": [{"apiGroups": [""], "resources": ["pods", "services"], "verbs": ["get", "list"]},
                         {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get"]}]}
    live = copy.deepcopy(desired)
    live["rules"].reverse()
    live["rules"][1]["verbs"] = ["list", "get"]
    live["rules"][1]["resources"] = ["services", "pods"]
    assert compare(desired, live).equal
    live["rules"][0]["verbs"].append("delete")
    assert _paths(compare(desired, live).diffs) == ["rules"]


def test_finalizers_are_a_set_others_may_add_to() -> None:
    desired = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "finalizers": ["a", "b"]}}
    live = copy.deepcopy(desired)
    live["metadata"]["finalizers"] = ["controller/x", "b", "a"]
    result = compare(desired, live, unmanaged=True)
    assert result.equal and _paths(result.unmanaged) == ["metadata.finalizers[=controller/x]"]
    live["metadata"]["finalizers"] = ["b"]
    assert _paths(compare(desired, live).diffs) == ["metadata.finalizers[=a]"]


def test_hpa_metrics_match_by_metric_whatever_the_order() -> None:
    def metric(name: str, value: int) -> dict[str, Any]:
        return {"type": "Resource", "resource": {"name": name, "target": {"type": "Utilization",
                                                                           "averageUtilization": value}}}
    desired = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "h"},
               "spec": {"metrics": [metric("cpu", 70), metric("memory", 80)]}}
    live = copy.deepcopy(desired)
    live["spec"]["metrics"].reverse()
    assert compare(desired, live).equal
    live["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] = 90
    live["spec"]["metrics"].append({"type": "Pods", "pods": {"metric": {"name": "rps"}}})
    assert _paths(compare(desired, live).diffs) == [
        "spec.metrics[pods.metric.name=rps,type=Pods]",
        "spec.metrics[resource.name=memory,type=Resource].resource.target.averageUtilization"]


def test_endpoints_subsets_are_a_set() -> None:
    subset = [{"addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}], "ports": [{"name": "a", "port": 1}]},
              {"addresses": [{"ip": "10.0.0.3"}], "ports": [{"name": "b", "port": 2}]}]
    desired = {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "e"}, "subsets": subset}
    live = copy.deepcopy(desired)
    live["subsets"].reverse()
    live["subsets"][1]["addresses"].reverse()
    live["subsets"][0]["ports"][0]["protocol"] = "TCP"
    assert compare(desired, live).equal


def test_list_rule_table() -> None:
    assert list_rule("Deployment", ("spec", "template", "spec", "containers", Key.of({"name": "a"}), "env")).key == (
        "name",)
    assert list_rule("Service", ("spec", "ports")).key == ("port", "protocol")
    assert list_rule("Ingress", ("spec", "ports")) is ATOMIC  # the Service rule is anchored to Services
    assert list_rule("ClusterRole", ("rules", 0, "verbs")) is SET
    assert list_rule("Deployment", ("spec", "template", "spec", "containers", Key.of({"name": "a"}), "command")) \
        is ATOMIC
    assert all(rule.key == tuple(sorted(rule.key)) for _, _, rule in LIST_RULES if rule.merge)  # as managedFields


# -- what an apply would remove -------------------------------------------------------------------------------


def test_a_field_dropped_from_git_but_in_last_applied_is_drift() -> None:
    applied = _deploy()
    applied["metadata"]["labels"] = {"team": "a", "old": "x"}
    live = _with_last_applied(copy.deepcopy(applied), applied)
    live["metadata"]["labels"]["added-by-hand"] = "y"
    desired = _deploy()
    desired["metadata"]["labels"] = {"team": "a"}
    result = compare(desired, live, unmanaged=True)
    assert [(d.path, d.desired, d.live) for d in result.diffs] == [("metadata.labels.old", None, "x")]
    assert _paths(result.unmanaged) == ["metadata.labels.added-by-hand"]


def test_a_merge_entry_dropped_from_git_but_in_last_applied_is_drift_whole() -> None:
    applied = _deploy()
    _container(applied)["env"].append({"name": "OLD", "value": "1"})
    live = _with_last_applied(copy.deepcopy(applied), applied)
    assert [(d.path, d.live) for d in compare(_deploy(), live).diffs] == [
        ("spec.template.spec.containers[name=web].env[name=OLD]", {"name": "OLD", "value": "1"})]


def test_a_field_our_manager_owns_that_git_dropped_is_drift() -> None:
    live = _managed(_deploy(paused=True), "platformctl", {"f:spec": {"f:paused": {}, "f:replicas": {}}})
    live = _managed(live, "kubectl-edit", {"f:spec": {"f:minReadySeconds": {}}}, operation="Update")
    live["spec"]["minReadySeconds"] = 5
    result = compare(_deploy(), live, unmanaged=True)
    assert [(d.path, d.desired, d.live, d.manager) for d in result.diffs] == [
        ("spec.paused", None, True, "platformctl")]
    assert [(d.path, d.manager) for d in result.unmanaged] == [("spec.minReadySeconds", "kubectl-edit")]
    assert compare(_deploy(), live, managers=("argocd-controller",)).equal


def test_fields_our_manager_owns_through_an_update_are_no_evidence() -> None:
    """Client-side apply and creates are Updates: they own the server's defaults too, which git never had."""
    live = _managed(_deploy(progressDeadlineSeconds=600), "argocd-controller",
                    {"f:spec": {"f:progressDeadlineSeconds": {}, "f:replicas": {}}}, operation="Update")
    assert compare(_deploy(), live).equal


def test_a_map_our_manager_only_set_is_not_removed_with_what_others_put_in_it() -> None:
    live = _managed(_deploy(), "platformctl", {"f:metadata": {"f:annotations": {}}})
    live = _managed(live, "kube-controller-manager", {"f:metadata": {"f:annotations": {"f:note": {}}}})
    live["metadata"]["annotations"] = {"note": "x"}
    assert compare(_deploy(), live).equal


def test_a_live_field_the_dry_run_result_lacks_is_drift() -> None:
    live, predicted = _deploy(paused=True), _deploy()
    result = compare(owned_by(predicted, "platformctl"), live, predicted=predicted)
    assert _paths(result.diffs) == ["spec.paused"]


def test_key_fields_are_never_removals() -> None:
    applied = _deploy()
    _container(applied)["ports"] = [{"containerPort": 8080, "protocol": "TCP"}]
    live = _with_last_applied(copy.deepcopy(applied), applied)
    assert compare(_deploy(), live).equal  # git omits protocol: the default TCP, not a removal


# -- options ------------------------------------------------------------------------------------------------


def test_ignore_rules_apply_to_both_sides_and_to_the_evidence() -> None:
    applied = _deploy()
    applied["metadata"]["labels"] = {"release": "x"}
    live = _with_last_applied(copy.deepcopy(applied), applied)
    _container(live)["image"] = "web:2"
    pointers = ["/spec/template/spec/containers/*/image", "/metadata/labels/release"]
    rules = IgnoreRules("t", (Rule(match=Match(kind="Deployment"), reason="the release pipeline owns these",
                                   jsonPointers=pointers),))
    assert not compare(_deploy(), live).equal
    assert compare(_deploy(), live, ignore=rules).equal


def test_replicas_of_hpa_targets_are_ignored_on_request() -> None:
    live = _deploy(replicas=7)
    assert _paths(compare(_deploy(), live).diffs) == ["spec.replicas"]
    assert compare(_deploy(), live, ignore_replicas=True).equal


def test_hpa_targets() -> None:
    hpa = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
           "metadata": {"name": "h", "namespace": "shop"},
           "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}}}
    other = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"}}
    assert hpa_targets([hpa, other, _deploy()]) == {ObjectRef("apps", "Deployment", "shop", "web")}


def test_each_difference_names_the_owner_of_the_field_or_its_nearest_owned_ancestor() -> None:
    live = _managed(_deploy(), "platformctl", {"f:spec": {"f:template": {"f:spec": {"f:containers": {
        'k:{"name":"web"}': {".": {}, "f:image": {}}}}}}}, "2024-01-01T00:00:00Z")
    live = _managed(live, "kubectl-edit", {"f:spec": {"f:template": {"f:spec": {"f:containers": {
        'k:{"name":"web"}': {"f:image": {}}}}}}}, "2024-06-01T00:00:00Z", "Update")
    _container(live)["image"] = "web:2"
    _container(live)["env"][0]["value"] = "changed"
    diffs = {d.path: (d.manager, d.time) for d in compare(_deploy(), live).diffs}
    assert diffs == {"spec.template.spec.containers[name=web].image": ("kubectl-edit", "2024-06-01T00:00:00Z"),
                     "spec.template.spec.containers[name=web].env[name=A].value": ("platformctl",
                                                                                 "2024-01-01T00:00:00Z")}


def test_secret_values_never_reach_a_difference() -> None:
    desired = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "stringData": {"password": "hunter2"}}
    live = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
            "data": {"password": base64.b64encode(b"hunter2").decode(), "token": base64.b64encode(b"t0k3n").decode()}}
    live = _with_last_applied(live, desired)
    result = compare(desired, live, unmanaged=True)
    assert result.equal and _paths(result.unmanaged) == ["data.token"]
    live["data"]["password"] = base64.b64encode(b"hunter3").decode()
    result = compare(desired, live, unmanaged=True)
    assert _paths(result.diffs) == ["data.password"] and result.diffs[0].desired.startswith("sha256:")
    shown = repr(result)
    for secret in (b"hunter2", b"hunter3", b"t0k3n"):
        assert secret.decode() not in shown and base64.b64encode(secret).decode() not in shown


def test_aggregated_cluster_role_rules_are_the_controllers() -> None:
    desired = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "agg"},
               "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"x": "y"}}]}}
    live = {**copy.deepcopy(desired), "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}
    live = _with_last_applied(live, {**desired, "rules": [{"apiGroups": [""], "resources": ["x"], "verbs": ["get"]}]})
    assert compare(desired, live).equal
    assert _paths(compare(desired, live, keep_aggregated_rules=True).diffs) == ["rules"]


# -- against the real API server ----------------------------------------------------------------------------


class World:
    """Applies as named managers to the real server under a unique name prefix; deletes what it created."""

    def __init__(self, api: client.ApiClient) -> None:
        self.api = api
        self.prefix = f"c{uuid.uuid4().hex[:6]}"
        self.created: list[dict[str, Any]] = []

    def namespace(self, name: str) -> str:
        self.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"{self.prefix}-{name}"}})
        return f"{self.prefix}-{name}"

    def apply(self, obj: dict[str, Any], manager: str = "platformctl") -> dict[str, Any]:
        self.created.append(obj)
        return ssa.apply(self.api, obj, manager)

    def create(self, obj: dict[str, Any], manager: str) -> dict[str, Any]:
        self.created.append(obj)
        return ssa.create(self.api, obj, manager)

    def dry_run(self, obj: dict[str, Any], manager: str = "platformctl") -> dict[str, Any]:
        return ssa.apply(self.api, obj, manager, dry_run=True)

    def edit(self, obj: dict[str, Any], patch: dict[str, Any], manager: str = "kubectl-edit") -> None:
        ssa.update(self.api, obj, patch, manager)

    def get(self, obj: dict[str, Any]) -> dict[str, Any]:
        return ssa.get(self.api, obj)


@pytest.fixture
def world(admin_api: client.ApiClient) -> Iterator[World]:
    made = World(admin_api)
    yield made
    for obj in reversed(made.created):
        ssa.delete(admin_api, obj)


def _rendered_guardrails(prefix: str) -> list[dict[str, Any]]:
    """One tenant namespace's guardrails from rendered/local, moved into namespaces of this test's own."""
    objects = []
    for path in sorted((REPO / "rendered" / "local" / "system" / "tenancy" / "acme").glob("*acme-shop*.yaml")):
        obj = yaml.safe_load(path.read_text())
        meta = obj["metadata"]
        if obj["kind"] == "Namespace":
            meta["name"] = f"{prefix}-{meta['name']}"
        else:
            meta["namespace"] = f"{prefix}-{meta['namespace']}"
        objects.append(obj)
    objects.sort(key=lambda o: o["kind"] != "Namespace")
    return objects


def test_what_the_server_adds_to_rendered_objects_is_not_drift(world: World) -> None:
    objects = _rendered_guardrails(world.prefix)
    assert {o["kind"] for o in objects} == {"Namespace", "LimitRange", "NetworkPolicy", "ResourceQuota",
                                            "RoleBinding"}
    for obj in objects:
        world.apply(obj)
    for obj in objects:
        live = world.get(obj)
        assert compare(obj, live).equal, (obj["kind"], compare(obj, live).diffs)
        predicted = world.dry_run(obj)
        assert compare(owned_by(predicted, "platformctl"), live, predicted=predicted).equal, obj["kind"]
    namespace = next(o for o in objects if o["kind"] == "Namespace")
    extra = compare(namespace, world.get(namespace), unmanaged=True).unmanaged
    assert {d.path for d in extra} >= {'metadata.labels["kubernetes.io/metadata.name"]'}


def _workloads(ns: str) -> list[dict[str, Any]]:
    """What a tenant app and its database render to, written the way people write them (0.5Gi, 1 cpu, ...)."""
    pod = {"containers": [{"name": "web", "image": "registry.example.com/shop:1.4.2",
                           "ports": [{"containerPort": 8080, "name": "http"}],
                           "readinessProbe": {"httpGet": {"path": "/healthz", "port": "http"}},
                           "resources": {"requests": {"cpu": "500m", "memory": "0.5Gi"}, "limits": {"cpu": 1}},
                           "securityContext": {"capabilities": {"drop": ["ALL"]}},
                           "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}]}],
           "volumes": [{"name": "tmp", "emptyDir": {}}]}
    meta = {"name": "shop", "namespace": ns}
    selector = {"matchLabels": {"app": "shop"}}
    template = {"metadata": {"labels": {"app": "shop"}}, "spec": pod}
    return [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta,
         "spec": {"replicas": 2, "selector": selector, "template": template,
                  "strategy": {"rollingUpdate": {"maxSurge": 1, "maxUnavailable": "25%"}}}},
        {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": meta,
         "spec": {"serviceName": "shop", "selector": selector, "template": template, "volumeClaimTemplates": [
             {"metadata": {"name": "home"}, "spec": {"accessModes": ["ReadWriteOnce"],
                                                    "resources": {"requests": {"storage": "10240Mi"}}}}]}},
        {"apiVersion": "v1", "kind": "Service", "metadata": meta,
         "spec": {"selector": {"app": "shop"}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}},
        {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": meta,
         "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "shop"},
                  "minReplicas": 2, "maxReplicas": 6, "metrics": [{"type": "Resource", "resource": {
                      "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]}},
        {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": meta,
         "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": {"spec": {
             "restartPolicy": "Never", "containers": [{"name": "job", "image": "registry.example.com/job:1"}]}}}}}},
        {"apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster", "metadata": {"name": "shopdb", "namespace": ns},
         "spec": {"instances": 2, "storage": {"size": "20Gi"}, "resources": {"requests": {"memory": "1Gi"}}}},
        {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor", "metadata": meta,
         "spec": {"selector": selector, "endpoints": [{"port": "http", "path": "/metrics", "interval": "30s"}]}},
    ]


def test_what_the_server_adds_to_workloads_and_custom_resources_is_not_drift(world: World) -> None:
    """Defaults (probes, strategies, CNPG's schema defaults), canonical quantities: none of it is drift."""
    objects = _workloads(world.namespace("apps"))
    scaled = hpa_targets(objects)
    for obj in objects:
        world.apply(obj)
    for obj in objects:
        live = world.get(obj)
        result = compare(obj, live, ignore_replicas=ObjectRef.of(obj) in scaled)
        assert result.equal, (obj["kind"], result.diffs)
        predicted = world.dry_run(obj)
        assert compare(owned_by(predicted, "platformctl"), live, predicted=predicted).equal, obj["kind"]
    deployment = world.get(objects[0])
    assert deployment["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["memory"] == "512Mi"


def test_an_object_created_by_client_side_apply_is_in_sync(world: World) -> None:
    """A create (an Update entry) owns every default the server filled in; none of them is drift."""
    desired = _deploy(selector={"matchLabels": {"app": "web"}})
    desired["metadata"]["namespace"] = world.namespace("csa")
    desired["spec"]["template"]["metadata"] = {"labels": {"app": "web"}}
    world.create(desired, "argocd-controller")
    live = world.get(desired)
    assert managed_owners(live)["spec.progressDeadlineSeconds"][0] == "argocd-controller"  # the premise
    assert compare(desired, live).equal


def test_edits_by_other_managers_are_drift_with_their_name(world: World) -> None:
    desired = _deploy(selector={"matchLabels": {"app": "web"}})
    desired["metadata"]["namespace"] = world.namespace("shop")
    desired["spec"]["template"]["metadata"] = {"labels": {"app": "web"}}
    _container(desired)["resources"] = {"limits": {"cpu": "1000m", "memory": "1Gi"}}
    world.apply(desired)
    assert compare(desired, world.get(desired)).equal  # the server stores cpu "1", defaults ports, ...

    world.edit(desired, {"spec": {"replicas": 5, "template": {"spec": {"containers": [
        {"name": "web", "image": "web:hotfix"}]}}}})
    result = compare(desired, world.get(desired))
    assert [(d.path, d.desired, d.live, d.manager) for d in result.diffs] == [
        ("spec.replicas", 2, 5, "kubectl-edit"),
        ("spec.template.spec.containers[name=web].image", "web:1", "web:hotfix", "kubectl-edit")]

    trimmed = copy.deepcopy(desired)
    _container(trimmed)["env"] = []  # git drops env A: platformctl still owns it live, so an apply removes it
    result = compare(trimmed, world.get(desired), ignore_replicas=True)
    assert [(d.path, d.desired, d.manager) for d in result.diffs] == [
        ("spec.template.spec.containers[name=web].env[name=A]", None, "platformctl"),
        ("spec.template.spec.containers[name=web].image", "web:1", "kubectl-edit")]


def test_server_assigned_service_fields_and_secret_values(world: World) -> None:
    ns = world.namespace("svc")
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": ns},
               "spec": {"type": "NodePort", "selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}}
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds", "namespace": ns},
              "stringData": {"password": "hunter2"}}
    for obj in (service, secret):
        world.apply(obj)
    live_service = world.get(service)
    assert live_service["spec"]["ports"][0]["nodePort"] and live_service["spec"]["clusterIP"]
    result = compare(service, live_service, unmanaged=True)
    assert result.equal
    assert not {"spec.clusterIP", "spec.clusterIPs", "spec.ipFamilies"} & {d.path for d in result.unmanaged}
    assert "spec.ports[port=80,protocol=TCP].nodePort" not in {d.path for d in result.unmanaged}
    assert compare(secret, world.get(secret)).equal
    world.edit(secret, {"data": {"password": base64.b64encode(b"stolen").decode()}})
    result = compare(secret, world.get(secret))
    assert [(d.path, d.manager) for d in result.diffs] == [("data.password", "kubectl-edit")]
    assert "stolen" not in repr(result) and "hunter2" not in repr(result)
