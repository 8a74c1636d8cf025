"""JUnit XML, the one report format every CI system renders: one testsuite per rule, a failure per finding.

Each rule that ran is a testsuite; a rule without findings is one passing testcase, so CI shows what
was checked as well as what failed.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from checks.findings import Finding, Report
from checks.formats.text import line


def _case_name(finding: Finding) -> str:
    where = f"{finding.file}:{finding.line}" if finding.line else finding.file
    return f"{finding.object_ref} ({where})" if finding.object_ref else where


def render(report: Report) -> str:
    by_rule: dict[str, list[Finding]] = {}
    for finding in report.findings:
        by_rule.setdefault(finding.rule, []).append(finding)
    rule_ids = sorted({r.id for r in report.rules} | set(by_rule))
    root = ET.Element("testsuites", name=f"platformctl {report.tool_command}",
                      tests=str(sum(max(1, len(by_rule.get(r, []))) for r in rule_ids)),
                      failures=str(len(report.findings)))
    for rule_id in rule_ids:
        findings = by_rule.get(rule_id, [])
        suite = ET.SubElement(root, "testsuite", name=rule_id, tests=str(max(1, len(findings))),
                              failures=str(len(findings)), errors="0", skipped="0")
        if not findings:
            ET.SubElement(suite, "testcase", classname=rule_id, name="all objects")
        for finding in findings:
            case = ET.SubElement(suite, "testcase", classname=rule_id, name=_case_name(finding))
            failure = ET.SubElement(case, "failure", type=finding.severity, message=finding.message)
            failure.text = line(finding) + (f"\nremediation: {finding.remediation}" if finding.remediation else "")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
