"""The platform's own components, ``system/<component>/``: per component its objects and its Helm values.

Each component's Argo CD Application (render/argocd.py) syncs its pinned chart with ``values(ctx)`` and the
objects in ``system/<component>/`` (its Namespace, then whatever the component's module adds: ExternalSecrets,
a database, custom resources). A module here is named after the component it wires and has two pure
functions, ``objects(ctx)`` and ``values(ctx)``; a component without one gets its Namespace and the values
from platform.yaml. platform.yaml's ``values`` are merged over the generated ones (mappings merged key by
key, anything else replaced): the platform team has the last word.
"""

from __future__ import annotations

import copy
import functools
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from generator.model import Environment, Platform, Tenant
from generator.model.platform import Component
from generator.render.meta import Obj, labels, make


@dataclass(frozen=True)
class Context:
    """What a component renderer may read: the platform, the environment, the component itself, and the
    tenants present in the environment as their blueprints say (Casdoor's groups, Argo CD's roles)."""

    platform: Platform
    env: Environment
    component: Component
    tenants: tuple[Tenant, ...]
    # what objects() and values() both derive (Casdoor's init data): computed once per render of the component
    memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def once(self, key: str, make: Callable[[], Any]) -> Any:
        if key not in self.memo:
            self.memo[key] = make()
        return self.memo[key]

    @property
    def namespace(self) -> str:
        return self.component.namespace

    def labels(self) -> dict[str, str]:
        return labels(self.env.name, component=self.component.name)


@functools.cache
def _module(component: str) -> ModuleType | None:
    """The module wiring ``component`` (``-`` as ``_``), or None: found by name, so adding a component's
    module is all it takes. Imported lazily, so each module may import this package."""
    name = f"{__name__}.{component.replace('-', '_')}"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``override`` over ``base``: mappings merged key by key, anything else (lists included) replaced."""
    result = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = deep_merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def _part(ctx: Context, name: str) -> Callable[[Context], Any] | None:
    module = _module(ctx.component.name)
    return getattr(module, name, None) if module is not None else None


def objects(ctx: Context) -> list[Obj]:
    """The component's Namespace (unless an earlier component shares it: an operator and its plugin), then
    its module's objects."""
    first = next(c for c in ctx.platform.spec.components if c.namespace == ctx.namespace)
    result = [make("v1", "Namespace", ctx.namespace, labels=ctx.labels())] if first is ctx.component else []
    render = _part(ctx, "objects")
    return result + (render(ctx) if render else [])


def values(ctx: Context) -> dict[str, Any]:
    """The Helm values of the component's chart: generated, then platform.yaml's over them."""
    render = _part(ctx, "values")
    return deep_merge(render(ctx) if render else {}, ctx.component.values)


def required_images(component: str) -> tuple[str, ...]:
    """The ``images`` keys a component's module needs (its ``REQUIRED_IMAGES``): the loader asks, so a
    missing one is a load error at its line, not a failed render."""
    module = _module(component)
    return tuple(getattr(module, "REQUIRED_IMAGES", ())) if module is not None else ()
