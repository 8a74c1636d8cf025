"""Tenant apps with ``runtime: deployment``, in ``tenants/<tenant>/``: what tenants actually run.

Per app, in its namespace ``<tenant>-<app>``: a ServiceAccount of its own, a Deployment whose pod passes
Pod Security "restricted", a ClusterIP Service, and when the blueprint asks for them an Ingress (TLS from
cert-manager), a HorizontalPodAutoscaler, a PodDisruptionBudget and a ServiceMonitor. Database
credentials only ever come from Secrets by reference (CNPG's, or the database renderer's copy); the
database objects and their NetworkPolicies are the database renderer's. Apps with ``runtime: kubero``
are Kubero's (its own renderer).
"""

from __future__ import annotations

import copy
from typing import Any

from generator import naming
from generator.model import Environment, Platform, Tenant
from generator.model.environment import AppDefaults
from generator.model.tenant import App
from generator.naming import DATABASE_VARS, database_prefix
from generator.render.meta import Obj, Rendered, labels, make
from generator.render.workload import restricted_container, secret_env, tls_ingress

COMPONENT = "apps"
RUNTIME = "deployment"
NAME_LABEL = "app.kubernetes.io/name"

HTTP = "http"  # container and Service port name of the app's own port
METRICS = "metrics"  # ... of its metrics port, when that is a port of its own
SERVICE_PORT = 80  # the Service's HTTP port; the Ingress and other apps talk to it
METRICS_FALLBACK_PORT = 9090  # the Service's metrics port when the metrics port is 80 (taken by HTTP)

# The root filesystem is read-only; /tmp is the one writable place, bounded so an app cannot fill the node.
TMP_VOLUME = "tmp"
TMP_SIZE_LIMIT = "1Gi"

# The blueprint has no probe fields yet (the field to add: ``app.probes``, e.g. {path: /healthz} for
# httpGet, per probe overridable). Until then a TCP connect to the app's port: sound for any server,
# whereas an HTTP path guessed here would restart every app that does not serve it.
PROBES: dict[str, dict[str, Any]] = {
    "livenessProbe": {"tcpSocket": {"port": HTTP}, "initialDelaySeconds": 10, "periodSeconds": 10,
                      "timeoutSeconds": 1, "failureThreshold": 3},
    "readinessProbe": {"tcpSocket": {"port": HTTP}, "periodSeconds": 5, "timeoutSeconds": 1,
                       "failureThreshold": 3},
}

# Environment variable -> key of CloudNativePG's app Secret (pkg/specs/secrets.go: CreateSecret writes
# username, user, password, dbname, host, port, pgpass, uri, jdbc-uri, fqdn-uri, fqdn-jdbc-uri).


def deployment_apps(tenant: Tenant) -> list[App]:
    """The apps this renderer owns, in blueprint order."""
    return [a for a in tenant.spec.apps if a.runtime == RUNTIME]


def host(env: Environment, app: App) -> str | None:
    """The app's public host, or None without an ingress."""
    return f"{app.ingress.host}.{env.spec.domain}" if app.ingress else None


def selector(app: App) -> dict[str, str]:
    """What Deployment, Service, PDB and ServiceMonitor select on: one app per namespace, so its name."""
    return {NAME_LABEL: app.name}


def database_env(tenant: Tenant, env: Environment, app: App) -> list[dict[str, Any]]:
    """DATABASE_URL and PG* of every database the app lists, by reference: no credential is ever in git."""
    placements = naming.database_placements(tenant, env)
    namespace = naming.app_namespace(tenant.name, app.name)
    refs = [db for db in dict.fromkeys(app.databases) if db in placements]  # undeclared: the loader's error
    result = []
    for position, db in enumerate(refs):
        secret = placements[db].secret_for(namespace)
        prefix = database_prefix(position, db)
        result += [secret_env(prefix + var, secret, key) for var, key in DATABASE_VARS]
    return result


def container_env(tenant: Tenant, env: Environment, app: App) -> list[dict[str, Any]]:
    """Database references first, then the blueprint's variables sorted by name.

    First, so the blueprint's values may use ``$(PGHOST)`` (Kubernetes expands only earlier variables).
    A blueprint variable named like a database one is dropped: the credentials come from the Secret,
    and a list with one name twice is rejected by server-side apply.
    """
    result = database_env(tenant, env, app)
    taken = {v["name"] for v in result}
    result += [{"name": k, "value": v} for k, v in sorted(app.env.items()) if k not in taken]
    return result


def resources(app: App) -> dict[str, Any]:
    """Requests from the (effective) blueprint; the memory limit equals the request; no CPU limit
    (throttling hurts latency, the namespace quota bounds requests)."""
    builtin = AppDefaults().resources
    mine = app.resources
    cpu = (mine.cpu if mine else None) or builtin.cpu
    memory = (mine.memory if mine else None) or builtin.memory
    return {"requests": {"cpu": cpu, "memory": memory}, "limits": {"memory": memory}}


def metrics_apart(app: App) -> bool:
    """Whether the metrics endpoint is on a port of its own (else it is scraped on the HTTP port)."""
    return app.metrics is not None and app.metrics.port != app.port


def _container_ports(app: App) -> list[dict[str, Any]]:
    ports = [{"name": HTTP, "containerPort": app.port, "protocol": "TCP"}]
    if metrics_apart(app):
        assert app.metrics is not None
        ports.append({"name": METRICS, "containerPort": app.metrics.port, "protocol": "TCP"})
    return ports


POD_SECURITY: dict[str, Any] = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}


def probes(app: App) -> dict[str, Any]:
    """The default TCP probes, each replaced by an HTTP check where the blueprint names a path."""
    result = copy.deepcopy(PROBES)
    chosen = app.probes
    for key, probe in (("livenessProbe", chosen and chosen.liveness), ("readinessProbe", chosen and chosen.readiness)):
        if probe:
            result[key].pop("tcpSocket")
            result[key]["httpGet"] = {"path": probe.path, "port": HTTP}
            result[key]["initialDelaySeconds"] = probe.initial_delay_seconds
    return result


def _container(tenant: Tenant, env: Environment, app: App) -> dict[str, Any]:
    container: dict[str, Any] = {"name": app.name, "image": app.image, "ports": _container_ports(app)}
    variables = container_env(tenant, env, app)
    if variables:
        container["env"] = variables
    container["resources"] = resources(app)
    container.update(probes(app))
    container["securityContext"] = restricted_container()
    container["volumeMounts"] = [{"name": TMP_VOLUME, "mountPath": "/tmp"}]
    return container


def _pod_spec(tenant: Tenant, env: Environment, app: App) -> dict[str, Any]:
    return {
        "serviceAccountName": app.name,
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,  # no <SERVICE>_PORT variables of every Service in the namespace
        "securityContext": copy.deepcopy(POD_SECURITY),
        "containers": [_container(tenant, env, app)],
        "volumes": [{"name": TMP_VOLUME, "emptyDir": {"sizeLimit": TMP_SIZE_LIMIT}}],
    }


def _service_account(ns: str, app: App, lab: dict[str, str]) -> Obj:
    return make("v1", "ServiceAccount", app.name, namespace=ns, labels=lab, automountServiceAccountToken=False)


def _deployment(tenant: Tenant, env: Environment, app: App, ns: str, lab: dict[str, str]) -> Obj:
    spec: dict[str, Any] = {}
    if app.autoscale is None:
        spec["replicas"] = app.replicas  # with an HPA it owns replicas: a value here would fight it
    spec["selector"] = {"matchLabels": selector(app)}
    spec["template"] = {"metadata": {"labels": dict(lab)}, "spec": _pod_spec(tenant, env, app)}
    return make("apps/v1", "Deployment", app.name, namespace=ns, labels=lab, spec=spec)


def metrics_service_port(app: App) -> int:
    """The metrics port number on the Service (its name is what ServiceMonitor uses)."""
    assert app.metrics is not None
    return METRICS_FALLBACK_PORT if app.metrics.port == SERVICE_PORT else app.metrics.port


def _service(app: App, ns: str, lab: dict[str, str]) -> Obj:
    ports = [{"name": HTTP, "port": SERVICE_PORT, "targetPort": HTTP, "protocol": "TCP"}]
    if metrics_apart(app):
        ports.append({"name": METRICS, "port": metrics_service_port(app), "targetPort": METRICS, "protocol": "TCP"})
    return make("v1", "Service", app.name, namespace=ns, labels=lab,
                spec={"type": "ClusterIP", "selector": selector(app), "ports": ports})


def _ingress(env: Environment, app: App, ns: str, lab: dict[str, str]) -> Obj:
    backend = {"service": {"name": app.name, "port": {"name": HTTP}}}
    return tls_ingress(env, app.name, ns, lab, host(env, app), backend)


def _autoscaler(app: App, ns: str, lab: dict[str, str]) -> Obj:
    scale = app.autoscale
    assert scale is not None
    cpu = {"type": "Resource", "resource": {"name": "cpu", "target": {
        "type": "Utilization", "averageUtilization": scale.cpu_percent}}}
    return make("autoscaling/v2", "HorizontalPodAutoscaler", app.name, namespace=ns, labels=lab, spec={
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": app.name},
        "minReplicas": scale.min,
        "maxReplicas": scale.max,
        "metrics": [cpu],
    })


def most_replicas(app: App) -> int:
    """How many replicas can run at once: the HPA's maximum, else the fixed count."""
    return app.autoscale.max if app.autoscale else (app.replicas or 0)


def _disruption_budget(app: App, ns: str, lab: dict[str, str]) -> Obj:
    """One pod at a time may go on a voluntary disruption; a crash-looping pod never blocks a drain."""
    return make("policy/v1", "PodDisruptionBudget", app.name, namespace=ns, labels=lab, spec={
        "maxUnavailable": 1,
        "selector": {"matchLabels": selector(app)},
        "unhealthyPodEvictionPolicy": "AlwaysAllow",
    })


def _service_monitor(app: App, ns: str, lab: dict[str, str]) -> Obj:
    assert app.metrics is not None
    port = METRICS if metrics_apart(app) else HTTP
    return make("monitoring.coreos.com/v1", "ServiceMonitor", app.name, namespace=ns, labels=lab, spec={
        "selector": {"matchLabels": selector(app)},
        "endpoints": [{"port": port, "path": app.metrics.path}],
    })


def _app_labels(env: Environment, tenant: Tenant, app: App) -> dict[str, str]:
    return {**labels(env.name, tenant=tenant.name, component=COMPONENT), **selector(app)}


def render_app(env: Environment, tenant: Tenant, app: App) -> list[Obj]:
    """Every object of one deployment app (of the effective tenant)."""
    ns = naming.app_namespace(tenant.name, app.name)
    lab = _app_labels(env, tenant, app)
    objects = [
        _service_account(ns, app, lab),
        _deployment(tenant, env, app, ns, lab),
        _service(app, ns, lab),
    ]
    if app.ingress is not None:
        objects.append(_ingress(env, app, ns, lab))
    if app.autoscale is not None:
        objects.append(_autoscaler(app, ns, lab))
    if most_replicas(app) > 1:
        objects.append(_disruption_budget(app, ns, lab))
    if app.metrics is not None:
        objects.append(_service_monitor(app, ns, lab))
    return objects


def render(platform: Platform, env: Environment, tenant: Tenant) -> Rendered:
    """The deployment apps of one effective tenant in one environment (no guardrail kinds among them)."""
    workloads = [obj for app in deployment_apps(tenant) for obj in render_app(env, tenant, app)]
    return Rendered(workloads=workloads)

