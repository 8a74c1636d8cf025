"""generator.overlay: the merge rules of the README (blueprint wins, defaults fill, caps bound)."""

from __future__ import annotations

from generator.loader import load
from generator.model import Environment, Tenant
from generator.overlay import effective_tenant, present_in
from tests.support import REPO

BLUEPRINTS = load(REPO)
PLATFORM = BLUEPRINTS.platform


def _env(**spec: object) -> Environment:
    return Environment.model_validate({
        "apiVersion": "platformctl.dev/v1alpha1", "kind": "Environment", "metadata": {"name": "test"},
        "spec": {"domain": "test.example.com", "secretStore": {"name": "s"}, **spec},
    })


def _tenant(**spec: object) -> Tenant:
    return Tenant.model_validate({
        "apiVersion": "platformctl.dev/v1alpha1", "kind": "Tenant", "metadata": {"name": "t"},
        "spec": {"owners": ["o@t.io"], "quota": {"cpu": 1, "memory": "1Gi", "storage": "1Gi", "pods": 5}, **spec},
    })


APP = {"name": "web", "image": "registry.example.com/t/web:1.0"}


def test_blueprint_value_wins_over_environment_default() -> None:
    env = _env(defaults={"app": {"replicas": 3, "resources": {"cpu": "1", "memory": "1Gi"}}})
    tenant = _tenant(apps=[{**APP, "replicas": 2, "resources": {"cpu": "250m"}}])
    app = effective_tenant(tenant, env, PLATFORM).spec.apps[0]
    assert app.replicas == 2
    assert (app.resources.cpu, app.resources.memory) == ("250m", "1Gi")  # per field: unset memory comes from env


def test_environment_default_fills_what_the_blueprint_leaves_unset() -> None:
    env = _env(defaults={"app": {"replicas": 3}, "database": {"instances": 2, "storage": "7Gi", "version": "17"}})
    tenant = _tenant(apps=[APP], databases=[{"name": "db"}])
    effective = effective_tenant(tenant, env, PLATFORM)
    assert effective.spec.apps[0].replicas == 3
    db = effective.spec.databases[0]
    assert (db.instances, db.storage, db.version) == (2, "7Gi", "17")


def test_built_in_defaults_apply_when_nobody_sets_a_value() -> None:
    effective = effective_tenant(_tenant(apps=[APP], databases=[{"name": "db"}], sandboxes=[{"user": "o@t.io"}]),
                                 _env(), PLATFORM)
    assert effective.spec.apps[0].replicas == 1
    assert effective.spec.databases[0].version == PLATFORM.spec.postgres.default_version
    assert effective.spec.sandboxes[0].resources.storage == "5Gi"


def test_cap_wins_over_the_blueprint() -> None:
    env = _env(caps={"app": {"replicas": 1}, "database": {"instances": 1, "poolerInstances": 1}})
    tenant = _tenant(
        apps=[{**APP, "replicas": 4, "autoscale": {"min": 2, "max": 6}}],
        databases=[{"name": "db", "instances": 3, "pooler": {"instances": 3}}],
    )
    effective = effective_tenant(tenant, env, PLATFORM)
    app, db = effective.spec.apps[0], effective.spec.databases[0]
    assert app.replicas == 1
    assert (app.autoscale.min, app.autoscale.max) == (1, 1)
    assert db.instances == 1
    assert db.pooler.instances == 1


def test_cap_above_the_value_changes_nothing() -> None:
    env = _env(caps={"app": {"replicas": 10}})
    app = effective_tenant(_tenant(apps=[{**APP, "replicas": 4}]), env, PLATFORM).spec.apps[0]
    assert app.replicas == 4


def test_backups_only_where_the_environment_enables_them() -> None:
    tenant = _tenant(databases=[{"name": "db", "backup": {"schedule": "0 0 3 * * *"}}])
    assert effective_tenant(tenant, _env(databases={"backups": False}), PLATFORM).spec.databases[0].backup is None
    kept = effective_tenant(tenant, _env(databases={"backups": True}), PLATFORM).spec.databases[0].backup
    assert kept is not None and kept.retention == "30d"


def test_example_local_caps_database_instances_at_one() -> None:
    local = BLUEPRINTS.environments["local"]
    acme = effective_tenant(BLUEPRINTS.tenants["acme"], local, PLATFORM)
    assert BLUEPRINTS.tenants["acme"].spec.databases[0].instances == 2
    assert acme.spec.databases[0].instances == 1
    prod = effective_tenant(BLUEPRINTS.tenants["acme"], BLUEPRINTS.environments["prod"], PLATFORM)
    assert prod.spec.databases[0].instances == 2


def test_tenant_environments_select_where_it_exists() -> None:
    initech = BLUEPRINTS.tenants["initech"]
    assert present_in(initech, BLUEPRINTS.environments["local"])
    assert not present_in(initech, BLUEPRINTS.environments["prod"])
    assert present_in(BLUEPRINTS.tenants["globex"], BLUEPRINTS.environments["prod"])  # default: all


def test_a_cap_of_zero_switches_autoscaling_off() -> None:
    env = _env(caps={"app": {"replicas": 0}})
    app = effective_tenant(_tenant(apps=[{**APP, "autoscale": {"min": 2, "max": 6}}]), env, PLATFORM).spec.apps[0]
    assert (app.replicas, app.autoscale) == (0, None)
