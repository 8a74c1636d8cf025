"""The canonical, machine-readable form of a report; every other format is a view of it.

Schema (``schemaVersion`` 1; keys sorted, findings sorted by file, line, rule, object):

    {"schemaVersion": 1, "command": str,
     "summary": {"objects": int, "files": int, "findings": int, "error": int, "warning": int, "info": int,
                 "suppressed": int},
     "rules": [{"id", "severity", "description", "remediation"}],
     "findings": [{"rule", "severity", "message", "remediation", "file", "line": int|null,
                   "object": {"kind", "apiVersion", "namespace", "name"}, "field": str|null}],
     "suppressed": [{"finding": <finding>, "reason": str}]}

Fields are only ever added, never renamed, within one ``schemaVersion``.
"""

from __future__ import annotations

import json
from typing import Any

from checks.findings import Finding, Report

SCHEMA_VERSION = 1


def finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "severity": finding.severity,
        "message": finding.message,
        "remediation": finding.remediation,
        "file": finding.file,
        "line": finding.line,
        "object": {"kind": finding.kind, "apiVersion": finding.api_version, "namespace": finding.namespace,
                   "name": finding.name},
        "field": finding.field,
    }


def as_dict(report: Report) -> dict[str, Any]:
    return {
        "schemaVersion": SCHEMA_VERSION,
        "command": report.tool_command,
        "summary": {"objects": report.objects, "files": report.files, "findings": len(report.findings),
                    **report.counts, "suppressed": len(report.suppressed)},
        "rules": [{"id": r.id, "severity": r.severity, "description": r.description, "remediation": r.remediation}
                  for r in report.rules],
        "findings": [finding_dict(f) for f in report.findings],
        "suppressed": [{"finding": finding_dict(f), "reason": reason} for f, reason in report.suppressed],
    }


def render(report: Report) -> str:
    return json.dumps(as_dict(report), indent=2, sort_keys=True) + "\n"
