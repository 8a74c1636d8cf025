"""Server-side apply dry runs against the session's real kube-apiserver: defaults come back, nothing is written."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from kubernetes import client

from checks.drift.apply import DryRunError, dry_run_apply
from checks.drift.discovery import discover
from checks.drift.kubeapi import Requester

MANAGER = "platformctl"


def service(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": "default", "labels": {"app.kubernetes.io/managed-by": MANAGER}},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}}


def test_a_service_comes_back_defaulted_and_nothing_is_stored(admin_api: client.ApiClient) -> None:
    name = f"web-{uuid.uuid4().hex[:8]}"
    would_be = dry_run_apply(admin_api, service(name), field_manager=MANAGER)
    spec = would_be["spec"]
    assert spec["clusterIP"] and spec["sessionAffinity"] == "None" and spec["type"] == "ClusterIP"
    assert spec["ports"] == [{"protocol": "TCP", "port": 80, "targetPort": 8080}]
    assert [m["manager"] for m in would_be["metadata"]["managedFields"]] == [MANAGER]
    assert Requester(admin_api).request("GET", f"/api/v1/namespaces/default/services/{name}").status == 404


def test_crd_schema_defaults_come_back(admin_api: client.ApiClient) -> None:
    name = f"db-{uuid.uuid4().hex[:8]}"
    cluster = {"apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster",
               "metadata": {"name": name, "namespace": "default"},
               "spec": {"instances": 1, "storage": {"size": "1Gi"}}}
    served = discover(Requester(admin_api))
    would_be = dry_run_apply(admin_api, cluster, field_manager=MANAGER, served=served)
    assert would_be["spec"]["logLevel"] == "info" and would_be["spec"]["primaryUpdateStrategy"] == "unsupervised"
    path = f"/apis/postgresql.cnpg.io/v1/namespaces/default/clusters/{name}"
    assert Requester(admin_api).request("GET", path).status == 404


def test_the_read_only_user_cannot_dry_run(readonly_api: client.ApiClient) -> None:
    refused = r'forbidden: .*User "platformctl-readonly" cannot patch resource "services"'
    with pytest.raises(DryRunError, match=refused) as caught:
        dry_run_apply(readonly_api, service("web"), field_manager=MANAGER)
    assert caught.value.status == 403


def test_refusals_are_dry_run_errors(admin_api: client.ApiClient) -> None:
    missing_ns = service("web")
    missing_ns["metadata"]["namespace"] = f"nowhere-{uuid.uuid4().hex[:8]}"
    with pytest.raises(DryRunError, match="not found") as caught:
        dry_run_apply(admin_api, missing_ns, field_manager=MANAGER)
    assert caught.value.status == 404
    invalid = service("web")
    invalid["spec"]["ports"][0]["port"] = 70000
    with pytest.raises(DryRunError) as caught:
        dry_run_apply(admin_api, invalid, field_manager=MANAGER)
    assert caught.value.status == 422
    with pytest.raises(DryRunError, match="kind not served by the cluster"):
        dry_run_apply(admin_api, {"apiVersion": "example.com/v1", "kind": "Nope", "metadata": {"name": "x"}},
                      field_manager=MANAGER)
