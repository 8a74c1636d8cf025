"""The CloudNativePG operator (chart ``cloudnative-pg``): its Helm values.

The chart installs the CRDs (``crds.create``) that every tenant's Cluster, Pooler, Database and ScheduledBackup
need, so the operator's Application syncs in an earlier wave than tenancy and tenant Applications (argocd.py).
``monitoring.podMonitorEnabled`` renders a PodMonitor for the operator, a kind whose CRD comes with
kube-prometheus-stack (a later wave): Argo CD's sync of this chart fails until that CRD exists and then
succeeds on retry (argocd.RETRY); monitoring does not depend on the operator, so the two converge.

``monitoring.grafanaDashboard`` renders CNPG's own dashboard as a ConfigMap with the label the Grafana sidecar
watches (monitoring.py, in every namespace), so it needs no namespace override. Keys confirmed in the chart's
``templates/grafana-dashboard.yaml`` (create, sidecarLabel, sidecarLabelValue, sidecarAnnotationValue as the
``grafana_folder`` annotation); ``crds.create`` and ``monitoring.podMonitorEnabled`` in its values.yaml.
"""

from __future__ import annotations

from typing import Any

from generator.render.components import Context
from generator.render.components.monitoring import DASHBOARD_LABEL, DASHBOARD_LABEL_VALUE

# The operator's own pod; small, memory limit = request as everywhere else on the platform.
RESOURCES = {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "256Mi"}}
DASHBOARD_FOLDER = "CloudNativePG"


def values(ctx: Context) -> dict[str, Any]:
    return {
        "crds": {"create": True},
        "monitoring": {
            "podMonitorEnabled": True,
            "grafanaDashboard": {
                "create": True,
                "sidecarLabel": DASHBOARD_LABEL,
                "sidecarLabelValue": DASHBOARD_LABEL_VALUE,
                "sidecarAnnotationValue": DASHBOARD_FOLDER,
            },
        },
        "resources": RESOURCES,
    }
