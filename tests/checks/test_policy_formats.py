"""Output formats: JSON is the canonical model, SARIF 2.1.0 and JUnit parse and say the same thing."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import jsonschema
from policy_world import check, world

from checks.findings import Finding, Report, RuleInfo
from checks.formats import FORMATS

DEPLOY = "rendered/local/tenants/acme/acme-web_deployment_web.yaml"

# The parts of the SARIF 2.1.0 schema (sarif-schema-2.1.0.json) our output uses, with their constraints.
SARIF_SUBSET = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "$schema": {"type": "string", "format": "uri"},
        "runs": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["tool"],
            "properties": {
                "tool": {"type": "object", "required": ["driver"], "properties": {"driver": {
                    "type": "object", "required": ["name"],
                    "properties": {"name": {"type": "string"}, "rules": {"type": "array", "items": {
                        "type": "object", "required": ["id"],
                        "properties": {
                            "id": {"type": "string"},
                            "shortDescription": {"$ref": "#/$defs/message"},
                            "help": {"$ref": "#/$defs/message"},
                            "defaultConfiguration": {"type": "object",
                                                     "properties": {"level": {"$ref": "#/$defs/level"}}},
                        }}}}}}},
                "results": {"type": "array", "items": {
                    "type": "object", "required": ["message"],
                    "properties": {
                        "ruleId": {"type": "string"},
                        "ruleIndex": {"type": "integer", "minimum": -1},
                        "level": {"$ref": "#/$defs/level"},
                        "message": {"$ref": "#/$defs/message"},
                        "locations": {"type": "array", "items": {"type": "object", "properties": {
                            "physicalLocation": {"type": "object", "required": ["artifactLocation"], "properties": {
                                "artifactLocation": {"$ref": "#/$defs/artifactLocation"},
                                "region": {"type": "object", "properties": {"startLine": {"type": "integer",
                                                                                          "minimum": 1}}}}},
                            "logicalLocations": {"type": "array"}}}},
                        "suppressions": {"type": "array", "items": {"$ref": "#/$defs/suppression"}},
                    }}},
            }}},
    },
    "$defs": {
        "level": {"enum": ["none", "note", "warning", "error"]},
        "message": {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}},
        "artifactLocation": {"type": "object", "required": ["uri"],
                             "properties": {"uri": {"type": "string", "format": "uri-reference"}}},
        "suppression": {"type": "object", "required": ["kind"], "properties": {
            "kind": {"enum": ["inSource", "external"]}, "justification": {"type": "string"}}},
    },
}


def _report() -> Report:
    w = world()
    container = w[DEPLOY]["spec"]["template"]["spec"]["containers"][0]
    container["securityContext"]["privileged"] = True
    container.pop("readinessProbe")
    return check(w)


def test_json_is_sorted_stable_and_complete():
    report = _report()
    text = FORMATS["json"](report)
    assert text == FORMATS["json"](_report())
    data = json.loads(text)
    assert data["schemaVersion"] == 1
    assert data["summary"] == {"objects": report.objects, "files": 0, "findings": 2, "error": 1, "warning": 1,
                               "info": 0, "suppressed": 0}
    assert [f["rule"] for f in data["findings"]] == ["privileged-container", "readiness-probe"]
    first = data["findings"][0]
    assert first["object"] == {"kind": "Deployment", "apiVersion": "apps/v1", "namespace": "acme-web", "name": "web"}
    assert first["field"] == "spec.template.spec.containers[0].securityContext.privileged"
    assert first["file"] == DEPLOY and first["line"] == 1 and first["remediation"]
    assert [r["id"] for r in data["rules"]] == sorted(r["id"] for r in data["rules"])


def test_findings_sort_the_same_whatever_order_they_came_in():
    a = Finding("b-rule", "error", "m", "x.yaml", line=3)
    b = Finding("a-rule", "warning", "m", "x.yaml", line=3)
    c = Finding("a-rule", "error", "m", "a.yaml", line=9)
    assert Report.build("t", [], [a, b, c]).findings == Report.build("t", [], [c, a, b]).findings == (c, b, a)


def test_sarif_matches_the_2_1_0_structure():
    data = json.loads(FORMATS["sarif"](_report()))
    jsonschema.validate(data, SARIF_SUBSET, format_checker=jsonschema.FormatChecker())
    run = data["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels == {"privileged-container": "error", "readiness-probe": "warning"}
    location = run["results"][0]["locations"][0]["physicalLocation"]
    assert location == {"artifactLocation": {"uri": DEPLOY}, "region": {"startLine": 1}}


def test_sarif_absolute_paths_become_file_uris():
    report = Report.build("t", [RuleInfo("r", "info", "d", "h")], [Finding("r", "info", "m", "/tmp/a b.yaml")])
    result = json.loads(FORMATS["sarif"](report))["runs"][0]["results"][0]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "file:///tmp/a%20b.yaml"
    assert result["level"] == "note"


def test_junit_has_a_suite_per_rule_and_a_failure_per_finding():
    report = _report()
    root = ET.fromstring(FORMATS["junit"](report))
    assert root.tag == "testsuites" and root.get("failures") == "2"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {r.id for r in report.rules}
    failing = {name for name, s in suites.items() if s.findall("testcase/failure")}
    assert failing == {"privileged-container", "readiness-probe"}
    failure = suites["privileged-container"].find("testcase/failure")
    assert failure is not None and failure.get("type") == "error"
    assert "Deployment/acme-web/web" in suites["privileged-container"].find("testcase").get("name")
    assert suites["host-path"].findall("testcase") and not suites["host-path"].findall("testcase/failure")


def test_text_has_one_line_per_finding_and_a_summary():
    lines = FORMATS["text"](_report()).splitlines()
    assert lines[0] == (f"{DEPLOY}:1: error privileged-container: Deployment/acme-web/web: container runs privileged "
                        "(spec.template.spec.containers[0].securityContext.privileged)")
    assert lines[-1].endswith("1 error, 1 warning")
    assert len(lines) == 3


def test_exit_code_threshold():
    report = _report()
    assert report.worst_exit_code() == 1
    assert report.worst_exit_code("error") == 1
    only_warning = Report.build("t", [], [Finding("r", "warning", "m", "f")])
    assert only_warning.worst_exit_code("error") == 0 and only_warning.worst_exit_code() == 1
    assert Report.build("t", [], [Finding("r", "info", "m", "f")]).worst_exit_code("warning") == 0
