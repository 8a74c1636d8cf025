"""Per tenant and environment: the alerts Prometheus evaluates for it and its Grafana dashboard.

Both objects are the platform's, not the tenant's: they live in the monitoring namespace (Prometheus selects
rules everywhere, Grafana's sidecar reads dashboards everywhere, components/monitoring.py) and go with the
tenant's guardrails, which the platform-owned ``tenancy-<tenant>`` Application syncs, so a tenant can neither
silence nor edit them. They are labelled ``tenant: <name>`` (not ``platformctl.dev/tenant``: the policy engine
rightly keeps objects carrying that label inside the tenant's namespaces) and every alert carries the label
``tenant``, on which Alertmanager routes it to the tenant's owners.

Every expression names exactly the tenant's namespaces (naming.tenant_namespaces) and CNPG clusters
(naming.database_placements), so no tenant is alerted about another's workloads. Metrics: kube-state-metrics'
``kube_deployment_*``, ``kube_pod_container_status_restarts_total`` and ``kube_resourcequota`` (shipped with
kube-prometheus-stack); CNPG's exporter ``cnpg_collector_up`` and ``cnpg_pg_replication_lag`` (the default
``pg_replication`` query, seconds), scraped by the PodMonitor databases.py renders per Cluster. A Cluster's
instance pods are ``<cluster>-<n>``, which is how its series are selected (PromQL regexes are anchored).
"""

from __future__ import annotations

import json
from typing import Any

from generator import naming
from generator.model import Environment, Platform, Tenant
from generator.render.components.monitoring import (
    DASHBOARD_FOLDER_ANNOTATION,
    DASHBOARD_LABEL,
    DASHBOARD_LABEL_VALUE,
    TENANT_LABEL,
)
from generator.render.meta import Obj, Rendered, labels, make

COMPONENT = "monitoring"
PROMETHEUS = "monitoring.coreos.com/v1"
DASHBOARD_FOLDER = "Tenants"
QUOTA_THRESHOLD = 0.9
REPLICATION_LAG_SECONDS = 300  # a standby five minutes behind: failing over to it would lose that much
RESTARTS_IN_15M = 3


def rule_name(tenant: str) -> str:
    return f"tenant-{tenant}"


def dashboard_name(tenant: str) -> str:
    return f"tenant-{tenant}-dashboard"


def _regex(namespaces: list[str]) -> str:
    """Namespaces are DNS labels: no regex metacharacters but '-', which is literal outside brackets."""
    return "|".join(namespaces)


def clusters(tenant: Tenant, env: Environment) -> list[tuple[str, str]]:
    """(namespace, cluster) of each CNPG Cluster of the tenant, once each (a shared Cluster serves several)."""
    found = {(p.namespace, p.cluster) for p in naming.database_placements(tenant, env).values()}
    return sorted(found)


def _instances(namespace: str, cluster: str) -> str:
    return f'namespace="{namespace}",pod=~"{cluster}-[0-9]+"'


def _alert(name: str, expr: str, severity: str, tenant: str, summary: str, description: str,
           duration: str = "5m", **extra: str) -> dict[str, Any]:
    return {
        "alert": name,
        "expr": expr,
        "for": duration,
        "labels": {TENANT_LABEL: tenant, "severity": severity, **extra},
        "annotations": {"summary": summary, "description": description},
    }


def alerts(tenant: Tenant, env: Environment) -> list[dict[str, Any]]:
    """The tenant's alerting rules, in a fixed order (workloads, quota, then one pair per Cluster)."""
    namespaces = naming.tenant_namespaces(tenant, env)
    every = f'namespace=~"{_regex(list(namespaces))}"'
    apps = [ns for ns, role in namespaces.items() if role == "app"]
    name = tenant.name
    rules = []
    if apps:
        selector = f'namespace=~"{_regex(apps)}"'
        rules.append(_alert(
            "TenantAppUnavailable",
            f"kube_deployment_status_replicas_available{{{selector}}} == 0"
            f" and on(namespace, deployment) kube_deployment_spec_replicas{{{selector}}} > 0",
            "critical", name, "An app has no available replica",
            "Deployment {{ $labels.namespace }}/{{ $labels.deployment }} has had no available replica for 5 minutes.",
        ))
    rules.append(_alert(
        "TenantPodCrashLooping",
        f"increase(kube_pod_container_status_restarts_total{{{every}}}[15m]) > {RESTARTS_IN_15M}",
        "warning", name, "A container keeps restarting",
        "Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} restarted more than "
        f"{RESTARTS_IN_15M} times in 15 minutes.",
    ))
    rules.append(_alert(
        "TenantQuotaNearlyExhausted",
        f'kube_resourcequota{{{every},type="used"}} / ignoring(type) (kube_resourcequota{{{every},type="hard"}} > 0)'
        f" > {QUOTA_THRESHOLD}",
        "warning", name, f"A namespace uses more than {QUOTA_THRESHOLD:.0%} of its quota",
        "Namespace {{ $labels.namespace }} uses {{ $value | humanizePercentage }} of its {{ $labels.resource }} "
        "quota.",
        duration="15m",
    ))
    for namespace, cluster in clusters(tenant, env):
        instances = _instances(namespace, cluster)
        rules.append(_alert(
            "TenantDatabaseNotReady", f"cnpg_collector_up{{{instances}}} == 0", "critical", name,
            f"Database cluster {cluster} is not ready",
            f"PostgreSQL in {{{{ $labels.pod }}}} of cluster {namespace}/{cluster} has been down for 5 minutes.",
            cluster=cluster,
        ))
        rules.append(_alert(
            "TenantDatabaseReplicationLag",
            f"cnpg_pg_replication_lag{{{instances}}} > {REPLICATION_LAG_SECONDS}", "warning", name,
            f"Database cluster {cluster} is lagging",
            f"Standby {{{{ $labels.pod }}}} of cluster {namespace}/{cluster} is {{{{ $value }}}} seconds behind "
            "the primary.",
            cluster=cluster,
        ))
    return rules


def prometheus_rule(platform: Platform, env: Environment, tenant: Tenant, lab: dict[str, str]) -> Obj:
    return make(PROMETHEUS, "PrometheusRule", rule_name(tenant.name),
                namespace=platform.namespace_of("monitoring", "monitoring"), labels=lab,
                spec={"groups": [{"name": f"tenant-{tenant.name}", "rules": alerts(tenant, env)}]})


# --- the dashboard ---------------------------------------------------------------------------------------

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}


def _panel(index: int, title: str, unit: str, *queries: tuple[str, str]) -> dict[str, Any]:
    """A time series panel, two per row."""
    return {
        "id": index + 1,
        "type": "timeseries",
        "title": title,
        "datasource": DATASOURCE,
        "gridPos": {"h": 8, "w": 12, "x": 12 * (index % 2), "y": 8 * (index // 2)},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "targets": [{"refId": chr(ord("A") + i), "datasource": DATASOURCE, "expr": expr, "legendFormat": legend}
                    for i, (expr, legend) in enumerate(queries)],
    }


def dashboard(tenant: Tenant, env: Environment) -> dict[str, Any]:
    """CPU, memory, restarts and quota use of the tenant's namespaces, and the state of its databases."""
    every = f'namespace=~"{_regex(list(naming.tenant_namespaces(tenant, env)))}"'
    specs: list[tuple[str, str, list[tuple[str, str]]]] = [
        ("CPU", "cores", [(f'sum by (namespace) (rate(container_cpu_usage_seconds_total{{{every},container!=""}}[5m]))',
                           "{{namespace}}")]),
        ("Memory", "bytes", [(f'sum by (namespace) (container_memory_working_set_bytes{{{every},container!=""}})',
                              "{{namespace}}")]),
        ("Restarts (1h)", "short", [(f"sum by (namespace, pod) (increase(kube_pod_container_status_restarts_total"
                                     f"{{{every}}}[1h]))", "{{namespace}}/{{pod}}")]),
        ("Quota use", "percentunit", [(f'max by (namespace, resource) (kube_resourcequota{{{every},type="used"}}'
                                       f' / ignoring(type) (kube_resourcequota{{{every},type="hard"}} > 0))',
                                       "{{namespace}} {{resource}}")]),
    ]
    owned = clusters(tenant, env)
    if owned:
        specs.append(("Databases up", "short", [(f"cnpg_collector_up{{{_instances(ns, c)}}}", f"{c} {{{{pod}}}}")
                                                for ns, c in owned]))
        specs.append(("Replication lag", "s", [(f"cnpg_pg_replication_lag{{{_instances(ns, c)}}}",
                                                f"{c} {{{{pod}}}}") for ns, c in owned]))
    return {
        "uid": f"tenant-{tenant.name}",
        "title": f"Tenant {tenant.name}",
        "tags": ["tenant", tenant.name],
        "editable": False,
        "schemaVersion": 39,
        "time": {"from": "now-6h", "to": "now"},
        "refresh": "1m",
        "templating": {"list": [{"name": "datasource", "label": "Prometheus", "type": "datasource",
                                 "query": "prometheus"}]},
        "panels": [_panel(i, title, unit, *queries) for i, (title, unit, queries) in enumerate(specs)],
    }


def dashboard_config_map(platform: Platform, env: Environment, tenant: Tenant, lab: dict[str, str]) -> Obj:
    """Compact JSON with sorted keys: the same tenant gives the same bytes."""
    body = json.dumps(dashboard(tenant, env), sort_keys=True, separators=(",", ":"))
    return make("v1", "ConfigMap", dashboard_name(tenant.name),
                namespace=platform.namespace_of("monitoring", "monitoring"),
                labels={**lab, DASHBOARD_LABEL: DASHBOARD_LABEL_VALUE},
                annotations={DASHBOARD_FOLDER_ANNOTATION: DASHBOARD_FOLDER},
                data={f"tenant-{tenant.name}.json": body})


def render(platform: Platform, env: Environment, tenant: Tenant) -> Rendered:
    """The EFFECTIVE tenant's rule and dashboard, as guardrails (platform-owned); nothing where it has no
    namespace in ``env``."""
    if not naming.tenant_namespaces(tenant, env):
        return Rendered()
    lab = {**labels(env.name, component=COMPONENT), TENANT_LABEL: tenant.name}
    return Rendered(guardrails=[prometheus_rule(platform, env, tenant, lab),
                                dashboard_config_map(platform, env, tenant, lab)])
