"""What a change does to rendered/: objects added, removed and changed, per environment and owner.

Both sides are object maps (rendered path -> object) as ``generator.pipeline.environment_objects`` builds
them, so the comparison is of objects, not of YAML text. An object belongs to its tenant (label
``platformctl.dev/tenant``: its workloads, guardrails and Argo CD objects; or its directory) or else to the
platform. Changed
objects list the field paths that differ, found by deepdiff and written the way kubectl's JSONPath reads
(``spec.template.spec.containers[0].image``). Kustomization listings are left out: they only mirror the
files.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from deepdiff import DeepDiff

from generator.render.meta import TENANT_LABEL

PLATFORM = ""  # the owner of objects no tenant owns
KUSTOMIZATION = "kustomization.yaml"
# deepdiff report types that mean "this path differs"; each level's path is reported once
_REPORTS = ("values_changed", "type_changes", "dictionary_item_added", "dictionary_item_removed",
            "iterable_item_added", "iterable_item_removed", "set_item_added", "set_item_removed")


@dataclass(frozen=True, order=True)
class ObjectId:
    """How a reviewer names an object: kind, namespace/name (and the rendered file, to find it)."""

    kind: str
    namespace: str
    name: str
    path: str

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace + '/' if self.namespace else ''}{self.name}"


@dataclass(frozen=True)
class Changed:
    object: ObjectId
    fields: tuple[str, ...]


@dataclass
class OwnerDiff:
    """One tenant's (or the platform's) share of an environment's change."""

    owner: str  # tenant name, or PLATFORM
    added: list[ObjectId] = field(default_factory=list)
    removed: list[ObjectId] = field(default_factory=list)
    changed: list[Changed] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


@dataclass
class EnvDiff:
    env: str
    status: str = "changed"  # "added" / "removed" when the environment exists on one side only
    owners: list[OwnerDiff] = field(default_factory=list)  # non-empty ones, platform first, then by tenant


@dataclass
class DiffReport:
    base: str  # the revision compared against, as given
    base_commit: str
    envs: list[EnvDiff] = field(default_factory=list)  # environments with any change, by name
    quiet_tenants: list[str] = field(default_factory=list)  # blueprint edited, nothing rendered changed
    # files of the base's committed rendered/ that this platformctl renders differently: a code change's share
    base_stale: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.envs


def object_id(path: str, obj: Mapping[str, Any]) -> ObjectId:
    meta = obj.get("metadata", {})
    return ObjectId(str(obj.get("kind", "")), str(meta.get("namespace", "")), str(meta.get("name", "")), path)


def owner_of(path: str, obj: Mapping[str, Any]) -> str:
    """The tenant label, else the tenant whose directory holds the file (its platform-owned alert rules and
    dashboards in system/tenancy/<tenant>/ carry another label), else the platform."""
    label = obj.get("metadata", {}).get("labels", {}).get(TENANT_LABEL)
    if label:
        return str(label)
    parts = path.split("/")
    if parts[0] == "tenants" and len(parts) > 2:
        return parts[1]
    if parts[:2] == ["system", "tenancy"] and len(parts) > 3:
        return parts[2]
    return PLATFORM


def _step(key: Any) -> str:
    if isinstance(key, int):
        return f"[{key}]"
    text = str(key)
    return f".{text}" if text.replace("_", "").replace("-", "").isalnum() else f"[{json.dumps(text)}]"


def field_path(keys: Iterable[Any]) -> str:
    """``['spec', 'containers', 0, 'image']`` -> ``spec.containers[0].image``; keys with dots or slashes
    (labels, annotations) in brackets: ``metadata.labels["app.kubernetes.io/name"]``, as drift reports them."""
    return "".join(_step(k) for k in keys).lstrip(".")


def changed_fields(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[str, ...]:
    """Sorted field paths at which ``new`` differs from ``old`` (lists compared in order: order is meaning)."""
    tree = DeepDiff(old, new, view="tree", verbose_level=2)
    paths = {field_path(level.path(output_format="list")) for report in _REPORTS for level in tree.get(report, [])}
    return tuple(sorted(paths))


def _objects(files: Mapping[str, Any]) -> dict[str, Any]:
    return {p: o for p, o in files.items() if not p.endswith(KUSTOMIZATION)}


def compare_env(env: str, old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> EnvDiff | None:
    """The change of one environment, or None when its objects are equal. ``None`` means absent on that side."""
    before, after = _objects(old or {}), _objects(new or {})
    owners: dict[str, OwnerDiff] = {}

    def share(path: str, obj: Mapping[str, Any]) -> OwnerDiff:
        owner = owner_of(path, obj)
        return owners.setdefault(owner, OwnerDiff(owner))

    for path in sorted(before.keys() | after.keys()):
        if path not in after:
            share(path, before[path]).removed.append(object_id(path, before[path]))
        elif path not in before:
            share(path, after[path]).added.append(object_id(path, after[path]))
        elif before[path] != after[path]:
            fields = changed_fields(before[path], after[path])
            share(path, after[path]).changed.append(Changed(object_id(path, after[path]), fields))
    for part in owners.values():
        part.added.sort()
        part.removed.sort()
        part.changed.sort(key=lambda c: c.object)
    ordered = [owners[k] for k in sorted(owners) if not owners[k].empty]
    if not ordered:
        return None
    status = "added" if old is None else "removed" if new is None else "changed"
    return EnvDiff(env, status, ordered)


def compare(base: str, base_commit: str, old: Mapping[str, Mapping[str, Any]], new: Mapping[str, Mapping[str, Any]],
            edited_tenants: Iterable[str] = ()) -> DiffReport:
    """Every environment's change; ``edited_tenants`` (blueprint files the change touches) that changed
    nothing rendered anywhere are listed as quiet, so a reviewer sees that the edit was a no-op."""
    report = DiffReport(base, base_commit)
    for env in sorted(old.keys() | new.keys()):
        result = compare_env(env, old.get(env), new.get(env))
        if result is not None:
            report.envs.append(result)
    touched = {part.owner for e in report.envs for part in e.owners}
    report.quiet_tenants = sorted(set(edited_tenants) - touched)
    return report
