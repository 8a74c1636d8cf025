"""What a tenant's workloads request, per namespace, in one environment: the quota must hold it.

One table for the loader (a tenant whose workloads cannot fit its quota is a load error, not a stuck
rollout), the tenancy renderer (each namespace's ResourceQuota is its need plus an even share of the
rest) and the workload renderers (the platform's own containers request exactly what is counted here).
Apps count at their most replicas (``autoscale.max`` when set), database instances (with barman-cloud's sidecar
when backed up) and poolers at their instance counts, sandboxes with their proxy sidecar (and only their
volume where sandboxes are off).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from generator import naming
from generator.model import Environment, Tenant
from generator.model.tenant import Database
from generator.model.types import quantity_value


@dataclass(frozen=True)
class Requests:
    cpu: str
    memory: str


# Containers the platform adds, with what they request (the renderers use these very values).
DATABASE_INSTANCE = Requests(cpu="250m", memory="512Mi")  # each PostgreSQL instance, unless the blueprint says
POOLER_INSTANCE = Requests(cpu="100m", memory="128Mi")  # each PgBouncer instance of a Pooler
SANDBOX_PROXY = Requests(cpu="50m", memory="64Mi")  # the oauth2-proxy sidecar of every sandbox
BACKUP_SIDECAR = Requests(cpu="100m", memory="256Mi")  # barman-cloud's sidecar, per instance of a backed-up Cluster

RESOURCES = ("cpu", "memory", "storage", "pods")


def database_instance(databases: Iterable[Database]) -> Requests:
    """What each instance of a Cluster serving ``databases`` requests: per resource the largest any of them
    asks for (a shared Cluster has one size), else the platform's default."""
    asked = [db.resources for db in databases if db.resources is not None]
    cpu = max((r.cpu for r in asked if r.cpu), key=quantity_value, default=DATABASE_INSTANCE.cpu)
    memory = max((r.memory for r in asked if r.memory), key=quantity_value, default=DATABASE_INSTANCE.memory)
    return Requests(cpu=cpu, memory=memory)


@dataclass(frozen=True)
class Usage:
    cpu: Decimal = Decimal(0)
    memory: Decimal = Decimal(0)
    storage: Decimal = Decimal(0)
    pods: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(self.cpu + other.cpu, self.memory + other.memory, self.storage + other.storage,
                     self.pods + other.pods)

    def value(self, resource: str) -> Decimal:
        return Decimal(getattr(self, resource))


def _pods(count: int, cpu: str | None, memory: str | None, storage: str | None = None) -> Usage:
    return Usage(quantity_value(cpu or "0") * count, quantity_value(memory or "0") * count,
                 quantity_value(storage or "0") * count, count)


def _add(found: dict[str, Usage], namespace: str, usage: Usage) -> None:
    found[namespace] = found.get(namespace, Usage()) + usage


def namespace_usage(tenant: Tenant, env: Environment) -> dict[str, Usage]:
    """Namespace -> what the EFFECTIVE ``tenant`` runs there at most (every namespace listed, sorted)."""
    found = {ns: Usage() for ns in naming.tenant_namespaces(tenant, env)}
    for app in tenant.spec.apps:
        most = app.autoscale.max if app.autoscale else (app.replicas or 0)
        resources = app.resources
        _add(found, naming.workload_namespace(tenant.name, app, env.name),
             _pods(most, resources.cpu if resources else None, resources.memory if resources else None))
    placements = naming.database_placements(tenant, env)
    clusters: dict[tuple[str, str], list[Database]] = {}  # (ns, cluster) -> the databases it serves
    for db in tenant.spec.databases:
        place = placements[db.name]
        clusters.setdefault((place.namespace, place.cluster), []).append(db)
    for (ns, _), dbs in sorted(clusters.items()):
        instances = max(db.instances or 1 for db in dbs)
        storage = sum((quantity_value(db.storage or "0") for db in dbs), start=Decimal(0))
        poolers = sum((db.pooler.instances or 1) for db in dbs if db.pooler)
        each = database_instance(dbs)
        sidecar = Usage(quantity_value(BACKUP_SIDECAR.cpu) * instances,
                        quantity_value(BACKUP_SIDECAR.memory) * instances) \
            if any(db.backup is not None for db in dbs) else Usage()
        _add(found, ns, _pods(instances, each.cpu, each.memory) + sidecar
             + Usage(storage=storage * instances)
             + _pods(poolers, POOLER_INSTANCE.cpu, POOLER_INSTANCE.memory))
    running = env.spec.sandboxes.enabled
    for sandbox in tenant.spec.sandboxes:
        r = sandbox.resources
        ns = naming.sandbox_namespace(tenant.name, sandbox.user)
        volume = Usage(storage=quantity_value(r.storage or "0") if r else Decimal(0))
        if running:
            volume = volume + _pods(1, r.cpu if r else None, r.memory if r else None) \
                + Usage(quantity_value(SANDBOX_PROXY.cpu), quantity_value(SANDBOX_PROXY.memory))
        _add(found, ns, volume)
    return dict(sorted(found.items()))


def total(usage: dict[str, Usage]) -> Usage:
    result = Usage()
    for part in usage.values():
        result = result + part
    return result


def overflows(tenant: Tenant, env: Environment) -> list[tuple[str, Decimal, Decimal]]:
    """(resource, sum, quota) for every resource the effective tenant's workloads exceed in ``env``."""
    need = total(namespace_usage(tenant, env))
    quota = tenant.spec.quota
    limits = {"cpu": quantity_value(quota.cpu), "memory": quantity_value(quota.memory),
              "storage": quantity_value(quota.storage), "pods": Decimal(quota.pods)}
    return [(r, need.value(r), limits[r]) for r in RESOURCES if need.value(r) > limits[r]]
