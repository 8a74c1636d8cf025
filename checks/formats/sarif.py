"""SARIF 2.1.0, the format code-scanning UIs (GitHub, Gitea plugins, IDEs) annotate pull requests from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from checks.findings import Finding, Report

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def uri(path: str) -> str:
    """Relative paths stay relative (resolved against the repo root); absolute ones become file:// URIs."""
    return Path(path).as_uri() if path.startswith("/") else quote(path)


def _result(finding: Finding, index: dict[str, int], reason: str | None = None) -> dict[str, Any]:
    location: dict[str, Any] = {"physicalLocation": {"artifactLocation": {"uri": uri(finding.file)}}}
    if finding.line:
        location["physicalLocation"]["region"] = {"startLine": finding.line}
    if finding.object_ref:
        location["logicalLocations"] = [{"fullyQualifiedName": finding.object_ref, "kind": "object"}]
    text = f"{finding.object_ref}: {finding.message}" if finding.object_ref else finding.message
    if finding.field:
        text += f" ({finding.field})"
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "level": _LEVEL[finding.severity],
        "message": {"text": text},
        "locations": [location],
    }
    if finding.rule in index:
        result["ruleIndex"] = index[finding.rule]
    if reason is not None:
        result["suppressions"] = [{"kind": "external", "justification": reason}]
    return result


def as_dict(report: Report) -> dict[str, Any]:
    rules = [
        {
            "id": r.id,
            "shortDescription": {"text": r.description},
            "help": {"text": r.remediation},
            "defaultConfiguration": {"level": _LEVEL[r.severity]},
        }
        for r in report.rules
    ]
    index = {r.id: i for i, r in enumerate(report.rules)}
    results = [_result(f, index) for f in report.findings]
    results += [_result(f, index, reason) for f, reason in report.suppressed]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "platformctl", "informationUri": "https://platformctl.dev",
                                "rules": rules}},
            "results": results,
        }],
    }


def render(report: Report) -> str:
    return json.dumps(as_dict(report), indent=2, sort_keys=True) + "\n"
