"""Labels and object skeletons every renderer shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MANAGED_BY = {"app.kubernetes.io/managed-by": "platformctl"}
ENV_LABEL = "platformctl.dev/environment"
TENANT_LABEL = "platformctl.dev/tenant"
COMPONENT_LABEL = "platformctl.dev/component"

Obj = dict[str, Any]


def labels(env: str, *, tenant: str | None = None, component: str | None = None) -> dict[str, str]:
    result = {**MANAGED_BY, ENV_LABEL: env}
    if tenant is not None:
        result[TENANT_LABEL] = tenant
    if component is not None:
        result[COMPONENT_LABEL] = component
    return result


def make(
    api_version: str,
    kind: str,
    name: str,
    *,
    namespace: str | None = None,
    labels: dict[str, str],
    annotations: dict[str, str] | None = None,
    finalizers: list[str] | None = None,
    **body: Any,
) -> Obj:
    metadata: Obj = {"name": name}
    if namespace is not None:
        metadata["namespace"] = namespace
    metadata["labels"] = dict(labels)
    if annotations:
        metadata["annotations"] = dict(annotations)
    if finalizers:
        metadata["finalizers"] = list(finalizers)
    return {"apiVersion": api_version, "kind": kind, "metadata": metadata, **body}


@dataclass(frozen=True)
class Rendered:
    """What a workload renderer produces for one tenant in one environment, split by who may sync it.

    ``workloads`` go to ``tenants/<tenant>/`` (the tenant's Application; its AppProject refuses
    NetworkPolicy, ResourceQuota, LimitRange, Role and RoleBinding). ``guardrails`` are exactly those
    kinds, and go to the platform-owned ``system/tenancy/<tenant>/``.
    """

    workloads: list[Obj] = field(default_factory=list)
    guardrails: list[Obj] = field(default_factory=list)

    def __add__(self, other: Rendered) -> Rendered:
        return Rendered(self.workloads + other.workloads, self.guardrails + other.guardrails)
