"""Tenant guardrails in ``system/tenancy/<tenant>/``, synced by a platform-owned Application per tenant.

Per tenant namespace: the Namespace with Pod Security Admission labels, a ResourceQuota and a
LimitRange (what the namespace's workloads need plus an even share of the rest of the tenant quota),
default-deny NetworkPolicies with the explicit allows every workload needs, and RoleBindings for the
tenant's SSO groups.
"""

from __future__ import annotations

from decimal import Decimal

from generator import accounting, naming
from generator.model import Environment, Platform, Tenant
from generator.model.types import quantity_value
from generator.render import kubero, quantity
from generator.render.meta import Obj, labels, make

COMPONENT = "tenancy"
ROLE_LABEL = "platformctl.dev/namespace-role"
# Starting points for containers that set nothing; capped by the namespace's share.
DEFAULT_CPU_REQUEST = "100m"
DEFAULT_MEMORY_REQUEST = "128Mi"
DEFAULT_MEMORY_LIMIT = "256Mi"
# The groups Casdoor puts in the token's groups claim are "<organization>/<group>".
OWNERS, MEMBERS = "owners", "members"


def sso_group(platform: Platform, tenant: str, role: str) -> str:
    return f"{platform.spec.sso.organization}/{tenant}-{role}"


def _pod_security(platform: Platform) -> dict[str, str]:
    minor = "v" + ".".join(platform.spec.kubernetes_version.split(".")[:2])
    result = {}
    for mode in ("enforce", "audit", "warn"):
        result[f"pod-security.kubernetes.io/{mode}"] = "restricted"
        result[f"pod-security.kubernetes.io/{mode}-version"] = minor
    return result


def _namespace(platform: Platform, env: Environment, tenant: Tenant, name: str, role: str) -> Obj:
    lab = {**labels(env.name, tenant=tenant.name, component=COMPONENT), ROLE_LABEL: role, **_pod_security(platform)}
    if kubero.kubero_apps(tenant) and name == naming.kubero_namespace(tenant.name, env.name):
        helm_labels, annotations = kubero.helm_adoption(platform, tenant.name)  # Kubero's chart creates it too
        return make("v1", "Namespace", name, labels={**lab, **helm_labels}, annotations=annotations)
    return make("v1", "Namespace", name, labels=lab)


def _quotas(tenant: Tenant, env: Environment) -> dict[str, dict[str, str]]:
    """Namespace -> its ResourceQuota: what its workloads need, plus an even share of what is left over.

    An even split alone could leave a database namespace short while a sandbox namespace idles; the
    loader has checked that the needs fit the tenant's quota (generator/accounting.py).
    """
    q = tenant.spec.quota
    usage = accounting.namespace_usage(tenant, env)
    need = accounting.total(usage)
    count = len(usage)
    limit = {"cpu": quantity_value(q.cpu), "memory": quantity_value(q.memory),
             "storage": quantity_value(q.storage)}
    spare = {r: max(Decimal(0), limit[r] - need.value(r)) / count for r in limit}
    spare_pods = max(0, q.pods - need.pods) // count
    return {ns: {
        "cpu": quantity.cpu(used.cpu + spare["cpu"]),
        "memory": quantity.binary(used.memory + spare["memory"]),
        "storage": quantity.binary(used.storage + spare["storage"]),
        "pods": str(max(1, used.pods + spare_pods)),
    } for ns, used in usage.items()}


def _resource_quota(ns: str, lab: dict[str, str], share: dict[str, str]) -> Obj:
    hard = {
        "requests.cpu": share["cpu"],
        "requests.memory": share["memory"],
        "limits.memory": share["memory"],
        "requests.storage": share["storage"],
        "pods": share["pods"],
        "services.loadbalancers": "0",
        "services.nodeports": "0",
    }
    return make("v1", "ResourceQuota", "tenant-quota", namespace=ns, labels=lab, spec={"hard": hard})


def _limit_range(ns: str, lab: dict[str, str], share: dict[str, str]) -> Obj:
    memory_limit = quantity.smaller(DEFAULT_MEMORY_LIMIT, share["memory"])
    container = {
        "type": "Container",
        "default": {"memory": memory_limit},
        "defaultRequest": {
            "cpu": quantity.smaller(DEFAULT_CPU_REQUEST, share["cpu"]),
            "memory": quantity.smaller(DEFAULT_MEMORY_REQUEST, memory_limit),
        },
        "max": {"memory": share["memory"]},
    }
    pvc = {"type": "PersistentVolumeClaim", "max": {"storage": share["storage"]}}
    return make("v1", "LimitRange", "tenant-limits", namespace=ns, labels=lab, spec={"limits": [container, pvc]})


def _from_namespace(name: str) -> dict:
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": name}}}


def _network_policies(ns: str, lab: dict[str, str], env: Environment, monitoring: str) -> list[Obj]:
    def policy(name: str, **spec: object) -> Obj:
        return make("networking.k8s.io/v1", "NetworkPolicy", name, namespace=ns, labels=lab,
                    spec={"podSelector": {}, **spec})

    dns = {
        "to": [{**_from_namespace("kube-system"), "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
    }
    return [
        policy("default-deny", policyTypes=["Ingress", "Egress"]),
        policy("allow-dns", policyTypes=["Egress"], egress=[dns]),
        policy("allow-same-namespace", policyTypes=["Ingress", "Egress"],
               ingress=[{"from": [{"podSelector": {}}]}], egress=[{"to": [{"podSelector": {}}]}]),
        policy("allow-ingress-controller", policyTypes=["Ingress"],
               ingress=[{"from": [_from_namespace(env.spec.ingress.namespace)]}]),
        policy("allow-monitoring", policyTypes=["Ingress"], ingress=[{"from": [_from_namespace(monitoring)]}]),
    ]


def _role_bindings(platform: Platform, tenant: str, ns: str, lab: dict[str, str]) -> list[Obj]:
    prefix = platform.spec.sso.groups_prefix
    result = []
    for role, cluster_role in ((OWNERS, "admin"), (MEMBERS, "edit")):
        subject = {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group",
                   "name": prefix + sso_group(platform, tenant, role)}
        result.append(make(
            "rbac.authorization.k8s.io/v1", "RoleBinding", f"tenant-{role}", namespace=ns, labels=lab,
            roleRef={"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": cluster_role},
            subjects=[subject],
        ))
    return result


def _sandbox_binding(platform: Platform, user: str, ns: str, lab: dict[str, str]) -> Obj:
    """A sandbox is its user's alone: no tenant group is bound there, so teammates (owners included) can
    neither exec into it nor read its Secrets (Gitea token, OIDC client and cookie secrets)."""
    subject = {"apiGroup": "rbac.authorization.k8s.io", "kind": "User",
               "name": platform.spec.sso.username_prefix + user}
    return make("rbac.authorization.k8s.io/v1", "RoleBinding", "sandbox-user", namespace=ns, labels=lab,
                roleRef={"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
                subjects=[subject])


def render(platform: Platform, env: Environment, tenant: Tenant) -> list[Obj]:
    """Every guardrail object of one (effective) tenant in one environment."""
    namespaces = naming.tenant_namespaces(tenant, env)
    if not namespaces:
        return []
    shares = _quotas(tenant, env)
    monitoring = platform.namespace_of("monitoring", "monitoring")
    lab = labels(env.name, tenant=tenant.name, component=COMPONENT)
    sandbox_users = {naming.sandbox_namespace(tenant.name, s.user): s.user for s in tenant.spec.sandboxes}
    objects: list[Obj] = []
    for ns, role in namespaces.items():
        objects.append(_namespace(platform, env, tenant, ns, role))
        objects.append(_resource_quota(ns, lab, shares[ns]))
        objects.append(_limit_range(ns, lab, shares[ns]))
        objects += _network_policies(ns, lab, env, monitoring)
        if ns in sandbox_users:
            objects.append(_sandbox_binding(platform, sandbox_users[ns], ns, lab))
        else:
            objects += _role_bindings(platform, tenant.name, ns, lab)
    return objects
