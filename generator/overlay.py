"""Environment defaults and caps applied to a tenant: the merge rules of the README.

1. A value set in the blueprint wins.
2. Otherwise the environment's ``defaults`` apply (they come with built-in values of their own).
3. Then the environment's ``caps`` bound the result, whoever set it: a cap always wins.
4. Feature switches: ``databases.backups: false`` drops backup schedules.

The result is a Tenant with every optional field resolved, so renderers never guess.
"""

from __future__ import annotations

from generator.model import Environment, Platform, Tenant
from generator.model.tenant import App, Autoscale, Database, Pooler, Resources, Sandbox, SandboxResources


def _cap(value: int, cap: int | None) -> int:
    return value if cap is None else min(value, cap)


def _resources(mine: Resources | None, default: Resources) -> Resources:
    if mine is None:
        return default
    return Resources(cpu=mine.cpu or default.cpu, memory=mine.memory or default.memory)


def _app(app: App, env: Environment) -> App:
    defaults, cap = env.spec.defaults.app, env.spec.caps.app.replicas
    autoscale = app.autoscale
    if autoscale is not None and cap == 0:
        autoscale = None  # an HPA cannot scale to zero: the cap wins, the app is off
    elif autoscale is not None and cap is not None:
        autoscale = Autoscale(min=_cap(autoscale.min, cap), max=_cap(autoscale.max, cap),
                              cpu_percent=autoscale.cpu_percent)
    replicas = app.replicas if app.replicas is not None else defaults.replicas
    return app.model_copy(update={
        "replicas": _cap(replicas, cap),
        "autoscale": autoscale,
        "resources": _resources(app.resources, defaults.resources),
    })


def effective_database(db: Database, env: Environment, platform: Platform) -> Database:
    """The database as ``env`` runs it: its version, instances and storage from the environment's defaults
    where the blueprint sets none, instances and poolers under the caps, backups only where enabled."""
    defaults, caps = env.spec.defaults.database, env.spec.caps.database
    pooler = db.pooler
    if pooler is not None:
        pooler = Pooler(instances=_cap(pooler.instances or defaults.pooler_instances, caps.pooler_instances))
    return db.model_copy(update={
        "version": db.version or defaults.version or platform.spec.postgres.default_version,
        "instances": _cap(db.instances or defaults.instances, caps.instances),
        "storage": db.storage or defaults.storage,
        "backup": db.backup if env.spec.databases.backups else None,
        "pooler": pooler,
    })


def _sandbox(sandbox: Sandbox, env: Environment) -> Sandbox:
    default = env.spec.defaults.sandbox.resources
    mine = sandbox.resources or SandboxResources()
    return sandbox.model_copy(update={"resources": SandboxResources(
        cpu=mine.cpu or default.cpu, memory=mine.memory or default.memory, storage=mine.storage or default.storage,
    )})


def present_in(tenant: Tenant, env: Environment) -> bool:
    return tenant.spec.environments is None or env.name in tenant.spec.environments


def effective_tenant(tenant: Tenant, env: Environment, platform: Platform) -> Tenant:
    spec = tenant.spec
    return tenant.model_copy(update={"spec": spec.model_copy(update={
        "apps": [_app(a, env) for a in spec.apps],
        "databases": [effective_database(d, env, platform) for d in spec.databases],
        "sandboxes": [_sandbox(s, env) for s in spec.sandboxes],
    })})
