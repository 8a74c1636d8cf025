"""Discovery against the session's real kube-apiserver: aggregated and classic agree; failing groups recorded."""

from __future__ import annotations

import pytest
from kubernetes import client

from checks.drift.discovery import Discovery, GroupKind, ResourceType, discover
from checks.drift.kubeapi import Requester


def by_kind(served: Discovery) -> dict[GroupKind, ResourceType]:
    return {t.group_kind: t for t in served.types}


def test_aggregated_discovery_takes_two_requests_and_agrees_with_the_classic_walk(
        readonly_api: client.ApiClient) -> None:
    fast, slow = Requester(readonly_api), Requester(readonly_api)
    aggregated, classic = discover(fast), discover(slow, aggregated=False)
    assert fast.count == 2
    groups = {t.group for t in classic.types if t.group}
    assert slow.count == 2 + len(groups)  # /api/v1, /apis, then one per group
    assert set(aggregated.types) == set(classic.types)
    assert not aggregated.failed_groups and not classic.failed_groups


def test_types_carry_kind_version_plural_scope(readonly_api: client.ApiClient) -> None:
    served = by_kind(discover(Requester(readonly_api)))
    pods, nodes = served[GroupKind("", "Pod")], served[GroupKind("", "Node")]
    assert (pods.plural, pods.version, pods.namespaced, pods.api_version) == ("pods", "v1", True, "v1")
    assert (nodes.plural, nodes.namespaced) == ("nodes", False)
    assert served[GroupKind("autoscaling", "HorizontalPodAutoscaler")].version == "v2"  # preferred, not v1
    cnpg = served[GroupKind("postgresql.cnpg.io", "Cluster")]
    assert (cnpg.plural, cnpg.api_version, cnpg.namespaced) == ("clusters", "postgresql.cnpg.io/v1", True)
    assert served[GroupKind("", "Namespace")].namespaced is False


def test_subresources_and_unlistable_types_are_left_out(readonly_api: client.ApiClient) -> None:
    served = discover(Requester(readonly_api))
    assert all("/" not in t.plural for t in served.types)  # pods/status, deployments/scale ...
    listable = {str(t) for t in served.listable()}
    assert {"configmaps", "secrets", "namespaces", "deployments.apps", "clusters.postgresql.cnpg.io"} <= listable
    assert "bindings" not in listable  # create only
    assert "tokenreviews.authentication.k8s.io" not in listable
    assert "componentstatuses" not in listable  # virtual: health probes, not objects
    assert all(t.listable for t in served.listable())


@pytest.mark.parametrize("aggregated", [True, False], ids=["aggregated", "classic"])
def test_an_unavailable_group_is_recorded_not_fatal(unavailable_group: str, readonly_api: client.ApiClient,
                                                    aggregated: bool) -> None:
    served = discover(Requester(readonly_api), aggregated=aggregated)
    assert "unavailable" in served.failed_groups[unavailable_group] or "503" in served.failed_groups[unavailable_group]
    assert not any(t.group == unavailable_group for t in served.types)
    assert served.lookup(GroupKind("", "ConfigMap")) is not None


def test_paths() -> None:
    secret = ResourceType("", "v1", "Secret", "secrets", True)
    cnpg = ResourceType("postgresql.cnpg.io", "v1", "Cluster", "clusters", True)
    crd = ResourceType("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", False)
    assert secret.collection_path() == "/api/v1/secrets"
    assert secret.object_path("acme-shop", "db") == "/api/v1/namespaces/acme-shop/secrets/db"
    assert cnpg.object_path("acme-data", "shopdb") == "/apis/postgresql.cnpg.io/v1/namespaces/acme-data/clusters/shopdb"
    assert cnpg.collection_path(version="v2") == "/apis/postgresql.cnpg.io/v2/clusters"
    assert crd.object_path("ignored", "a.b") == "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/a.b"
    assert secret.object_path("ns", "a/b c") == "/api/v1/namespaces/ns/secrets/a%2Fb%20c"
    assert (str(secret), str(cnpg)) == ("secrets", "clusters.postgresql.cnpg.io")
    assert (str(GroupKind("", "Secret")), str(cnpg.group_kind)) == ("Secret", "Cluster.postgresql.cnpg.io")
