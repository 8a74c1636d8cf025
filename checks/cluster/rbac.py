"""The read-only identity: a ClusterRole with get/list/watch on everything, bound to the read-only user.

Drift checks and people inspecting the cluster get this one, so a bug in them cannot change the cluster.
"Everything" includes Secrets (unlike the built-in `view` role): a throwaway cluster holds no real secrets,
and comparing the live cluster with git must be able to see every kind.
"""

from __future__ import annotations

from kubernetes import client

from checks.cluster.pki import READONLY_USER

READONLY_ROLE = "platformctl-readonly"
READ_VERBS = ["get", "list", "watch"]


def grant_read_only(api: client.ApiClient, user: str = READONLY_USER) -> None:
    """Create the ClusterRole and its ClusterRoleBinding (with the admin client; the cluster is fresh)."""
    rbac = client.RbacAuthorizationV1Api(api)
    rbac.create_cluster_role(client.V1ClusterRole(
        metadata=client.V1ObjectMeta(name=READONLY_ROLE, labels={"app.kubernetes.io/managed-by": "platformctl"}),
        rules=[client.V1PolicyRule(api_groups=["*"], resources=["*"], verbs=READ_VERBS),
               client.V1PolicyRule(non_resource_urls=["*"], verbs=["get"])],
    ))
    rbac.create_cluster_role_binding(client.V1ClusterRoleBinding(
        metadata=client.V1ObjectMeta(name=READONLY_ROLE, labels={"app.kubernetes.io/managed-by": "platformctl"}),
        role_ref=client.V1RoleRef(api_group="rbac.authorization.k8s.io", kind="ClusterRole", name=READONLY_ROLE),
        subjects=[client.RbacV1Subject(api_group="rbac.authorization.k8s.io", kind="User", name=user)],
    ))
