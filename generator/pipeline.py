"""Blueprints + environment -> the file tree of ``rendered/<env>``, in memory.

A tenant's files depend only on (platform, environment, tenant), so they are produced by one
function, ``tenant_files``: the unit that the writer caches and that can run in parallel.
Directory listings (kustomization.yaml) are built last from the file names alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from generator import naming
from generator.loader import Blueprints
from generator.model import Environment, Platform, Tenant
from generator.overlay import effective_tenant, present_in
from generator.render import argocd, system, tenancy
from generator.render.meta import Obj
from generator.serialize import dump, kustomization

Files = dict[str, bytes]
KUSTOMIZATION = "kustomization.yaml"


def _place(directory: str, objects: Iterable[Obj]) -> Files:
    files: Files = {}
    for obj in objects:
        path = f"{directory}/{naming.object_file(obj)}"
        if path in files:
            raise ValueError(f"two objects render to {path}")  # a renderer bug, not bad input
        files[path] = dump(obj)
    return files


def _with_kustomization(directory: str, files: Files) -> Files:
    prefix = directory + "/"
    listed = [p.removeprefix(prefix) for p in files if p.startswith(prefix)]
    return {**files, f"{directory}/{KUSTOMIZATION}": kustomization(listed)}


def tenant_files(platform: Platform, env: Environment, tenant: Tenant) -> Files:
    """Everything one tenant contributes to rendered/<env> (its tenancy dir, its own dir, its Argo CD objects)."""
    effective = effective_tenant(tenant, env, platform)
    guard_dir = f"system/{tenancy.COMPONENT}/{tenant.name}"
    files = _with_kustomization(guard_dir, _place(guard_dir, tenancy.render(platform, env, effective)))
    files.update(_with_kustomization(f"tenants/{tenant.name}", {}))
    files.update(_place("argocd", [
        argocd.tenant_project(platform, env, effective),
        argocd.tenant_application(platform, env, effective),
    ]))
    return files


def platform_files(platform: Platform, env: Environment, tenant_names: list[str]) -> Files:
    """The parts of the tree that are not any one tenant's."""
    files: Files = {}
    argocd_objects = [
        argocd.root_application(platform, env),
        argocd.platform_project(platform, env),
        argocd.tenancy_application(platform, env),
    ]
    for component in platform.spec.components:
        directory = f"system/{component.name}"
        files.update(_with_kustomization(directory, _place(directory, system.render(env, component))))
        argocd_objects.append(argocd.component_application(platform, env, component))
    files.update(_place("argocd", argocd_objects))
    files[f"system/{tenancy.COMPONENT}/{KUSTOMIZATION}"] = kustomization(tenant_names)
    return files


def tenants_in(blueprints: Blueprints, env: Environment) -> list[Tenant]:
    return [t for t in blueprints.tenants.values() if present_in(t, env)]


def render_environment(
    blueprints: Blueprints,
    env: Environment,
    tenant_renderer: Callable[[list[Tenant]], Iterable[Files]] | None = None,
) -> Files:
    """The complete file tree of one environment, sorted by path.

    ``tenant_renderer`` lets the caller supply tenant files from a cache or a process pool; by
    default each tenant is rendered here.
    """
    platform = blueprints.platform
    tenants = tenants_in(blueprints, env)
    if tenant_renderer is None:
        parts: Iterable[Files] = (tenant_files(platform, env, t) for t in tenants)
    else:
        parts = tenant_renderer(tenants)
    files = platform_files(platform, env, [t.name for t in tenants])
    for part in parts:
        files.update(part)
    argocd_listing = [p.removeprefix("argocd/") for p in files if p.startswith("argocd/")]
    files["argocd/" + KUSTOMIZATION] = kustomization(argocd_listing)
    return dict(sorted(files.items()))
