"""The drift result model: one JSON-able shape that text, Markdown and HTML only render.

A finding is about one object and is one of four classes (``missing``, ``extra``, ``modified``,
``unknown``); a modified object lists its field differences, and, when asked for, the fields only
the live object has (``unmanaged``). Values of Secrets never enter the model: they are replaced by
``sha256:<hex>`` digests before any diff is built.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from checks.findings import EXIT_CLEAN, EXIT_COULD_NOT_RUN, EXIT_FINDINGS

Status = Literal["missing", "extra", "modified", "unknown"]
STATUSES: tuple[Status, ...] = ("missing", "extra", "modified", "unknown")

EXIT_IN_SYNC = EXIT_CLEAN
EXIT_DRIFT = EXIT_FINDINGS
EXIT_COULD_NOT_CHECK = EXIT_COULD_NOT_RUN  # one exit-code contract for every command


@dataclass(frozen=True, order=True)
class ObjectRef:
    """Which object: API group (not version: one object is served under several), kind, namespace, name."""

    group: str
    kind: str
    namespace: str  # "" for cluster-scoped objects
    name: str

    @classmethod
    def of(cls, obj: dict[str, Any]) -> ObjectRef:
        api_version = str(obj.get("apiVersion") or "")
        meta = obj.get("metadata") or {}
        return cls(api_version.rpartition("/")[0] if "/" in api_version else "", str(obj.get("kind") or ""),
                   str(meta.get("namespace") or ""), str(meta.get("name") or ""))

    def __str__(self) -> str:
        kind = f"{self.kind}.{self.group}" if self.group else self.kind
        return f"{kind}/{self.namespace}/{self.name}" if self.namespace else f"{kind}/{self.name}"


@dataclass(frozen=True)
class FieldDiff:
    """One field that differs. ``path`` is dotted, list items picked by their key:
    ``spec.template.spec.containers[name=web].resources.limits.memory``, ``spec.ports[port=443,protocol=TCP]``,
    or by index ``[3]`` when a list has no key. ``desired``/``live`` are None when the field is absent there.
    ``manager``/``time``: the live field manager that owns the field (from managedFields) and when it last wrote.
    """

    path: str
    desired: Any = None
    live: Any = None
    manager: str | None = None
    time: str | None = None


@dataclass(frozen=True)
class DriftFinding:
    status: Status
    ref: ObjectRef
    api_version: str = ""  # as in git (desired) or as listed (live)
    tenant: str = ""  # platformctl.dev/tenant label, "" for platform objects
    file: str = ""  # rendered file of the desired object ("" for extra objects)
    diffs: tuple[FieldDiff, ...] = ()  # modified: what differs in the fields git declares
    unmanaged: tuple[FieldDiff, ...] = ()  # fields only live has (reported when asked for)
    reason: str = ""  # unknown: why it could not be checked (forbidden, kind not served, ...)

    def sort_key(self) -> tuple[str, str, str, str, str]:
        return (self.tenant, self.ref.kind, self.ref.group, self.ref.namespace, self.ref.name)


@dataclass(frozen=True)
class AppStatus:
    """One Argo CD Application as Argo CD sees it."""

    name: str
    project: str
    sync: str  # Synced, OutOfSync, Unknown
    health: str  # Healthy, Progressing, Degraded, Suspended, Missing, Unknown
    revision: str = ""
    out_of_sync: tuple[ObjectRef, ...] = ()  # resources Argo CD reports OutOfSync
    diffs: tuple[DriftFinding, ...] = ()  # from managed-resources: Argo CD's own diff, as findings


@dataclass(frozen=True)
class DriftReport:
    environment: str
    findings: tuple[DriftFinding, ...] = ()
    apps: tuple[AppStatus, ...] = ()
    checked: int = 0  # desired objects compared
    requests: int = 0  # API requests made to the cluster
    problems: tuple[str, ...] = ()  # what stopped a part of the check (cluster unreachable, Argo CD down)
    counts: dict[str, int] = field(default_factory=dict)

    @classmethod
    def build(cls, environment: str, findings: Iterable[DriftFinding], apps: Iterable[AppStatus] = (), *,
              checked: int = 0, requests: int = 0, problems: Iterable[str] = ()) -> DriftReport:
        """Sorted, counted: the same inputs give byte-identical output in every format."""
        ordered = tuple(sorted(findings, key=DriftFinding.sort_key))
        counts = {s: sum(1 for f in ordered if f.status == s) for s in STATUSES}
        return cls(environment, ordered, tuple(sorted(apps, key=lambda a: a.name)), checked, requests,
                   tuple(problems), counts)

    def exit_code(self) -> int:
        """1 when drift was found; else 2 when anything could not be checked (unknown is never in sync); else 0."""
        drifted = any(f.status != "unknown" for f in self.findings) or any(a.sync != "Synced" for a in self.apps)
        if drifted:
            return EXIT_DRIFT
        if self.problems or any(f.status == "unknown" for f in self.findings):
            return EXIT_COULD_NOT_CHECK
        return EXIT_IN_SYNC
