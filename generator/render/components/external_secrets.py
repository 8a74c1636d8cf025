"""external-secrets: the environment's ClusterSecretStore, the one store every credential is read from.

Rendered from ``environments/<env>.yaml`` ``spec.secretStore`` when it names a provider; without one the
store is someone else's to create (the renderers only need its kind and name). It lives with the operator's
component, so it syncs after the operator's CRDs and before every ExternalSecret that reads it.
"""

from __future__ import annotations

from generator.render.components import Context
from generator.render.externalsecret import API_VERSION
from generator.render.meta import Obj, make


def objects(ctx: Context) -> list[Obj]:
    store = ctx.env.spec.secret_store
    if not store.provider:
        return []
    return [make(API_VERSION, store.kind, store.name, labels=ctx.labels(), spec={"provider": store.provider})]
