"""cert-manager (chart ``cert-manager``): its Helm values.

The barman-cloud plugin's chart creates an Issuer and two Certificates (barman_cloud.py), and tenant Ingresses
name the environment's ClusterIssuer: both need cert-manager's CRDs, so the chart installs them
(``crds.enabled``, the chart's switch since v1.15; ``crds.keep`` leaves them, and every certificate, in place
if the Application is ever deleted). cert-manager syncs first of the three (argocd.py waves). No ServiceMonitor:
its CRD arrives later, with kube-prometheus-stack, and would hold back the plugin's certificates until then.
Keys are [memory] of the jetstack chart, stable since v1.15.
"""

from __future__ import annotations

from typing import Any

from generator.render.components import Context

RESOURCES = {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}


def values(ctx: Context) -> dict[str, Any]:
    return {
        "crds": {"enabled": True, "keep": True},
        "resources": RESOURCES,
    }
