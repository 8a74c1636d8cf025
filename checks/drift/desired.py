"""Desired state: the objects of rendered/<env>, each with the file it came from and its tenant."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checks.drift.model import ObjectRef
from checks.manifests import ManifestError, load

MANAGED_BY = "app.kubernetes.io/managed-by"
ENVIRONMENT = "platformctl.dev/environment"
TENANT = "platformctl.dev/tenant"


@dataclass(frozen=True)
class Desired:
    obj: dict[str, Any]
    ref: ObjectRef
    file: str
    tenant: str


def selector(env: str) -> str:
    """The label selector of every object the renderer writes for ``env``: one list per type finds them all."""
    return f"{MANAGED_BY}=platformctl,{ENVIRONMENT}={env}"


def load_env(root: Path, env: str) -> list[Desired]:
    """Every object of rendered/<env>; raises ManifestError (bad YAML, no such environment) and on duplicates."""
    tree = root / "rendered" / env
    if not tree.is_dir():
        raise ManifestError([f"{tree}: no rendered environment {env!r} (run 'platformctl render --env {env}')"])
    manifests, _ = load([tree], relative_to=root)
    found: dict[ObjectRef, Desired] = {}
    problems = []
    for m in manifests:
        ref = ObjectRef.of(m.obj)
        if ref in found:
            problems.append(f"{m.file}:{m.line}: {ref} is also defined in {found[ref].file}")
            continue
        found[ref] = Desired(m.obj, ref, m.file, str(m.labels.get(TENANT) or ""))
    if problems:
        raise ManifestError(problems)
    return sorted(found.values(), key=lambda d: d.ref)
