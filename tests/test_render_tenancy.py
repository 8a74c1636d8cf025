"""generator.render.tenancy: the guardrails of every tenant namespace."""

from __future__ import annotations

from decimal import Decimal

import pytest

from generator import accounting, naming
from generator.loader import load
from generator.model.types import quantity_value
from generator.overlay import effective_tenant
from generator.render import tenancy
from generator.render.meta import Obj
from tests.support import REPO

BP = load(REPO)
PLATFORM = BP.platform


def _objects(tenant: str, env: str) -> list[Obj]:
    environment = BP.environments[env]
    return tenancy.render(PLATFORM, environment, effective_tenant(BP.tenants[tenant], environment, PLATFORM))


def _by_kind(objects: list[Obj], kind: str) -> list[Obj]:
    return [o for o in objects if o["kind"] == kind]


def test_namespaces_per_app_sandbox_and_shared_data() -> None:
    local = {o["metadata"]["name"] for o in _by_kind(_objects("acme", "local"), "Namespace")}
    # storefront runs on Kubero, in <tenant>-<environment>; the database is shared mode's acme-data
    assert local == {"acme-shop", "acme-local", "acme-sbx-alice", "acme-sbx-bob", "acme-data"}
    prod = {o["metadata"]["name"] for o in _by_kind(_objects("acme", "prod"), "Namespace")}
    assert prod == {"acme-shop", "acme-prod", "acme-sbx-alice", "acme-sbx-bob"}  # dedicated: db in acme-shop
    globex_prod = {o["metadata"]["name"] for o in _by_kind(_objects("globex", "prod"), "Namespace")}
    assert "globex-data" in globex_prod  # core is used by two apps


def test_namespace_carries_restricted_pod_security_and_ownership_labels() -> None:
    namespaces = _by_kind(_objects("acme", "staging"), "Namespace")
    ns = next(o for o in namespaces if o["metadata"]["name"] == "acme-shop")
    labels = ns["metadata"]["labels"]
    for mode in ("enforce", "audit", "warn"):
        assert labels[f"pod-security.kubernetes.io/{mode}"] == "restricted"
        assert labels[f"pod-security.kubernetes.io/{mode}-version"] == "v1.33"
    assert labels["platformctl.dev/tenant"] == "acme"
    assert labels["platformctl.dev/component"] == "tenancy"
    assert labels["platformctl.dev/environment"] == "staging"
    assert labels["app.kubernetes.io/managed-by"] == "platformctl"
    assert labels[tenancy.ROLE_LABEL] == "app"


def test_kubero_namespace_can_be_adopted_by_the_pipelines_helm_release() -> None:
    """Kubero's pipeline chart creates <tenant>-<env> with Helm: without Helm's ownership metadata the
    release would fail if Argo CD came first; with it, Helm adopts the Namespace and leaves our labels."""
    namespaces = {o["metadata"]["name"]: o["metadata"] for o in _by_kind(_objects("acme", "prod"), "Namespace")}
    kubero_ns = namespaces["acme-prod"]
    assert kubero_ns["labels"]["app.kubernetes.io/managed-by"] == "Helm"
    assert kubero_ns["annotations"] == {"meta.helm.sh/release-name": "acme",
                                        "meta.helm.sh/release-namespace": PLATFORM.namespace_of("kubero", "?")}
    assert kubero_ns["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert kubero_ns["labels"]["platformctl.dev/environment"] == "prod"  # drift still finds it by environment
    others = [m for name, m in namespaces.items() if name != "acme-prod"]
    assert others and all("annotations" not in m for m in others)
    assert all(m["labels"]["app.kubernetes.io/managed-by"] == "platformctl" for m in others)


def test_every_namespace_gets_the_full_set_of_guardrails() -> None:
    objects = _objects("globex", "local")
    namespaces = [o["metadata"]["name"] for o in _by_kind(objects, "Namespace")]
    base = {
        ("ResourceQuota", "tenant-quota"), ("LimitRange", "tenant-limits"),
        ("NetworkPolicy", "default-deny"), ("NetworkPolicy", "allow-dns"),
        ("NetworkPolicy", "allow-same-namespace"), ("NetworkPolicy", "allow-ingress-controller"),
        ("NetworkPolicy", "allow-monitoring"),
    }
    for ns in namespaces:
        inside = {(o["kind"], o["metadata"]["name"]) for o in objects if o["metadata"].get("namespace") == ns}
        access = {("RoleBinding", "sandbox-user")} if "-sbx-" in ns else \
            {("RoleBinding", "tenant-owners"), ("RoleBinding", "tenant-members")}
        assert inside == base | access, ns


def test_a_sandbox_is_bound_to_its_user_only() -> None:
    """Teammates, owners included, get nothing in someone's sandbox: no exec, no reading its Secrets."""
    objects = _objects("acme", "staging")
    bindings = {(o["metadata"]["namespace"], o["metadata"]["name"]): o for o in _by_kind(objects, "RoleBinding")}
    alice = bindings[("acme-sbx-alice", "sandbox-user")]
    user = {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "oidc:alice@acme.io"}
    assert alice["subjects"] == [user]
    assert alice["roleRef"]["name"] == "edit"
    assert [name for ns, name in bindings if ns == "acme-sbx-bob"] == ["sandbox-user"]
    assert {name for ns, name in bindings if ns == "acme-shop"} == {"tenant-owners", "tenant-members"}


@pytest.mark.parametrize(("tenant", "env"), [("acme", "local"), ("acme", "staging"), ("acme", "prod"),
                                             ("globex", "staging"), ("initech", "local")])
def test_each_namespace_gets_its_need_plus_an_even_share_of_the_rest(tenant: str, env: str) -> None:
    environment = BP.environments[env]
    effective = effective_tenant(BP.tenants[tenant], environment, PLATFORM)
    need = accounting.namespace_usage(effective, environment)
    hard = {o["metadata"]["namespace"]: o["spec"]["hard"] for o in _by_kind(_objects(tenant, env), "ResourceQuota")}
    assert hard.keys() == need.keys()
    quota = effective.spec.quota
    spares = {"cpu": set(), "memory": set()}
    for ns, used in need.items():
        cpu, memory = quantity_value(hard[ns]["requests.cpu"]), quantity_value(hard[ns]["requests.memory"])
        assert cpu >= used.cpu and memory >= used.memory, ns
        assert quantity_value(hard[ns]["requests.storage"]) >= used.storage and int(hard[ns]["pods"]) >= used.pods
        assert hard[ns]["limits.memory"] == hard[ns]["requests.memory"]
        spares["cpu"].add(cpu - used.cpu)
        spares["memory"].add(memory - used.memory)
    assert max(spares["cpu"]) - min(spares["cpu"]) <= Decimal("0.001")  # even, up to rounding down to 1m
    assert max(spares["memory"]) - min(spares["memory"]) <= 1024 * 1024
    assert sum(quantity_value(h["requests.cpu"]) for h in hard.values()) <= quantity_value(quota.cpu)
    assert sum(quantity_value(h["requests.memory"]) for h in hard.values()) <= quantity_value(quota.memory)
    assert sum(quantity_value(h["requests.storage"]) for h in hard.values()) <= quantity_value(quota.storage)


def test_a_database_namespace_gets_room_for_its_instances() -> None:
    """acme in staging: shopdb (2 instances x 20Gi, a 2-instance pooler) lives in acme-shop with the app."""
    quotas = _by_kind(_objects("acme", "staging"), "ResourceQuota")
    storage = {o["metadata"]["namespace"]: quantity_value(o["spec"]["hard"]["requests.storage"]) for o in quotas}
    assert storage["acme-shop"] >= 40 * 1024**3
    assert storage["acme-shop"] > storage["acme-sbx-bob"]


def test_limit_range_defaults_fit_inside_the_namespace_quota() -> None:
    objects = _objects("initech", "local")
    hard = {o["metadata"]["namespace"]: o["spec"]["hard"] for o in _by_kind(objects, "ResourceQuota")}
    for limit_range in _by_kind(objects, "LimitRange"):
        ns = limit_range["metadata"]["namespace"]
        container = next(i for i in limit_range["spec"]["limits"] if i["type"] == "Container")
        assert container["max"] == {"memory": hard[ns]["requests.memory"]}
        assert container["defaultRequest"] == {"cpu": "100m", "memory": "128Mi"}
        assert container["default"] == {"memory": "256Mi"}
        pvc = next(i for i in limit_range["spec"]["limits"] if i["type"] == "PersistentVolumeClaim")
        assert pvc["max"] == {"storage": hard[ns]["requests.storage"]}


def test_network_policies_deny_by_default_and_allow_only_the_basics() -> None:
    objects = {o["metadata"]["name"]: o["spec"] for o in _by_kind(_objects("acme", "local"), "NetworkPolicy")
               if o["metadata"]["namespace"] == "acme-shop"}
    assert objects["default-deny"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    dns = objects["allow-dns"]["egress"][0]
    assert dns["to"][0]["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "kube-system"}
    assert {(p["protocol"], p["port"]) for p in dns["ports"]} == {("UDP", 53), ("TCP", 53)}
    same = objects["allow-same-namespace"]
    assert same["ingress"] == [{"from": [{"podSelector": {}}]}] and same["egress"] == [{"to": [{"podSelector": {}}]}]
    ingress = objects["allow-ingress-controller"]["ingress"][0]["from"][0]
    assert ingress["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] == "ingress-nginx"
    monitoring = objects["allow-monitoring"]["ingress"][0]["from"][0]
    assert monitoring["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] == "monitoring"


def test_role_bindings_map_sso_groups_to_admin_and_edit() -> None:
    bindings = {o["metadata"]["name"]: o for o in _by_kind(_objects("acme", "local"), "RoleBinding")
                if o["metadata"]["namespace"] == "acme-shop"}
    owners, members = bindings["tenant-owners"], bindings["tenant-members"]
    assert owners["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "admin"}
    assert members["roleRef"]["name"] == "edit"
    # Casdoor's groups claim is "<organization>/<group>"; the API server adds its OIDC groups prefix.
    assert owners["subjects"] == [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group",
                                   "name": "oidc:platform/acme-owners"}]
    assert members["subjects"][0]["name"] == "oidc:platform/acme-members"


def test_sandbox_namespace_uses_a_dns_safe_user() -> None:
    assert naming.sandbox_namespace("acme", "Jean.Luc_Picard+x@acme.io") == "acme-sbx-jean-luc-picard-x"
    assert naming.sandbox_slug("___@acme.io") == "user"
