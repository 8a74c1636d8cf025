"""The session's control plane: CRDs served, admin can write, read-only can only read, loopback only."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from checks.cluster import crds
from checks.cluster.lifecycle import up
from checks.cluster.state import State
from tests.cluster.listening import listening

CNPG = {"group": "postgresql.cnpg.io", "version": "v1", "plural": "clusters"}


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _namespace(api: client.ApiClient, name: str) -> None:
    client.CoreV1Api(api).create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))


def _cnpg_cluster(name: str) -> dict[str, Any]:
    return {"apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster", "metadata": {"name": name},
            "spec": {"instances": 1, "imageName": "ghcr.io/cloudnative-pg/postgresql:16.4",
                     "storage": {"size": "1Gi"}}}


def test_every_crd_of_the_project_is_established(control_plane: State, admin_api: client.ApiClient) -> None:
    expected = {doc["metadata"]["name"] for doc in crds.load()}
    assert set(control_plane.crds) == expected
    assert {"clusters.postgresql.cnpg.io", "applications.argoproj.io", "kuberoapps.application.kubero.dev",
            "kuberopipelines.application.kubero.dev", "externalsecrets.external-secrets.io"} <= expected
    served = crds.established(admin_api)
    assert {name: served.get(name) for name in expected} == dict.fromkeys(expected, True)


def test_admin_creates_a_namespace_and_a_cnpg_cluster(admin_api: client.ApiClient) -> None:
    namespace = _name("acme-shop")
    _namespace(admin_api, namespace)
    objects = client.CustomObjectsApi(admin_api)
    objects.create_namespaced_custom_object(**CNPG, namespace=namespace, body=_cnpg_cluster("shopdb"))
    stored = objects.get_namespaced_custom_object(**CNPG, namespace=namespace, name="shopdb")
    assert stored["spec"]["instances"] == 1
    assert stored["metadata"]["uid"]


def test_the_crd_schema_is_enforced(admin_api: client.ApiClient) -> None:
    """A real API server, not a stub: the CNPG CRD's validation rejects what the operator would."""
    namespace = _name("acme-bad")
    _namespace(admin_api, namespace)
    body = _cnpg_cluster("bad")
    body["spec"]["instances"] = "two"
    with pytest.raises(ApiException) as rejected:
        client.CustomObjectsApi(admin_api).create_namespaced_custom_object(**CNPG, namespace=namespace, body=body)
    assert rejected.value.status == 422
    assert "spec.instances" in rejected.value.body


def test_kubero_kinds_accept_any_spec(admin_api: client.ApiClient) -> None:
    namespace = _name("acme-kubero")
    _namespace(admin_api, namespace)
    app = {"apiVersion": "application.kubero.dev/v1alpha1", "kind": "KuberoApp", "metadata": {"name": "shop"},
           "spec": {"pipeline": "acme", "phase": "production", "anything": {"nested": [1, 2]}}}
    created = client.CustomObjectsApi(admin_api).create_namespaced_custom_object(
        "application.kubero.dev", "v1alpha1", namespace, "kuberoapps", app)
    assert created["spec"]["anything"] == {"nested": [1, 2]}


def test_read_only_user_lists_but_cannot_write(admin_api: client.ApiClient, readonly_api: client.ApiClient) -> None:
    namespace = _name("acme-ro")
    _namespace(admin_api, namespace)
    client.CustomObjectsApi(admin_api).create_namespaced_custom_object(**CNPG, namespace=namespace,
                                                                       body=_cnpg_cluster("db"))
    core, objects = client.CoreV1Api(readonly_api), client.CustomObjectsApi(readonly_api)
    assert namespace in {ns.metadata.name for ns in core.list_namespace().items}
    listed = objects.list_namespaced_custom_object(**CNPG, namespace=namespace)
    assert [item["metadata"]["name"] for item in listed["items"]] == ["db"]
    assert core.list_secret_for_all_namespaces().items is not None
    writes = [
        lambda: core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=_name("ro")))),
        lambda: objects.create_namespaced_custom_object(**CNPG, namespace=namespace, body=_cnpg_cluster("db2")),
        lambda: objects.delete_namespaced_custom_object(**CNPG, namespace=namespace, name="db"),
        lambda: core.patch_namespace(namespace, {"metadata": {"labels": {"x": "y"}}}),
    ]
    for write in writes:
        with pytest.raises(ApiException) as denied:
            write()
        assert denied.value.status == 403
        assert "platformctl-readonly" in json.loads(denied.value.body)["message"]


def test_apiserver_reports_the_pinned_version(admin_api: client.ApiClient) -> None:
    info = client.VersionApi(admin_api).get_code()
    assert (info.git_version, info.major, info.minor) == ("v1.33.4", "1", "33")


def test_service_account_tokens_are_signed(admin_api: client.ApiClient) -> None:
    """The signing key flags work: the API issues a token for a service account."""
    namespace = _name("acme-sa")
    _namespace(admin_api, namespace)
    core = client.CoreV1Api(admin_api)
    core.create_namespaced_service_account(namespace, client.V1ServiceAccount(metadata=client.V1ObjectMeta(name="app")))
    token = core.create_namespaced_service_account_token(
        "app", namespace, client.AuthenticationV1TokenRequest(spec=client.V1TokenRequestSpec(audiences=[])))
    assert token.status.token.count(".") == 2  # a JWT


def test_servers_listen_on_loopback_only(control_plane: State) -> None:
    assert control_plane.etcd and control_plane.apiserver
    etcd = listening(control_plane.etcd.pid)
    apiserver = listening(control_plane.apiserver.pid)
    assert etcd == {("127.0.0.1", control_plane.etcd_client_port), ("127.0.0.1", control_plane.etcd_peer_port)}
    assert apiserver == {("127.0.0.1", control_plane.apiserver_port)}


def test_up_again_reports_the_running_control_plane(control_plane: State) -> None:
    again = up(Path(control_plane.directory))
    assert again.already_running
    assert again.state.apiserver == control_plane.apiserver and again.state.etcd == control_plane.etcd
