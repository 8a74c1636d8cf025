"""What the platform's blueprints say about any tree: allowed registries, domains, tenant namespaces.

Optional: without a platform repo the rules that need these facts fall back to what the objects
themselves declare (Namespace labels) or stay silent (registries, domains).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from generator import loader, naming


@dataclass(frozen=True)
class PlatformFacts:
    registries: tuple[str, ...] | None = None
    domains: dict[str, str] = field(default_factory=dict)  # environment -> base domain
    tenant_namespaces: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)  # (env, tenant)

    def environments(self) -> frozenset[str]:
        return frozenset(self.domains)


def from_repo(root: Path) -> PlatformFacts:
    """Facts of the platform repo at ``root``; raises BlueprintError when its blueprints are invalid.

    Without the quota fit: the rules need names (registries, domains, namespaces), not sizes, and sizing
    every tenant per environment is a third of the load; ``render`` and ``check`` still refuse a misfit.
    """
    blueprints = loader.load(root, accounting=False)
    namespaces = {
        (env_name, tenant.name): frozenset(naming.tenant_namespaces(tenant, env))
        for env_name, env in blueprints.environments.items()
        for tenant in blueprints.tenants.values()
        if not tenant.spec.environments or env_name in tenant.spec.environments
    }
    return PlatformFacts(
        registries=tuple(blueprints.platform.spec.registries),
        domains={name: env.spec.domain for name, env in blueprints.environments.items()},
        tenant_namespaces=namespaces,
    )
