"""CloudNativePG's barman-cloud plugin (chart ``plugin-barman-cloud`` 0.5.0): its Helm values.

Installed beside the operator in ``cnpg-system`` (upstream requires the operator's namespace) with the
ObjectStore CRD (``crds.create``) that backed-up databases need (databases.py). The operator talks to the
plugin over mutual TLS whose certificates cert-manager issues: the chart creates a self-signed Issuer named
``<fullname>-selfsigned-issuer`` (that suffix is fixed in its template) and two Certificates whose issuerRef is
``<fullname>-<certificate.issuerName>``, so ``issuerName`` must stay ``selfsigned-issuer`` or the Certificates
name an Issuer that does not exist. Hence cert-manager (its CRDs and controller) syncs in an earlier wave.
Keys confirmed in cloudnative-pg/charts ``charts/plugin-barman-cloud/values.yaml`` and its certificate templates.
"""

from __future__ import annotations

from typing import Any

from generator.render.components import Context

ISSUER_NAME = "selfsigned-issuer"  # must match the chart's fixed Issuer suffix (see above)
RESOURCES = {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"memory": "128Mi"}}


def values(ctx: Context) -> dict[str, Any]:
    return {
        "crds": {"create": True},
        "certificate": {
            "createClientCertificate": True,
            "createServerCertificate": True,
            "issuerName": ISSUER_NAME,
            "duration": "2160h",
            "renewBefore": "360h",
        },
        "resources": RESOURCES,
    }
