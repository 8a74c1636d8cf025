"""Services and selectors: nothing exposed on nodes, and every selector selecting something."""

from __future__ import annotations

from collections.abc import Iterator

from checks.manifests import Manifest
from checks.policy.context import Context
from checks.policy.podspec import WORKLOAD_KINDS, as_dict, as_list
from checks.policy.registry import Hit, rule
from checks.policy.selectors import matches, matches_map


@rule("service-exposed", "error", "Services must not be NodePort, LoadBalancer or carry externalIPs",
      "Use a ClusterIP Service behind the environment's Ingress.", ("Service",))
def service_exposed(m: Manifest, ctx: Context) -> Iterator[Hit]:
    spec = as_dict(m.obj.get("spec"))
    if spec.get("type") in ("NodePort", "LoadBalancer"):
        yield f"service type {spec['type']} exposes it outside the cluster", "spec.type"
    if as_list(spec.get("externalIPs")):
        yield "service sets externalIPs", "spec.externalIPs"


def _selects_template(m: Manifest, ctx: Context, selector: dict, plain: bool) -> bool:
    match = matches_map if plain else matches
    return any(match(selector, labels) for labels in ctx.templates.get((m.env, m.namespace), ()))


@rule("selector-mismatch", "error", "Selectors must select pods: a workload its own template, a Service or "
      "PodDisruptionBudget some pod template in its namespace",
      "Make the selector and the pod template labels agree.", (*WORKLOAD_KINDS, "Service", "PodDisruptionBudget"))
def selector_mismatch(m: Manifest, ctx: Context) -> Iterator[Hit]:
    spec = as_dict(m.obj.get("spec"))
    if m.pod is not None:
        if m.kind in ("Pod", "CronJob", "Job") or "selector" not in spec:
            return  # Pods have none; Jobs get a generated one
        if not matches(as_dict(spec.get("selector")), m.pod.labels):
            yield "selector does not match the pod template's labels", "spec.selector"
        return
    if (m.env, m.namespace) in ctx.operator_ns:
        return  # an operator's pods (Kubero, CNPG) are not in git: cannot tell
    if m.kind == "Service":
        selector = as_dict(spec.get("selector"))
        if selector and spec.get("type") != "ExternalName" and not _selects_template(m, ctx, selector, True):
            yield "service selects no pod template in its namespace", "spec.selector"
    elif not _selects_template(m, ctx, as_dict(spec.get("selector")), False):
        yield "disruption budget selects no pod template in its namespace", "spec.selector"
