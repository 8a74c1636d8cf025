"""Where the pod spec sits in each workload kind, so container rules are written once.

KuberoApp (and other operator kinds) are not pod specs: their pods come from the operator, which the
platform configures, so rules about containers cannot judge them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
WORKLOAD_KINDS = frozenset(SPEC_PATHS)
# Kinds whose pods run until stopped: these need probes. Jobs finish; a Pod depends on its restartPolicy.
LONG_RUNNING = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController"})


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


@dataclass(slots=True)
class Container:
    data: dict[str, Any]
    path: str  # field path of the container, e.g. spec.template.spec.containers[0]
    group: str  # containers, initContainers or ephemeralContainers
    security: dict[str, Any]  # its securityContext ({} when unset)

    @property
    def regular(self) -> bool:
        return self.group == "containers"


@dataclass(slots=True)
class PodView:
    spec: dict[str, Any]
    path: str  # field path of the pod spec
    labels: dict[str, Any]  # the pod template's labels
    containers: list[Container]
    security: dict[str, Any]  # the PodSecurityContext ({} when unset)
    long_running: bool


def pod_view(kind: str, obj: dict[str, Any]) -> PodView | None:
    """The pod spec of a workload object, or None for every other kind (or a malformed object)."""
    path = SPEC_PATHS.get(kind)
    if path is None:
        return None
    node: Any = obj
    parent: Any = obj
    for key in path:
        parent, node = node, as_dict(node).get(key)
    spec = as_dict(node)
    labels = as_dict(as_dict(obj.get("metadata") if kind == "Pod" else as_dict(parent).get("metadata")).get("labels"))
    where = ".".join(path)
    containers = [
        Container(as_dict(c), f"{where}.{group}[{i}]", group, as_dict(as_dict(c).get("securityContext")))
        for group in ("containers", "initContainers", "ephemeralContainers")
        for i, c in enumerate(as_list(spec.get(group)))
    ]
    long_running = kind in LONG_RUNNING or (kind == "Pod" and spec.get("restartPolicy") in (None, "Always"))
    return PodView(spec, where, labels, containers, as_dict(spec.get("securityContext")), long_running)
