"""One drift check of one environment: desired (rendered/<env>) vs live (cluster) and Argo CD, as a DriftReport.

Read-only by construction: the cluster is only listed and read (``live.fetch``), except in the optional
server-side mode, which asks the API server for apply *dry runs* (that needs patch rights, nothing is stored).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubernetes import client

from checks.drift import apply, live
from checks.drift.argocd import ArgoCD, ArgoCDError, ManagedResource
from checks.drift.compare import compare, hpa_targets
from checks.drift.desired import TENANT, Desired, load_env, selector
from checks.drift.discovery import GroupKind
from checks.drift.ignore import NO_RULES, IgnoreRules
from checks.drift.managed import owned_by
from checks.drift.model import AppStatus, DriftFinding, DriftReport, ObjectRef

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Options:
    """How to compare. ``server_side``: desired = the server's dry-run apply of git as ``field_manager``
    (absorbs API defaults exactly; needs patch rights). ``unmanaged``: also report live-only fields."""

    server_side: bool = False
    field_manager: str = "platformctl"
    unmanaged: bool = False
    workers: int = 8
    ignore: IgnoreRules = NO_RULES


def run(root: Path, env: str, api: client.ApiClient, *, options: Options = Options(), argocd: ArgoCD | None = None,
        progress: Progress | None = None) -> DriftReport:
    """Check ``env``; ManifestError for a bad rendered/ tree, ClusterUnreachable when the API server is not there."""
    desired = load_env(root, env)
    state = live.fetch(api, [d.obj for d in desired], selector=selector(env), workers=options.workers,
                       progress=progress)
    predicted = _dry_runs(api, desired, state, options, progress) if options.server_side else {}
    scaled = hpa_targets([*(d.obj for d in desired), *state.objects.values()])
    findings: list[DriftFinding | None] = [_judge(d, state, predicted.get(d.ref), options, d.ref in scaled)
                                           for d in desired]
    findings += _extras(desired, state)
    desired_kinds = {GroupKind(d.ref.group, d.ref.kind) for d in desired}  # their objects are unknown already
    findings += [DriftFinding("unknown", ObjectRef(gk.group, gk.kind, "", "*"), reason=f"could not list: {why}")
                 for gk, why in sorted(state.unknown_types.items(), key=lambda item: (item[0].group, item[0].kind))
                 if gk not in desired_kinds]
    apps, problems = _argocd(argocd, env, options) if argocd is not None else ([], [])
    reported = [f for f in findings if f is not None]
    return DriftReport.build(env, reported, apps, checked=len(desired), requests=state.requests, problems=problems)


def _judge(d: Desired, state: live.LiveState, predicted: dict[str, Any] | str | None, options: Options,
           scaled: bool) -> DriftFinding | None:
    """The finding for one desired object, or None when it is in sync."""
    base = DriftFinding("modified", d.ref, str(d.obj.get("apiVersion") or ""), d.tenant, d.file)
    why = state.unknown.get(d.ref) or state.unknown_types.get(GroupKind(d.ref.group, d.ref.kind))
    if isinstance(predicted, str):  # the dry run was refused
        why = why or predicted
    if why:
        return dataclasses.replace(base, status="unknown", reason=why)
    have = state.objects.get(d.ref)
    if have is None:
        return dataclasses.replace(base, status="missing")
    if isinstance(predicted, dict):
        want = owned_by(predicted, options.field_manager)
        result = compare(want, have, ignore=options.ignore, ignore_replicas=scaled, unmanaged=options.unmanaged,
                         managers=(options.field_manager,), predicted=predicted)
    else:
        result = compare(d.obj, have, ignore=options.ignore, ignore_replicas=scaled, unmanaged=options.unmanaged)
    if result.equal and not result.unmanaged:
        return None
    return dataclasses.replace(base, diffs=result.diffs, unmanaged=result.unmanaged)


def _dry_runs(api: client.ApiClient, desired: list[Desired], state: live.LiveState, options: Options,
              progress: Progress | None) -> dict[ObjectRef, dict[str, Any] | str]:
    """Server-side mode: the dry-run apply of every desired object that exists live (a reason where refused)."""
    todo = [d for d in desired if d.ref in state.objects]

    def one(d: Desired) -> dict[str, Any] | str:
        try:
            return apply.dry_run_apply(api, d.obj, field_manager=options.field_manager, served=state.served)
        except apply.DryRunError as exc:
            return f"server-side dry run refused: {exc}"

    out: dict[ObjectRef, dict[str, Any] | str] = {}
    with ThreadPoolExecutor(max_workers=max(1, options.workers)) as pool:
        for done, (d, result) in enumerate(zip(todo, pool.map(one, todo), strict=True), start=1):
            out[d.ref] = result
            if progress:
                progress("dry-run", done, len(todo))
    return out


def _generated(obj: Mapping[str, Any], desired: Mapping[ObjectRef, Desired]) -> bool:
    """Live objects a controller made from ours, carrying our labels: not extra, they follow their owner.

    Anything with a controller ownerReference (ReplicaSets, Pods, EndpointSlices, operator children); the
    Endpoints a Service mirrors; the PVCs a StatefulSet's volumeClaimTemplates stamp out.
    """
    meta = obj.get("metadata") or {}
    if any(ref.get("controller") for ref in meta.get("ownerReferences") or []):
        return True
    ref = ObjectRef.of(obj)
    if ref.kind == "Endpoints" and ObjectRef("", "Service", ref.namespace, ref.name) in desired:
        return True
    if ref.kind == "PersistentVolumeClaim":
        for d in desired.values():
            if d.ref.kind == "StatefulSet" and d.ref.namespace == ref.namespace:
                for template in (d.obj.get("spec") or {}).get("volumeClaimTemplates") or []:
                    claim = (template.get("metadata") or {}).get("name")
                    if claim and ref.name.startswith(f"{claim}-{d.ref.name}-"):
                        return True
    return False


def _extras(desired: list[Desired], state: live.LiveState) -> list[DriftFinding]:
    """Live objects with our labels that git does not have (any kind: every listable type was listed)."""
    by_ref = {d.ref: d for d in desired}
    out = []
    for ref, obj in state.objects.items():
        if ref in by_ref or _generated(obj, by_ref):
            continue
        labels = (obj.get("metadata") or {}).get("labels") or {}
        out.append(DriftFinding("extra", ref, str(obj.get("apiVersion") or ""), str(labels.get(TENANT) or "")))
    return out


def _argocd(argocd: ArgoCD, env: str, options: Options) -> tuple[list[AppStatus], list[str]]:
    """Argo CD's view: every application of the environment; its own diff for those not in sync."""
    try:
        apps = argocd.applications(env)
        out = []
        for app in apps:
            if app.sync == "Synced":
                out.append(app)
                continue
            diffs = [f for f in (_argocd_finding(r, options) for r in argocd.managed_resources(app.name)) if f]
            out.append(dataclasses.replace(app, diffs=tuple(sorted(diffs, key=DriftFinding.sort_key))))
        return out, []
    except ArgoCDError as exc:
        return [], [f"Argo CD: {exc}"]


def _argocd_finding(resource: ManagedResource, options: Options) -> DriftFinding | None:
    """Argo CD's diff of one resource in our terms: target (predicted) vs its normalized live state."""
    if not resource.modified and resource.target is not None and resource.live is not None:
        return None
    labels = ((resource.target or resource.live or {}).get("metadata") or {}).get("labels") or {}
    base = DriftFinding("modified", resource.ref, resource.api_version, str(labels.get(TENANT) or ""))
    if resource.target is None:
        return dataclasses.replace(base, status="extra")
    if resource.live is None:
        return dataclasses.replace(base, status="missing")
    if resource.masked:
        return dataclasses.replace(base, reason="Secret values are masked by Argo CD: they differ, not shown")
    result = compare(resource.target, resource.live, ignore=options.ignore)
    return dataclasses.replace(base, diffs=result.diffs) if result.diffs else None

