"""ExternalSecrets against the environment's secret store: how every credential reaches the cluster.

No Secret with data is ever rendered; each is an ExternalSecret naming the store record (key, property) it
reads, optionally templated (``target.template``) so literal, non-secret parts such as a client id or a host
are written around the secret values. ``platformctl secrets`` lists the records from the rendered tree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from generator.model import Environment
from generator.render.meta import Obj, make

API_VERSION = "external-secrets.io/v1"
REFRESH = "1h"


def store_ref(env: Environment) -> dict[str, str]:
    store = env.spec.secret_store
    return {"kind": store.kind, "name": store.name}


def external_secret(
    env: Environment,
    name: str,
    namespace: str,
    lab: dict[str, str],
    entries: Sequence[tuple[str, str, str]],
    *,
    template: dict[str, Any] | None = None,
    creation_policy: str | None = None,
) -> Obj:
    """An ExternalSecret ``name`` creating Secret ``name`` from ``entries`` (secret key, store key, property).

    ``template`` becomes ``target.template`` (ESO's Go templates, ``{{ .<secret key> }}``): then the Secret
    holds the template's keys instead of the entries'.
    """
    target: dict[str, Any] = {"name": name}
    if creation_policy is not None:
        target["creationPolicy"] = creation_policy
    if template is not None:
        target["template"] = template
    return make(API_VERSION, "ExternalSecret", name, namespace=namespace, labels=lab, spec={
        "refreshInterval": REFRESH,
        "secretStoreRef": store_ref(env),
        "target": target,
        "data": [{"secretKey": key, "remoteRef": {"key": remote, "property": prop}} for key, remote, prop in entries],
    })


# --- copies of an in-cluster Secret ---------------------------------------------------------------------------

API_SERVER_URL = "https://kubernetes.default.svc"
ROOT_CA = {"type": "ConfigMap", "name": "kube-root-ca.crt", "key": "ca.crt"}  # in every namespace
RBAC = "rbac.authorization.k8s.io/v1"


@dataclass(frozen=True)
class SecretReader:
    """A ClusterSecretStore that reads exactly one Secret of one namespace, for a list of namespaces.

    How a credential an operator generated (CNPG's ``<cluster>-app``) reaches another namespace, or a
    templated form of it (a connection string), without a value in git: a ServiceAccount that may ``get``
    that one Secret (Role with resourceNames), and a kubernetes-provider store authenticating as it, whose
    ``conditions`` admit only the consuming namespaces.
    """

    name: str  # of the ServiceAccount, Role and RoleBinding
    namespace: str  # where the Secret lives
    secret: str
    store: str  # the ClusterSecretStore (cluster-scoped: qualify it)
    consumers: tuple[str, ...]

    def account(self, lab: dict[str, str]) -> Obj:
        return make("v1", "ServiceAccount", self.name, namespace=self.namespace, labels=lab,
                    automountServiceAccountToken=False)

    def grants(self, lab: dict[str, str]) -> list[Obj]:
        """Role, RoleBinding and the store: access grants, synced with the guardrails where tenants are."""
        ns, name = self.namespace, self.name
        role = make(RBAC, "Role", name, namespace=ns, labels=lab, rules=[
            {"apiGroups": [""], "resources": ["secrets"], "resourceNames": [self.secret], "verbs": ["get"]},
        ])
        binding = make(RBAC, "RoleBinding", name, namespace=ns, labels=lab,
                       roleRef={"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
                       subjects=[{"kind": "ServiceAccount", "name": name, "namespace": ns}])
        provider = {"kubernetes": {
            "remoteNamespace": ns,
            "server": {"url": API_SERVER_URL, "caProvider": {**ROOT_CA, "namespace": ns}},
            "auth": {"serviceAccount": {"name": name, "namespace": ns}},
        }}
        store = make(API_VERSION, "ClusterSecretStore", self.store, labels=lab,
                     spec={"provider": provider, "conditions": [{"namespaces": list(self.consumers)}]})
        return [role, binding, store]

    def copy(self, name: str, namespace: str, lab: dict[str, str], keys: Sequence[str],
             template: dict[str, Any]) -> Obj:
        """Secret ``name`` in ``namespace`` (one of the consumers) from ``keys`` of the Secret, templated."""
        return make(API_VERSION, "ExternalSecret", name, namespace=namespace, labels=lab, spec={
            "refreshInterval": REFRESH,
            "secretStoreRef": {"kind": "ClusterSecretStore", "name": self.store},
            "target": {"name": name, "template": template},
            "data": [{"secretKey": key, "remoteRef": {"key": self.secret, "property": key}} for key in keys],
        })
