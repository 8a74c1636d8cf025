"""Live state against the session's real kube-apiserver: lists, pagination, gets, unknowns, request counts.

The control plane is shared with other tests, so every test labels its objects with an environment of its
own (the selector only sees those) and puts them in namespaces of its own; the admin creates them, fetch runs
with the read-only user (or a more restricted one), and what was created is deleted again.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID
from kubernetes import client

from checks.cluster import kubeconfig, pki, ports
from checks.cluster.state import State
from checks.drift.desired import ENVIRONMENT, MANAGED_BY, TENANT, selector
from checks.drift.discovery import GroupKind, ResourceType, discover
from checks.drift.kubeapi import ClusterUnreachable, Requester
from checks.drift.live import NOT_SERVED, LiveState, fetch
from checks.drift.model import ObjectRef


class Kube:
    """Creates labelled test objects as the admin, remembers them, and deletes them again."""

    def __init__(self, admin_api: client.ApiClient) -> None:
        self.requester = Requester(admin_api)
        self.served = discover(self.requester)
        self.env = f"t{uuid.uuid4().hex[:10]}"
        self.selector = selector(self.env)
        self.created: list[dict[str, Any]] = []

    def labels(self) -> dict[str, str]:
        return {MANAGED_BY: "platformctl", ENVIRONMENT: self.env, TENANT: "acme"}

    def rtype(self, obj: dict[str, Any]) -> ResourceType:
        ref = ObjectRef.of(obj)
        rtype = self.served.lookup(GroupKind(ref.group, ref.kind))
        assert rtype is not None, ref
        return rtype

    def create(self, obj: dict[str, Any]) -> dict[str, Any]:
        path = self.rtype(obj).collection_path(obj["metadata"].get("namespace", ""), obj["apiVersion"].split("/")[-1])
        response = self.requester.request("POST", path, content_type="application/json", body=obj)
        assert response.ok, response.describe()
        self.created.append(obj)
        return response.json()

    def create_all(self, objects: list[dict[str, Any]]) -> None:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(self.create, objects))

    def namespace(self, labelled: bool = True) -> str:
        name = f"drift-{uuid.uuid4().hex[:10]}"
        self.create(obj("v1", "Namespace", name, labels=self.labels() if labelled else {}))
        return name

    def cleanup(self) -> None:
        """Delete namespaced objects per type and namespace, then the namespaces (finalized by hand: there is no
        namespace controller), then other cluster-scoped objects."""
        collections, cluster_scoped, namespaces = set(), [], []
        for item in self.created:
            rtype, meta = self.rtype(item), item["metadata"]
            if rtype.namespaced:
                collections.add(rtype.collection_path(meta["namespace"]))
            elif item["kind"] == "Namespace":
                namespaces.append(meta["name"])
            else:
                cluster_scoped.append(rtype.object_path("", meta["name"]))
        for path in sorted(collections) + cluster_scoped:
            self.requester.request("DELETE", path)
        for name in namespaces:
            self.requester.request("DELETE", f"/api/v1/namespaces/{name}")
            body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}, "spec": {"finalizers": []}}
            self.requester.request("PUT", f"/api/v1/namespaces/{name}/finalize", content_type="application/json",
                                   body=body)


def obj(api_version: str, kind: str, name: str, namespace: str = "", *, labels: dict[str, str] | None = None,
        **fields: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "labels": labels or {}}
    if namespace:
        meta["namespace"] = namespace
    return {"apiVersion": api_version, "kind": kind, "metadata": meta, **fields}


def configmap(kube: Kube, namespace: str, name: str, labelled: bool = True) -> dict[str, Any]:
    return obj("v1", "ConfigMap", name, namespace, labels=kube.labels() if labelled else {}, data={"k": name})


@pytest.fixture
def kube(admin_api: client.ApiClient) -> Iterator[Kube]:
    helper = Kube(admin_api)
    yield helper
    helper.cleanup()


def refs(objects: list[dict[str, Any]]) -> set[ObjectRef]:
    return {ObjectRef.of(o) for o in objects}


def configmaps(state: LiveState) -> ResourceType:
    return next(t for t in state.pages if t.plural == "configmaps" and t.group == "")


def test_labelled_objects_of_every_kind_come_back_complete(kube: Kube, readonly_api: client.ApiClient) -> None:
    ns = kube.namespace()
    labels = kube.labels()
    desired = [
        obj("v1", "Namespace", ns, labels=labels),
        configmap(kube, ns, "settings"),
        obj("v1", "Service", "web", ns, labels=labels,
            spec={"clusterIP": "None", "ports": [{"port": 80}], "selector": {"app": "web"}}),
        obj("networking.k8s.io/v1", "NetworkPolicy", "default-deny", ns, labels=labels,
            spec={"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
        obj("postgresql.cnpg.io/v1", "Cluster", "shopdb", ns, labels=labels,
            spec={"instances": 1, "storage": {"size": "1Gi"}}),
    ]
    kube.create_all(desired[1:])
    state = fetch(readonly_api, desired, selector=kube.selector)
    assert set(state.objects) == refs(desired)
    assert not state.unknown
    assert not state.unknown_types
    for want in desired:
        live = state.objects[ObjectRef.of(want)]
        assert (live["apiVersion"], live["kind"]) == (want["apiVersion"], want["kind"])
        assert labels.items() <= live["metadata"]["labels"].items()  # Namespaces also get kubernetes.io/metadata.name
        assert live["metadata"]["uid"]
    cluster = state.objects[ObjectRef("postgresql.cnpg.io", "Cluster", ns, "shopdb")]
    assert cluster["spec"]["logLevel"] == "info"  # a CRD schema default: raw JSON keeps every field
    assert state.served is not None and state.served.lookup(GroupKind("", "Secret")) is not None


def test_pagination_fetches_every_page(kube: Kube, readonly_api: client.ApiClient) -> None:
    ns = kube.namespace()
    desired = [configmap(kube, ns, f"cm-{i:03d}") for i in range(120)]
    kube.create_all(desired)
    state = fetch(readonly_api, desired, selector=kube.selector, page_size=50)
    assert state.pages[configmaps(state)] == 3
    assert refs(desired) <= set(state.objects)
    assert len(state.objects) == 121  # the 120 and their namespace
    # no GETs: every request was discovery (2, aggregated) or a page
    assert state.requests == 2 + sum(state.pages.values())


def test_requests_grow_with_types_not_objects(kube: Kube, readonly_api: client.ApiClient) -> None:
    ns = kube.namespace()
    first = [configmap(kube, ns, f"cm-{i:03d}") for i in range(10)]
    kube.create_all(first)
    small = fetch(readonly_api, first, selector=kube.selector)
    more = first + [configmap(kube, ns, f"cm-{i:03d}") for i in range(10, 200)]
    kube.create_all(more[10:])
    large = fetch(readonly_api, more, selector=kube.selector)
    assert len(large.objects) == len(small.objects) + 190
    assert small.pages[configmaps(small)] == large.pages[configmaps(large)] == 1
    assert small.requests == large.requests == 2 + len(large.pages)  # discovery + one list per type
    assert set(large.pages) == set(small.pages)
    assert len(large.pages) > 30  # every served listable type, built-in and CRD


def test_stripped_labels_missing_extra_and_not_served(kube: Kube, readonly_api: client.ApiClient) -> None:
    ns = kube.namespace()
    stripped = configmap(kube, ns, "stripped", labelled=False)
    extra = configmap(kube, ns, "extra")
    kube.create_all([stripped, extra])
    missing = configmap(kube, ns, "missing")
    nope = obj("example.com/v1", "Nope", "x", labels=kube.labels())
    desired = [obj("v1", "Namespace", ns, labels=kube.labels()), configmap(kube, ns, "stripped"), missing, nope]
    state = fetch(readonly_api, desired, selector=kube.selector)

    found = state.objects[ObjectRef.of(stripped)]  # by GET: the lists could not see it
    assert found["metadata"].get("labels") in (None, {})
    assert found["apiVersion"] == "v1" and found["kind"] == "ConfigMap"
    assert ObjectRef.of(extra) in state.objects  # not desired, but ours: the checker reports it as extra
    assert ObjectRef.of(missing) not in state.objects
    assert ObjectRef.of(missing) not in state.unknown  # 404: simply missing
    assert state.unknown == {ObjectRef.of(nope): NOT_SERVED}
    assert state.unknown_types == {GroupKind("example.com", "Nope"): NOT_SERVED}
    assert state.requests == 2 + len(state.pages) + 2  # two GETs: stripped and missing


@pytest.fixture
def no_secrets_api(control_plane: State, admin_api: client.ApiClient, tmp_path: Path) -> Iterator[client.ApiClient]:
    """A user who can get/list/watch every type except Secrets (RBAC only adds: list the others by name)."""
    user = f"drift-nosecrets-{uuid.uuid4().hex[:6]}"
    keys = pki.Pki(Path(control_plane.directory) / "pki")
    ca_key = serialization.load_pem_private_key(keys.ca.key.read_bytes(), password=None)
    ca_name = x509.load_pem_x509_certificate(keys.ca.cert.read_bytes()).subject
    pair = pki.Pair(tmp_path / "user.crt", tmp_path / "user.key")
    pki._issue(pair, pki._name(user), ca_key, ca_name, usages=[ExtendedKeyUsageOID.CLIENT_AUTH])
    path = kubeconfig.write(tmp_path / "user.kubeconfig", control_plane.server, keys.ca.cert, user, pair)

    served = discover(Requester(admin_api))
    core = sorted({t.plural for t in served.types if t.group == "" and t.plural != "secrets"})
    groups = sorted({t.group for t in served.types if t.group})
    verbs = ["get", "list", "watch"]
    rbac = client.RbacAuthorizationV1Api(admin_api)
    rbac.create_cluster_role(client.V1ClusterRole(metadata=client.V1ObjectMeta(name=user), rules=[
        client.V1PolicyRule(api_groups=[""], resources=core, verbs=verbs),
        client.V1PolicyRule(api_groups=groups, resources=["*"], verbs=verbs)]))
    rbac.create_cluster_role_binding(client.V1ClusterRoleBinding(
        metadata=client.V1ObjectMeta(name=user),
        role_ref=client.V1RoleRef(api_group="rbac.authorization.k8s.io", kind="ClusterRole", name=user),
        subjects=[client.RbacV1Subject(api_group="rbac.authorization.k8s.io", kind="User", name=user)]))
    api = kubeconfig.api_client(path)
    deadline = time.monotonic() + 10
    while not Requester(api).request("GET", "/api/v1/configmaps", query=[("limit", "1")]).ok:
        assert time.monotonic() < deadline, "the binding never took effect"
        time.sleep(0.1)
    yield api
    api.close()
    rbac.delete_cluster_role_binding(user)
    rbac.delete_cluster_role(user)


def test_a_forbidden_type_is_unknown_not_in_sync(kube: Kube, no_secrets_api: client.ApiClient) -> None:
    ns = kube.namespace()
    secret = obj("v1", "Secret", "db-credentials", ns, labels=kube.labels(), stringData={"password": "x"})
    settings = configmap(kube, ns, "settings")
    kube.create_all([secret, settings])
    state = fetch(no_secrets_api, [secret, settings], selector=kube.selector)
    assert ObjectRef.of(settings) in state.objects
    assert ObjectRef.of(secret) not in state.objects
    reason = state.unknown[ObjectRef.of(secret)]
    assert "forbidden" in reason and "secrets" in reason
    assert "forbidden" in state.unknown_types[GroupKind("", "Secret")]
    assert set(state.unknown) == {ObjectRef.of(secret)}


@pytest.fixture
def broken_crd(kube: Kube) -> Iterator[ResourceType]:
    """A CRD whose preferred version (v2) needs a conversion webhook nobody serves: listing it is an HTTP 500."""
    group = f"{kube.env}.example.com"
    schema = {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": f"widgets.{group}"},
           "spec": {"group": group, "scope": "Namespaced",
                    "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
                    "versions": [{"name": "v1", "served": True, "storage": True, "schema": schema},
                                 {"name": "v2", "served": True, "storage": False, "schema": schema}],
                    "conversion": {"strategy": "Webhook", "webhook": {
                        "conversionReviewVersions": ["v1"],
                        "clientConfig": {"url": f"https://127.0.0.1:{ports.free_ports(1)[0]}/convert"}}}}}
    kube.create(crd)
    deadline = time.monotonic() + 10
    while True:
        served = discover(kube.requester).lookup(GroupKind(group, "Widget"))
        if served is not None and served.version == "v2":
            break
        assert time.monotonic() < deadline, "the CRD was never served"
        time.sleep(0.1)
    kube.served = discover(kube.requester)
    yield served
    # without the webhook, deleting the CRD (and with it its objects) is quick; then nothing of it is left
    kube.created = [o for o in kube.created if o["kind"] not in ("Widget", "CustomResourceDefinition")]
    path = f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.{group}"
    kube.requester.request("PATCH", path, content_type="application/merge-patch+json",
                           body={"spec": {"conversion": {"strategy": "None", "webhook": None}}})
    kube.requester.request("DELETE", path)
    deadline = time.monotonic() + 10
    while kube.requester.request("GET", path).status != 404 and time.monotonic() < deadline:
        time.sleep(0.1)


def test_a_failing_type_makes_its_objects_unknown(kube: Kube, broken_crd: ResourceType,
                                                   readonly_api: client.ApiClient) -> None:
    ns = kube.namespace()
    widget = obj(f"{broken_crd.group}/v1", "Widget", "w", ns, labels=kube.labels(), spec={"size": 1})
    settings = configmap(kube, ns, "settings")
    kube.create_all([widget, settings])
    state = fetch(readonly_api, [widget, settings], selector=kube.selector)
    reason = state.unknown[ObjectRef.of(widget)]
    assert "HTTP 500" in reason and "widgets" in reason
    assert state.unknown_types[broken_crd.group_kind] == reason
    assert ObjectRef.of(widget) not in state.objects
    assert ObjectRef.of(settings) in state.objects  # one failing type does not stop the others


def test_progress_reports_lists_then_gets(kube: Kube, readonly_api: client.ApiClient) -> None:
    ns = kube.namespace()
    calls: list[tuple[str, int, int]] = []
    desired = [configmap(kube, ns, "a"), configmap(kube, ns, "b")]
    state = fetch(readonly_api, desired, selector=kube.selector, workers=2, progress=lambda *c: calls.append(c))
    lists = [c for c in calls if c[0] == "list"]
    assert [c[1] for c in lists] == list(range(1, len(state.pages) + 1))
    assert [c for c in calls if c[0] == "get"] == [("get", 1, 2), ("get", 2, 2)]
    assert calls.index(lists[-1]) < calls.index(("get", 1, 2))


def test_the_connection_pool_holds_every_worker(control_plane: State) -> None:
    api = kubeconfig.api_client(Path(control_plane.readonly_kubeconfig))
    try:
        fetch(api, [], selector=f"{ENVIRONMENT}=none", workers=24)
        assert api.rest_client.pool_manager.connection_pool_kw["maxsize"] >= 24
    finally:
        api.close()


def test_an_unreachable_cluster_raises_one_clear_error(control_plane: State) -> None:
    api = kubeconfig.api_client(Path(control_plane.readonly_kubeconfig))
    api.configuration.host = f"https://127.0.0.1:{ports.free_ports(1)[0]}"
    try:
        with pytest.raises(ClusterUnreachable, match="cannot connect"):
            fetch(api, [configmap_like()], selector=f"{ENVIRONMENT}=none")
    finally:
        api.close()


def configmap_like() -> dict[str, Any]:
    return obj("v1", "ConfigMap", "x", "default")


def test_an_unavailable_api_group_makes_its_objects_unknown(kube: Kube, unavailable_group: str,
                                                            readonly_api: client.ApiClient) -> None:
    ns = kube.namespace()
    metric = obj(f"{unavailable_group}/v1", "Metric", "m", ns, labels=kube.labels())
    state = fetch(readonly_api, [metric, obj("v1", "Namespace", ns, labels=kube.labels())], selector=kube.selector)
    reason = state.unknown[ObjectRef.of(metric)]
    assert reason.startswith(f"API group {unavailable_group}: ") and "unavailable" in reason
    assert state.unknown_types[GroupKind(unavailable_group, "Metric")] == reason
    assert state.served is not None and unavailable_group in state.served.failed_groups
    assert set(state.objects) == {ObjectRef("", "Namespace", "", ns)}
