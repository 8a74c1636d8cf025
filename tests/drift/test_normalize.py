"""What is not drift: one test per normalization rule, and what each rule must leave alone."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from decimal import Decimal
from typing import Any

import pytest

from checks.drift.normalize import (
    LAST_APPLIED,
    canonical,
    drop_server_assigned,
    empty_is_a_value,
    is_empty,
    last_applied,
    normalize,
    secret_digest,
)
from checks.drift.paths import Key


def _obj(kind: str, api_version: str = "v1", **fields: Any) -> dict[str, Any]:
    return {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x", "namespace": "ns"}, **fields}


def _sha(raw: bytes) -> str:
    return "sha256:" + hashlib.sha256(raw).hexdigest()


# -- normalize ----------------------------------------------------------------------------------------------


def test_server_metadata_and_status_are_dropped_but_user_metadata_is_kept() -> None:
    live = _obj("ConfigMap", data={"a": "1"}, status={"phase": "x"})
    live["metadata"].update(uid="u", resourceVersion="7", generation=3, creationTimestamp="2024-01-01T00:00:00Z",
                            selfLink="/api/x", managedFields=[{"manager": "m"}], deletionGracePeriodSeconds=30,
                            deletionTimestamp="2024-01-02T00:00:00Z", labels={"team": "a"}, finalizers=["f"])
    out = normalize(live)
    assert out == {"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "1"},
                   "metadata": {"name": "x", "labels": {"team": "a"}, "finalizers": ["f"]}}


def test_normalize_does_not_touch_its_input() -> None:
    live = _obj("Secret", stringData={"k": "v"}, status={})
    before = copy.deepcopy(live)
    normalize(live)
    assert live == before


def test_tool_annotations_go_other_annotations_stay() -> None:
    live = _obj("Deployment", "apps/v1")
    live["metadata"]["annotations"] = {
        LAST_APPLIED: "{}", "argocd.argoproj.io/tracking-id": "app:apps/Deployment:ns/x",
        "meta.helm.sh/release-name": "r", "meta.helm.sh/release-namespace": "ns",
        "deployment.kubernetes.io/revision": "5", "owner": "team-a", "helm.sh/chart": "c-1.0"}
    assert normalize(live)["metadata"]["annotations"] == {"owner": "team-a", "helm.sh/chart": "c-1.0"}


def test_secret_values_become_digests_of_their_decoded_bytes() -> None:
    live = _obj("Secret", data={"password": base64.b64encode(b"hunter2").decode(), "empty": None, "blank": ""})
    out = normalize(live)
    assert out["data"] == {"password": _sha(b"hunter2"), "empty": _sha(b""), "blank": _sha(b"")}
    assert "hunter2" not in json.dumps(out) and base64.b64encode(b"hunter2").decode() not in json.dumps(out)


def test_secret_stringdata_is_folded_into_data_and_wins_over_it() -> None:
    desired = _obj("Secret", stringData={"user": "admin", "both": "new"},
                   data={"both": base64.b64encode(b"old").decode(), "raw": "cXV4"})
    out = normalize(desired)
    assert "stringData" not in out
    assert out["data"] == {"user": _sha(b"admin"), "both": _sha(b"new"), "raw": _sha(b"qux")}


def test_a_secret_value_that_is_not_base64_is_hashed_never_shown() -> None:
    digest = secret_digest("not base64!")
    assert digest.startswith("sha256:") and "not base64!" not in digest
    assert secret_digest("not base64!") != secret_digest("bm90") and secret_digest(None) == _sha(b"")


def test_only_core_secrets_are_hashed() -> None:
    sealed = _obj("Secret", "bitnami.com/v1alpha1", data={"k": "dmFsdWU="})
    assert normalize(sealed)["data"] == {"k": "dmFsdWU="}


def test_injected_ca_bundles_are_dropped_where_injectors_write_them() -> None:
    webhook = _obj("MutatingWebhookConfiguration", "admissionregistration.k8s.io/v1",
                   webhooks=[{"name": "w", "clientConfig": {"caBundle": "Q0E=", "service": {"name": "s"}}}])
    api_service = _obj("APIService", "apiregistration.k8s.io/v1", spec={"caBundle": "Q0E=", "group": "g"})
    crd = _obj("CustomResourceDefinition", "apiextensions.k8s.io/v1",
               spec={"conversion": {"webhook": {"clientConfig": {"caBundle": "Q0E=", "url": "https://c"}}}})
    assert normalize(webhook)["webhooks"][0]["clientConfig"] == {"service": {"name": "s"}}
    assert normalize(api_service)["spec"] == {"group": "g"}
    assert normalize(crd)["spec"]["conversion"]["webhook"]["clientConfig"] == {"url": "https://c"}
    configmap = _obj("ConfigMap", data={"caBundle": "Q0E="})
    assert normalize(configmap)["data"] == {"caBundle": "Q0E="}


def test_rules_of_aggregated_cluster_roles_are_the_controllers_unless_kept() -> None:
    role = _obj("ClusterRole", "rbac.authorization.k8s.io/v1", rules=[{"verbs": ["get"]}],
                aggregationRule={"clusterRoleSelectors": [{"matchLabels": {"a": "b"}}]})
    assert "rules" not in normalize(role)
    assert normalize(role, keep_aggregated_rules=True)["rules"] == [{"verbs": ["get"]}]
    plain = _obj("ClusterRole", "rbac.authorization.k8s.io/v1", rules=[{"verbs": ["get"]}])
    assert normalize(plain)["rules"] == [{"verbs": ["get"]}]


def test_volume_claim_templates_lose_what_the_api_server_adds() -> None:
    template = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "status": {"phase": "Pending"},
                "metadata": {"name": "data", "creationTimestamp": None}, "spec": {"accessModes": ["ReadWriteOnce"]}}
    live = _obj("StatefulSet", "apps/v1", spec={"volumeClaimTemplates": [template]})
    assert normalize(live)["spec"]["volumeClaimTemplates"] == [
        {"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"]}}]


def test_last_applied_is_read_from_the_annotation() -> None:
    live = _obj("ConfigMap")
    assert last_applied(live) is None
    live["metadata"]["annotations"] = {LAST_APPLIED: json.dumps({"kind": "ConfigMap", "data": {"a": "1"}})}
    assert last_applied(live) == {"kind": "ConfigMap", "data": {"a": "1"}}
    live["metadata"]["annotations"] = {LAST_APPLIED: "{not json"}
    assert last_applied(live) is None


# -- drop_server_assigned -----------------------------------------------------------------------------------


def test_service_addresses_are_the_servers_unless_git_sets_them() -> None:
    assigned = {"clusterIP": "10.0.0.1", "clusterIPs": ["10.0.0.1"], "ipFamilies": ["IPv4"],
                "ipFamilyPolicy": "SingleStack", "internalTrafficPolicy": "Cluster", "healthCheckNodePort": 31000}
    live = _obj("Service", spec={**assigned, "type": "ClusterIP"})
    assert drop_server_assigned(_obj("Service", spec={}), live)["spec"] == {"type": "ClusterIP"}
    pinned = _obj("Service", spec={"clusterIP": "None"})
    assert drop_server_assigned(pinned, live)["spec"]["clusterIP"] == "10.0.0.1"  # declared: compared


def test_node_ports_are_the_servers_unless_git_sets_them() -> None:
    live = _obj("Service", spec={"ports": [{"port": 80, "protocol": "TCP", "nodePort": 30080},
                                           {"port": 53, "protocol": "UDP", "nodePort": 30053}]})
    desired = _obj("Service", spec={"ports": [{"port": 80}, {"port": 53, "protocol": "UDP", "nodePort": 30053}]})
    assert drop_server_assigned(desired, live)["spec"]["ports"] == [
        {"port": 80, "protocol": "TCP"}, {"port": 53, "protocol": "UDP", "nodePort": 30053}]


def test_pvc_binding_is_the_controllers() -> None:
    live = _obj("PersistentVolumeClaim", spec={"volumeName": "pvc-123", "storageClassName": "fast"})
    live["metadata"]["annotations"] = {"pv.kubernetes.io/bind-completed": "yes", "team": "a"}
    out = drop_server_assigned(_obj("PersistentVolumeClaim", spec={"storageClassName": "fast"}), live)
    assert out["spec"] == {"storageClassName": "fast"}
    assert out["metadata"]["annotations"] == {"team": "a"}


def test_service_account_token_secrets_are_the_controllers() -> None:
    live = _obj("ServiceAccount", secrets=[{"name": "x-token-abcde"}, {"name": "mine"}],
                imagePullSecrets=[{"name": "x-dockercfg-q1w2e"}, {"name": "regcred"}])
    out = drop_server_assigned(_obj("ServiceAccount"), live)
    assert out["secrets"] == [{"name": "mine"}] and out["imagePullSecrets"] == [{"name": "regcred"}]
    declared = _obj("ServiceAccount", secrets=[{"name": "x-token-abcde"}])
    assert drop_server_assigned(declared, live)["secrets"][0] == {"name": "x-token-abcde"}


def test_argo_cd_instance_label_counts_only_when_git_has_it() -> None:
    live = _obj("ConfigMap")
    live["metadata"]["labels"] = {"app.kubernetes.io/instance": "tenant-acme", "team": "a"}
    assert drop_server_assigned(_obj("ConfigMap"), live)["metadata"]["labels"] == {"team": "a"}
    desired = _obj("ConfigMap")
    desired["metadata"]["labels"] = {"app.kubernetes.io/instance": "mine"}
    assert drop_server_assigned(desired, live)["metadata"]["labels"]["app.kubernetes.io/instance"] == "tenant-acme"


def test_server_assigned_fields_of_custom_resources_are_left_alone() -> None:
    live = _obj("Service", "serving.knative.dev/v1", spec={"clusterIP": "10.0.0.1"})
    assert drop_server_assigned(_obj("Service", "serving.knative.dev/v1", spec={}), live)["spec"] == {
        "clusterIP": "10.0.0.1"}


# -- canonical values ---------------------------------------------------------------------------------------

LIMITS = ("spec", "template", "spec", "containers", Key.of({"name": "web"}), "resources", "limits")


@pytest.mark.parametrize(("a", "b"), [
    ("1000m", "1"), ("1Gi", "1024Mi"), ("0.5", "500m"), ("1e3", "1k"), ("1536Mi", "1.5Gi"), (2, "2"),
    ("100M", "100000k"), ("+1", "1"),
])
def test_equal_quantities_compare_equal(a: Any, b: Any) -> None:
    assert canonical((*LIMITS, "cpu"), a) == canonical((*LIMITS, "cpu"), b)


def test_different_quantities_stay_different() -> None:
    assert canonical((*LIMITS, "memory"), "1G") != canonical((*LIMITS, "memory"), "1Gi")
    assert canonical((*LIMITS, "cpu"), "1m") != canonical((*LIMITS, "cpu"), "1")


def test_quantities_in_quotas_and_custom_resources() -> None:
    assert canonical(("spec", "hard", "pods"), 50) == canonical(("spec", "hard", "pods"), "50")
    assert canonical(("spec", "storage", "size"), "20Gi") == canonical(("spec", "storage", "size"), "20480Mi")
    assert canonical(("spec", "storage", "size"), "20Gi") == ("quantity", Decimal(20 * 2**30))


def test_values_outside_quantity_fields_are_not_reinterpreted() -> None:
    assert canonical(("data", "cpu"), "1000m") != canonical(("data", "cpu"), "1")
    assert canonical(("spec", "replicas"), 1) != canonical(("spec", "replicas"), "1")
    assert canonical(("rules", 0, "resources", 0), "pods") == "pods"
    assert canonical(("spec", "resources", "requests", "labels", "x"), "1000m") == "1000m"  # free text


@pytest.mark.parametrize(("a", "b"), [("8760h", "8760h0m0s"), ("1m", "60s"), ("1.5h", "90m"), ("1d", "24h")])
def test_equal_durations_compare_equal(a: str, b: str) -> None:
    assert canonical(("spec", "duration"), a) == canonical(("spec", "duration"), b)
    assert canonical(("spec", "endpoints", 0, "scrapeTimeout"), a) == canonical(
        ("spec", "endpoints", 0, "scrapeTimeout"), b)


def test_durations_only_in_time_span_fields() -> None:
    assert canonical(("spec", "interval"), "1m") != canonical(("spec", "interval"), "2m")
    env_value = ("spec", "containers", Key.of({"name": "a"}), "env", Key.of({"name": "T"}), "value")
    assert canonical(env_value, "1m") != canonical(env_value, "60s")
    assert canonical((*LIMITS, "cpu"), "1m") != canonical(("spec", "interval"), "1m")


def test_int_or_string_fields_accept_both_spellings() -> None:
    for path in (("spec", "ports", Key.of({"port": 80, "protocol": "TCP"}), "targetPort"),
                 ("spec", "strategy", "rollingUpdate", "maxSurge"), ("spec", "minAvailable"),
                 ("spec", "containers", Key.of({"name": "a"}), "livenessProbe", "httpGet", "port")):
        assert canonical(path, 8080) == canonical(path, "8080")
    assert canonical(("spec", "maxUnavailable"), "25%") == "25%"
    assert canonical(("spec", "targetPort"), "http") != canonical(("spec", "targetPort"), 80)


def test_booleans_are_never_numbers() -> None:
    assert canonical(("spec", "hard", "x"), True) is True
    assert canonical(("spec", "port"), True) is True


# -- emptiness ----------------------------------------------------------------------------------------------


def test_empty_values() -> None:
    assert all(is_empty(v) for v in (None, {}, [], "", {"a": None, "b": {"c": []}}))
    assert not any(is_empty(v) for v in (0, False, {"a": 0}, [None], [{}], " ", {"podSelector": {}},
                                         {"emptyDir": {}}))


def test_an_empty_object_is_a_value_for_selectors_and_scratch_volumes() -> None:
    assert empty_is_a_value(("spec", "podSelector"))
    assert empty_is_a_value(("spec", "ingress", 0, "from", 0, "namespaceSelector"))
    assert empty_is_a_value(("spec", "volumes", Key.of({"name": "tmp"}), "emptyDir"))
    assert not empty_is_a_value(("spec", "template", "spec", "securityContext"))
