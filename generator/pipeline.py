"""Blueprints + environment -> the file tree of ``rendered/<env>``, in memory.

A tenant's files depend only on (platform, environment, tenant), so they are produced by one
function, ``tenant_objects``: the unit that the render cache keys and that can run in parallel.
Directory listings (kustomization.yaml) are built from the file names alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from generator import naming
from generator.loader import Blueprints
from generator.model import Environment, Platform, Tenant
from generator.overlay import effective_tenant, present_in
from generator.render import apps, argocd, components, databases, kubero, observability, sandboxes, tenancy
from generator.render.meta import Obj, Rendered
from generator.serialize import dump, kustomization

Files = dict[str, bytes]
Objects = dict[str, Obj]
KUSTOMIZATION = "kustomization.yaml"


def _place(directory: str, objects: Iterable[Obj]) -> Objects:
    placed: Objects = {}
    for obj in objects:
        path = f"{directory}/{naming.object_file(obj)}"
        if path in placed:
            raise ValueError(f"two objects render to {path}")  # a renderer bug, not bad input
        placed[path] = obj
    return placed


def _with_kustomization(directory: str, objects: Objects) -> Objects:
    prefix = directory + "/"
    listed = [p.removeprefix(prefix) for p in objects if p.startswith(prefix)]
    return {**objects, f"{directory}/{KUSTOMIZATION}": kustomization(listed)}


def tenant_objects(platform: Platform, env: Environment, tenant: Tenant) -> Objects:
    """Everything one tenant contributes to rendered/<env>: its tenancy dir, its own dir, its Argo CD objects."""
    effective = effective_tenant(tenant, env, platform)
    project = _place("argocd", [argocd.tenant_project(platform, env, effective)])
    if not has_namespaces(tenant, env):
        return project  # nothing runs here: its project (and SSO roles) only
    work = workloads(platform, env, effective)
    guard_dir = f"system/{tenancy.COMPONENT}/{tenant.name}"
    guards = tenancy.render(platform, env, effective) + work.guardrails
    objects = _with_kustomization(guard_dir, _place(guard_dir, guards))
    own_dir = f"tenants/{tenant.name}"
    objects.update(_with_kustomization(own_dir, _place(own_dir, work.workloads)))
    objects.update(project)
    objects.update(_place("argocd", [
        argocd.tenancy_application(platform, env, effective),
        argocd.tenant_application(platform, env, effective),
    ]))
    return objects


WORKLOAD_RENDERERS = (apps.render, kubero.render, databases.render, sandboxes.render, observability.render)


def workloads(platform: Platform, env: Environment, effective: Tenant) -> Rendered:
    """What the (effective) tenant runs: apps, databases, sandboxes; split into its own and guardrails."""
    result = Rendered()
    for render in WORKLOAD_RENDERERS:
        result = result + render(platform, env, effective)
    return result


def has_namespaces(tenant: Tenant, env: Environment) -> bool:
    return bool(naming.tenant_namespaces(tenant, env))


def tenant_files(platform: Platform, env: Environment, tenant: Tenant) -> Files:
    return {path: dump(obj) for path, obj in tenant_objects(platform, env, tenant).items()}


def platform_objects(platform: Platform, env: Environment, tenants: Iterable[Tenant] = ()) -> Objects:
    """The parts of the tree that are not any one tenant's (except the argocd/ listing). ``tenants`` are the
    blueprints present in ``env``: single sign-on and monitoring are configured for each."""
    objects: Objects = {}
    argocd_objects = [argocd.root_application(platform, env), argocd.platform_project(platform, env)]
    present = tuple(tenants)
    for component in platform.spec.components:
        ctx = components.Context(platform, env, component, present)
        directory = f"system/{component.name}"
        objects.update(_with_kustomization(directory, _place(directory, components.objects(ctx))))
        argocd_objects.append(argocd.component_application(platform, env, component, components.values(ctx)))
    objects.update(_place("argocd", argocd_objects))
    return objects


def argocd_listing(paths: Iterable[str]) -> tuple[str, Obj]:
    """argocd/kustomization.yaml lists every file of argocd/, the tenants' included."""
    listed = [p.removeprefix("argocd/") for p in paths if p.startswith("argocd/")]
    return f"argocd/{KUSTOMIZATION}", kustomization(listed)


def _merge(into: dict[str, Any], part: dict[str, Any]) -> None:
    """Add one tenant's files; an overlap would mean one object silently replaced another."""
    overlap = into.keys() & part.keys()
    if overlap:
        raise ValueError(f"rendered twice: {', '.join(sorted(overlap))}")  # a naming bug, not bad input
    into.update(part)


def tenants_in(blueprints: Blueprints, env: Environment) -> list[Tenant]:
    return [t for t in blueprints.tenants.values() if present_in(t, env)]


def environment_objects(blueprints: Blueprints, env: Environment) -> Objects:
    """Every object (and kustomization) of one environment, keyed by path; used by tests and the benchmark."""
    platform = blueprints.platform
    tenants = tenants_in(blueprints, env)
    objects = platform_objects(platform, env, tenants)
    for tenant in tenants:
        _merge(objects, tenant_objects(platform, env, tenant))
    path, listing = argocd_listing(objects)
    objects[path] = listing
    return dict(sorted(objects.items()))


def render_environment(
    blueprints: Blueprints,
    env: Environment,
    tenant_renderer: Callable[[list[Tenant]], Iterable[dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    """The complete file tree of one environment (path -> bytes), sorted by path.

    ``tenant_renderer`` lets the caller supply each tenant's files from a cache or a process pool
    (values may then be writer.REUSE markers); by default each tenant is rendered here.
    """
    platform = blueprints.platform
    tenants = tenants_in(blueprints, env)
    files: dict[str, Any] = {path: dump(obj) for path, obj in platform_objects(platform, env, tenants).items()}
    parts = tenant_renderer(tenants) if tenant_renderer else (tenant_files(platform, env, t) for t in tenants)
    for part in parts:
        _merge(files, part)
    path, listing = argocd_listing(files)
    files[path] = dump(listing)
    return dict(sorted(files.items()))
