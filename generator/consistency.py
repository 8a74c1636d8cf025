"""Checks that look across fields and files, after each file passed its own model.

A pydantic validator only knows its own object; these rules need the platform, the environments
and all tenants at once (references, duplicates, collisions), and each names the exact field.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from generator import accounting, naming
from generator.errors import Problem
from generator.model import Environment, Platform, Tenant
from generator.model.image import registry_allowed
from generator.model.types import quantity_value
from generator.overlay import effective_tenant, present_in
from generator.render import components, quantity
from generator.yamlsource import Loc, SourceDoc

Located = tuple[Any, SourceDoc]
MIB = Decimal(1024 * 1024)


def _at(doc: SourceDoc, loc: Loc, message: str, *, key: bool = False) -> Problem:
    pos = doc.position(loc, key=key)
    return Problem(doc.path, pos.line, pos.column, ".".join(map(str, loc)), message)


def _duplicates(doc: SourceDoc, base: Loc, names: Iterable[str], what: str, field: str) -> Iterator[Problem]:
    first: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in first:
            where = f"{'.'.join(map(str, base))}[{first[name]}]"
            yield _at(doc, (*base, i, field), f"duplicate {what} {name!r} (also at {where})")
        else:
            first[name] = i


# AppProjects share one namespace with the tenants' projects; "default" is Argo CD's own.
RESERVED_TENANTS = frozenset({"platform", "default"})
RESERVED_COMPONENTS = frozenset({"tenancy"})  # system/tenancy is the guardrails' directory


def _platform(platform: Platform, doc: SourceDoc) -> Iterator[Problem]:
    spec = platform.spec
    yield from _duplicates(doc, ("spec", "components"), (c.name for c in spec.components), "component", "name")
    for i, component in enumerate(spec.components):
        for key in components.required_images(component.name):
            if key not in component.images:
                yield _at(doc, ("spec", "components", i), f"component {component.name!r} needs images.{key}: "
                          "a pinned image of a workload platformctl renders for it")
        for key, image in sorted(component.images.items()):
            if not registry_allowed(image, spec.registries):
                yield _at(doc, ("spec", "components", i, "images", key), f"image {image!r} is not from an allowed "
                          f"registry ({', '.join(spec.registries)})")
        if component.name in RESERVED_COMPONENTS:
            yield _at(doc, ("spec", "components", i, "name"), f"component name {component.name!r} is reserved")
        if component.namespace in naming.RESERVED_NAMESPACES:
            yield _at(doc, ("spec", "components", i, "namespace"),
                      f"namespace {component.namespace!r} belongs to Kubernetes itself")
    if spec.postgres.default_version not in spec.postgres.images:
        yield _at(doc, ("spec", "postgres", "defaultVersion"),
                  f"no image for PostgreSQL {spec.postgres.default_version} in spec.postgres.images")
    for i, entry in enumerate(spec.registries):
        if "://" in entry or entry != entry.strip() or not entry or ".." in entry:
            yield _at(doc, ("spec", "registries", i), f"{entry!r} is not a registry host or host/path prefix")


def _environment(env: Environment, doc: SourceDoc, platform: Platform) -> Iterator[Problem]:
    version = env.spec.defaults.database.version
    if version is not None and version not in platform.spec.postgres.images:
        yield _at(doc, ("spec", "defaults", "database", "version"),
                  f"no image for PostgreSQL {version} in the platform's spec.postgres.images")
    if env.spec.databases.backups and env.spec.databases.object_store is None:
        yield _at(doc, ("spec", "databases", "backups"),
                  "backups are on but spec.databases.objectStore is not set: where would they go?")


def _slug_collisions(tenant: Tenant, doc: SourceDoc) -> Iterator[Problem]:
    """Distinct users whose sandbox namespaces coincide (a repeated user is a plain duplicate)."""
    first: dict[str, tuple[int, str]] = {}
    for i, sandbox in enumerate(tenant.spec.sandboxes):
        namespace = naming.sandbox_namespace(tenant.name, sandbox.user)
        j, other = first.setdefault(namespace, (i, sandbox.user))
        if other != sandbox.user:
            yield _at(doc, ("spec", "sandboxes", i, "user"),
                      f"sandbox namespace {namespace!r} of {sandbox.user!r} collides with that of {other!r} "
                      f"(spec.sandboxes[{j}])")


def _quota_shares(tenant: Tenant, doc: SourceDoc, environments: dict[str, Located]) -> Iterator[Problem]:
    """The quota is split evenly over the tenant's namespaces; no share may round down to nothing."""
    count = max((len(naming.tenant_namespaces(tenant, env)) for env, _ in environments.values()
                 if present_in(tenant, env)), default=0)
    if count == 0:
        return
    quota = tenant.spec.quota
    smallest = {"cpu": (quantity_value(quota.cpu), Decimal("0.001"), "1m"),
                "memory": (quantity_value(quota.memory), MIB, "1Mi"),
                "storage": (quantity_value(quota.storage), MIB, "1Mi"),
                "pods": (Decimal(quota.pods), Decimal(1), "1 pod")}
    for field, (total, least, shown) in smallest.items():
        if total / count < least:
            yield _at(doc, ("spec", "quota", field),
                      f"split over the tenant's up to {count} namespaces this leaves less than {shown} each")


def _shown(resource: str, amount: Decimal) -> str:
    if resource == "pods":
        return f"{amount} pods"
    return quantity.cpu(amount) if resource == "cpu" else quantity.binary(amount)


def _quota_fits(tenant: Tenant, doc: SourceDoc, platform: Platform,
                environments: dict[str, Located], only: str | None) -> Iterator[Problem]:
    """Per environment (or just ``only``), what the workloads request at most must fit the tenant quota."""
    for name, (env, _) in sorted(environments.items()):
        if only is not None and name != only:
            continue
        if not present_in(tenant, env):
            continue
        for resource, need, limit in accounting.overflows(effective_tenant(tenant, env, platform), env):
            yield _at(doc, ("spec", "quota", resource),
                      f"in environment {name!r} the workloads request {_shown(resource, need)} of {resource}, "
                      f"more than the quota {_shown(resource, limit)} (apps at their most replicas, database "
                      "instances and poolers, sandboxes with their proxy)")


def _tenant(tenant: Tenant, doc: SourceDoc, platform: Platform, environments: dict[str, Located]) -> Iterator[Problem]:
    spec = tenant.spec
    if tenant.name in RESERVED_TENANTS:
        yield _at(doc, ("metadata", "name"), f"tenant name {tenant.name!r} is reserved (Argo CD project names)")
    yield from _quota_shares(tenant, doc, environments)
    yield from _duplicates(doc, ("spec", "apps"), (a.name for a in spec.apps), "app", "name")
    yield from _duplicates(doc, ("spec", "databases"), (d.name for d in spec.databases), "database", "name")
    yield from _duplicates(doc, ("spec", "sandboxes"), (s.user for s in spec.sandboxes), "sandbox user", "user")
    yield from _slug_collisions(tenant, doc)
    for i, name in enumerate(spec.environments or []):
        if name not in environments:
            known = ", ".join(sorted(environments)) or "none"
            yield _at(doc, ("spec", "environments", i), f"environment {name!r} does not exist (known: {known})")
    databases = {d.name for d in spec.databases}
    for i, app in enumerate(spec.apps):
        base = ("spec", "apps", i)
        if app.name == naming.DATA_SUFFIX or app.name.startswith(f"{naming.SANDBOX_INFIX}-"):
            yield _at(doc, (*base, "name"),
                      f"app name {app.name!r} is reserved (namespaces <tenant>-data and <tenant>-sbx-*)")
        if app.name in environments:
            yield _at(doc, (*base, "name"), f"app name {app.name!r} is reserved: it names an environment "
                      "(Kubero runs a tenant's kubero apps in <tenant>-<environment>)")
        if app.runtime == "kubero" and app.repo is None:
            yield _at(doc, base, "runtime 'kubero' shows the app's source in Kubero: set 'repo' (owner/name)")
        if app.image is None:
            yield _at(doc, base, f"runtime {app.runtime!r} needs an 'image' (kubero apps deploy an image that "
                      "the repo's Gitea Actions build: Kubero's own builds need privileged pods)"
                      if app.runtime == "kubero" else "runtime 'deployment' needs an 'image'")
        if app.runtime == "kubero" and app.databases:
            yield _at(doc, (*base, "databases"), "runtime 'kubero' cannot use databases: Kubero passes env vars "
                      "by value only, and database credentials never come from the blueprint; use runtime "
                      "'deployment'")
        if app.image is not None and not registry_allowed(app.image, platform.spec.registries):
            yield _at(doc, (*base, "image"), f"image {app.image!r} is not from an allowed registry "
                      f"({', '.join(platform.spec.registries)})")
        if app.autoscale is not None and app.autoscale.min > app.autoscale.max:
            yield _at(doc, (*base, "autoscale", "min"),
                      f"autoscale min {app.autoscale.min} is greater than max {app.autoscale.max}")
        if app.runtime == "deployment":
            taken = naming.database_variables(app)
            for name in sorted(set(app.env) & taken.keys()):
                yield _at(doc, (*base, "env", name), f"{name} is set from database {taken[name]!r}'s Secret: "
                          "choose another name (the credentials never come from the blueprint)", key=True)
        for j, ref in enumerate(app.databases):
            if ref not in databases:
                known = ", ".join(sorted(databases)) or "none declared"
                yield _at(doc, (*base, "databases", j), f"database {ref!r} is not in spec.databases ({known})")
    for i, db in enumerate(spec.databases):
        if db.version is not None and db.version not in platform.spec.postgres.images:
            yield _at(doc, ("spec", "databases", i, "version"),
                      f"PostgreSQL {db.version} has no image in the platform "
                      f"(known: {', '.join(sorted(platform.spec.postgres.images))})")
    people = set(spec.owners) | set(spec.members)
    for i, sandbox in enumerate(spec.sandboxes):
        if sandbox.user not in people:
            yield _at(doc, ("spec", "sandboxes", i, "user"), f"{sandbox.user!r} is neither an owner nor a member")
    if spec.sandboxes and platform.spec.sandboxes is None:
        yield _at(doc, ("spec", "sandboxes"), "sandboxes need the platform's spec.sandboxes images "
                  "(codeServer, oauth2Proxy, git) in blueprints/platform.yaml")


def _namespaces(tenant: Tenant, environments: Iterable[str]) -> Iterator[tuple[str, Loc]]:
    """Every namespace the tenant may own, with the field that causes it."""
    yield naming.data_namespace(tenant.name), ("metadata", "name")
    for i, app in enumerate(tenant.spec.apps):
        if app.runtime == "kubero":
            for env in environments:
                yield naming.kubero_namespace(tenant.name, env), ("spec", "apps", i, "runtime")
        else:
            yield naming.app_namespace(tenant.name, app.name), ("spec", "apps", i, "name")
    for i, sandbox in enumerate(tenant.spec.sandboxes):
        yield naming.sandbox_namespace(tenant.name, sandbox.user), ("spec", "sandboxes", i, "user")


def _collisions(platform: Platform, tenants: dict[str, Located], environments: Iterable[str]) -> Iterator[Problem]:
    owner: dict[str, str] = {ns: "the platform" for ns in naming.RESERVED_NAMESPACES}
    owner.update({c.namespace: f"platform component {c.name!r}" for c in platform.spec.components})
    for name in sorted(tenants):
        tenant, doc = tenants[name]
        for namespace, loc in _namespaces(tenant, sorted(environments)):
            if namespace in owner and owner[namespace] != f"tenant {name!r}":
                yield _at(doc, loc, f"namespace {namespace!r} collides with {owner[namespace]}")
            owner.setdefault(namespace, f"tenant {name!r}")


def _ingress_hosts(tenants: dict[str, Located]) -> Iterator[Problem]:
    """Host labels are per environment domain, so two apps anywhere may not share one."""
    owner: dict[str, str] = {}
    for name in sorted(tenants):
        tenant, doc = tenants[name]
        for i, app in enumerate(tenant.spec.apps):
            if app.ingress is None:
                continue
            here = f"{name}/{app.name}"
            if app.ingress.host in owner:
                yield _at(doc, ("spec", "apps", i, "ingress", "host"),
                          f"ingress host {app.ingress.host!r} is already used by {owner[app.ingress.host]}")
            else:
                owner[app.ingress.host] = here


def _sso_user_names(tenants: dict[str, Located]) -> Iterator[Problem]:
    """Casdoor knows users by a DNS-safe name made from the e-mail (naming.sso_user_name): two e-mails that
    make the same name would be one user there."""
    first: dict[str, str] = {}
    for name in sorted(tenants):
        tenant, doc = tenants[name]
        for field in ("owners", "members"):
            for i, email in enumerate(getattr(tenant.spec, field)):
                user = naming.sso_user_name(email)
                other = first.setdefault(user, email.lower())
                if other != email.lower():
                    yield _at(doc, ("spec", field, i), f"{email!r} and {other!r} would be one single sign-on user "
                              f"({user!r}): use one address for the person")


def check(
    platform: Platform,
    platform_doc: SourceDoc,
    environments: dict[str, Located],
    tenants: dict[str, Located],
    *,
    accounting: bool = True,
    fit_only: str | None = None,
) -> list[Problem]:
    """Every cross-field problem. ``accounting=False`` skips the quota fit (the one check that sizes
    workloads per environment): readers that only need names, like the policy engine's facts.
    ``fit_only`` sizes one environment only: a command that renders just that one (``render --env``)."""
    problems = list(_platform(platform, platform_doc))
    for env, doc in environments.values():
        problems += _environment(env, doc, platform)
    for tenant, doc in tenants.values():
        problems += _tenant(tenant, doc, platform, environments)
        if accounting:
            problems += _quota_fits(tenant, doc, platform, environments, fit_only)
    problems += _collisions(platform, tenants, environments)
    problems += _ingress_hosts(tenants)
    problems += _sso_user_names(tenants)
    return problems
