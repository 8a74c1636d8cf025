"""The canonical, machine-readable drift report; text, Markdown and HTML are views of it.

Schema (``schemaVersion`` 1; keys sorted; findings sorted by tenant, kind, group, namespace, name):

    {"schemaVersion": 1, "command": "drift", "environment": str, "inSync": bool, "exitCode": 0|1|2,
     "summary": {"checked": int, "requests": int, "missing": int, "extra": int, "modified": int,
                 "unknown": int, "apps": int, "appsOutOfSync": int},
     "problems": [str],                      # parts that could not run (cluster or Argo CD unreachable)
     "findings": [<finding>],
     "apps": [{"name", "project", "sync", "health", "revision",
               "outOfSync": [<object>], "diffs": [<finding>]}]}
    <finding> = {"status": "missing"|"extra"|"modified"|"unknown", "object": <object>, "tenant": str,
                 "file": str, "reason": str, "diffs": [<diff>], "unmanaged": [<diff>]}
    <object>  = {"group", "kind", "apiVersion", "namespace", "name"}
    <diff>    = {"path": str, "desired": any|null, "live": any|null, "manager": str|null, "time": str|null}

``desired``/``live`` are null where the field is absent on that side. Secret values never appear: they
are ``sha256:<hex>`` digests. Fields are only ever added, never renamed, within one ``schemaVersion``.
"""

from __future__ import annotations

import json
from typing import Any

from checks.drift.model import DriftFinding, DriftReport, FieldDiff, ObjectRef

SCHEMA_VERSION = 1


def object_dict(ref: ObjectRef, api_version: str = "") -> dict[str, str]:
    return {"group": ref.group, "kind": ref.kind, "apiVersion": api_version, "namespace": ref.namespace,
            "name": ref.name}


def diff_dict(diff: FieldDiff) -> dict[str, Any]:
    return {"path": diff.path, "desired": diff.desired, "live": diff.live, "manager": diff.manager,
            "time": diff.time}


def finding_dict(finding: DriftFinding) -> dict[str, Any]:
    return {
        "status": finding.status,
        "object": object_dict(finding.ref, finding.api_version),
        "tenant": finding.tenant,
        "file": finding.file,
        "reason": finding.reason,
        "diffs": [diff_dict(d) for d in finding.diffs],
        "unmanaged": [diff_dict(d) for d in finding.unmanaged],
    }


def as_dict(report: DriftReport) -> dict[str, Any]:
    out_of_sync = sum(1 for a in report.apps if a.sync != "Synced")
    return {
        "schemaVersion": SCHEMA_VERSION,
        "command": "drift",
        "environment": report.environment,
        "inSync": report.exit_code() == 0,
        "exitCode": report.exit_code(),
        "summary": {"checked": report.checked, "requests": report.requests, **report.counts,
                    "apps": len(report.apps), "appsOutOfSync": out_of_sync},
        "problems": list(report.problems),
        "findings": [finding_dict(f) for f in report.findings],
        "apps": [{"name": a.name, "project": a.project, "sync": a.sync, "health": a.health, "revision": a.revision,
                  "outOfSync": [object_dict(r) for r in a.out_of_sync],
                  "diffs": [finding_dict(f) for f in a.diffs]} for a in report.apps],
    }


def render(report: DriftReport) -> str:
    return json.dumps(as_dict(report), indent=2, sort_keys=True, default=str) + "\n"
