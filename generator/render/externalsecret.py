"""ExternalSecrets against the environment's secret store: how every credential reaches the cluster.

No Secret with data is ever rendered; each is an ExternalSecret naming the store record (key, property) it
reads, optionally templated (``target.template``) so literal, non-secret parts such as a client id or a host
are written around the secret values. ``platformctl secrets`` lists the records from the rendered tree.
"""

from __future__ import annotations

from collections.abc import Sequence
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
