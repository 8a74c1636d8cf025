"""RBAC: no cluster-admin handed out, no wildcard rules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from checks.manifests import Manifest
from checks.policy.context import Context
from checks.policy.podspec import as_dict, as_list
from checks.policy.registry import Hit, rule


def _all(rule_: Any, key: str) -> bool:
    return "*" in as_list(as_dict(rule_).get(key))


def _is_admin(rules: list[Any]) -> bool:
    """A role granting every verb on every resource of every API group is cluster-admin in effect."""
    return any(_all(r, "apiGroups") and _all(r, "resources") and _all(r, "verbs") for r in rules)


@rule("cluster-admin-binding", "error", "Nothing may be bound to cluster-admin (or a role equivalent to it)",
      "Bind a narrower role (admin, edit, view or a custom Role) instead.", ("ClusterRoleBinding", "RoleBinding"))
def cluster_admin_binding(m: Manifest, ctx: Context) -> Iterator[Hit]:
    ref = as_dict(m.obj.get("roleRef"))
    kind, name = str(ref.get("kind") or ""), str(ref.get("name") or "")
    if kind == "ClusterRole" and name == "cluster-admin":
        yield "binds the cluster-admin ClusterRole", "roleRef.name"
        return
    rules = ctx.roles.get((m.env, m.namespace if kind == "Role" else "", kind, name))
    if rules is not None and _is_admin(rules):
        yield f"binds {kind} {name!r}, which grants '*' verbs on '*' resources (cluster-admin)", "roleRef.name"


@rule("rbac-wildcard", "error", "Roles must not use '*' for verbs or resources",
      "List the verbs and resources the role needs explicitly.", ("Role", "ClusterRole"))
def rbac_wildcard(m: Manifest, ctx: Context) -> Iterator[Hit]:
    for i, r in enumerate(as_list(m.obj.get("rules"))):
        for key in ("verbs", "resources"):
            if _all(r, key):
                yield f"rule {i} grants '*' {key}", f"rules[{i}].{key}"
