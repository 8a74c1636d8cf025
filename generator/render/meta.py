"""Labels and object skeletons every renderer shares."""

from __future__ import annotations

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
