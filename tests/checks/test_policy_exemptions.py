"""Exemptions: platform-owned, with reason and expiry; expired ones are findings; annotations never exempt."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from policy_world import TODAY, check, world

from checks.policy import RULES
from checks.policy.exemptions import PolicyFileError, load

DEPLOY = "rendered/local/tenants/acme/acme-web_deployment_web.yaml"
HEADER = "apiVersion: platformctl.dev/v1alpha1\nkind: PolicyExemptions\nexemptions:\n"
ENTRY = """  - rule: host-path
    match: {kind: Deployment, namespace: "acme-*", name: web}
    reason: the app reads node logs, agreed with security
    expires: %s
"""


def _with_host_path() -> dict:
    w = world()
    w[DEPLOY]["spec"]["template"]["spec"]["volumes"] = [{"name": "logs", "hostPath": {"path": "/var/log"}}]
    return w


def _file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(HEADER + body)
    return path


def test_active_exemption_suppresses_and_keeps_the_reason(tmp_path: Path):
    exemptions = load(_file(tmp_path, ENTRY % "2026-12-31"), set(RULES))
    report = check(_with_host_path(), exemptions=exemptions)
    assert report.findings == ()
    assert [(f.rule, reason) for f, reason in report.suppressed] == [
        ("host-path", "the app reads node logs, agreed with security")]
    assert report.worst_exit_code() == 0


def test_exemption_on_its_last_day_still_applies_then_expires(tmp_path: Path):
    exemptions = load(_file(tmp_path, "# first entry\n" + ENTRY % TODAY.isoformat()), set(RULES))
    assert check(_with_host_path(), exemptions=exemptions).findings == ()
    report = check(_with_host_path(), exemptions=exemptions, today=TODAY + datetime.timedelta(days=1))
    assert sorted(f.rule for f in report.findings) == ["exemption-expired", "host-path"]
    expired = next(f for f in report.findings if f.rule == "exemption-expired")
    assert (expired.file, expired.line, expired.severity) == (str(tmp_path / "policy.yaml"), 5, "error")
    assert "expired on 2026-06-01" in expired.message
    assert report.worst_exit_code() == 1


def test_selector_must_match_every_field(tmp_path: Path):
    exemptions = load(_file(tmp_path, (ENTRY % "2026-12-31").replace("name: web", "name: api")), set(RULES))
    assert [f.rule for f in check(_with_host_path(), exemptions=exemptions).findings] == ["host-path"]


@pytest.mark.parametrize("annotations", [
    {"platformctl.dev/policy-exempt": "host-path"},
    {"polaris.fairwinds.com/exempt": "true"},
    {"ignore-check.kube-linter.io/host-path": "because"},
])
def test_objects_cannot_exempt_themselves_by_annotation(annotations: dict):
    w = _with_host_path()
    w[DEPLOY]["metadata"]["annotations"] = annotations
    w[DEPLOY]["spec"]["template"]["metadata"]["annotations"] = annotations
    assert [f.rule for f in check(w).findings] == ["host-path"]


@pytest.mark.parametrize(("body", "expected"), [
    (ENTRY % "2026-12-31" + "    owner: me\n", "policy.yaml:4: exemptions.0.owner: Extra inputs are not permitted"),
    (ENTRY % "2026-12-31" + "  - rule: host-path\n    match: {kind: Pod, nmae: x}\n    reason: long enough reason\n"
     "    expires: 2027-01-01\n", "policy.yaml:8: exemptions.1.match.nmae: Extra inputs are not permitted"),
    ((ENTRY % "2026-12-31").replace("host-path", "no-such-rule"), "policy.yaml:4: exemptions.0.rule: unknown rule"),
    ((ENTRY % "2026-12-31").replace("    expires: 2026-12-31\n", ""), "policy.yaml:4: exemptions.0.expires: Field"),
    ((ENTRY % "someday"), "policy.yaml:4: exemptions.0.expires: Input should be a valid date"),
    ((ENTRY % "2026-12-31").replace("the app reads node logs, agreed with security", "ok"),
     "policy.yaml:4: exemptions.0.reason: String should have at least 10 characters"),
])
def test_policy_file_is_validated_strictly(tmp_path: Path, body: str, expected: str):
    with pytest.raises(PolicyFileError) as caught:
        load(_file(tmp_path, body), set(RULES), shown="policy.yaml")
    assert any(p.startswith(expected) for p in caught.value.problems), caught.value.problems


def test_the_shipped_policy_file_is_valid():
    path = Path(__file__).resolve().parents[2] / "checks" / "policy.yaml"
    load(path, set(RULES))
