"""Conformance with kube-linter and Polaris: their own test fixtures, their expected outcome per check.

``../shared/peer/policy/index.json`` says, per fixture object and normalized check, whether the upstream
tool passes or fails it. Our rules must agree on every case whose check we map.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
import yaml

from checks import manifests, policy

PEER = Path(__file__).resolve().parents[3] / "shared" / "peer" / "policy"
TODAY = datetime.date(2026, 1, 1)

# Normalized check (and capabilities variant) -> our rule IDs; "fail" means at least one of them fires.
MAPPING: dict[str, set[str]] = {
    "privileged-container": {"privileged-container"},
    "host-namespaces": {"host-namespaces"},
    "host-path": {"host-path"},
    "host-port": {"host-port"},
    "capabilities/no-dangerous-add": {"capabilities-added"},
    "capabilities/must-drop-insecure": {"capabilities-drop-all"},
    "capabilities/no-net-raw": {"capabilities-added"},
    "privilege-escalation": {"privilege-escalation"},
    "run-as-non-root": {"run-as-non-root"},
    "read-only-root-fs": {"read-only-root-fs"},
    "cpu-requests": {"cpu-requests"},
    "memory-requests": {"memory-requests"},
    "memory-limits": {"memory-limits"},
    "latest-tag": {"image-tag"},
    "liveness-probe": {"liveness-probe"},
    "readiness-probe": {"readiness-probe"},
    "automount-sa-token": {"sa-token-automount"},
    "default-service-account": {"default-service-account"},
    "env-var-secret": {"env-var-secret"},
    "cluster-admin-binding": {"cluster-admin-binding"},
    "rbac-wildcard": {"rbac-wildcard"},
    "nodeport-service": {"service-exposed"},
    "mismatching-selector": {"selector-mismatch"},
    "default-namespace": {"default-namespace"},
    "seccomp": {"seccomp-profile"},
}
# Checks we deliberately do not map, with the reason. Every check of the pack is mapped today.
UNMAPPED: dict[str, str] = {}

def _cases() -> list[dict]:
    # No fixtures is a failure, not a skip: CI always has ../shared beside the clone.
    assert (PEER / "index.json").is_file(), f"peer policy fixtures missing: {PEER}"
    return json.loads((PEER / "index.json").read_text())


def _check_key(case: dict) -> str:
    return f"{case['check']}/{case['variant']}" if case.get("variant") else case["check"]


def _doc_line(path: Path, index: int) -> int:
    """The line document ``index`` starts on, as the loader records it."""
    nodes = [n for n in yaml.compose_all(path.read_text(), Loader=yaml.CSafeLoader) if n is not None]
    return nodes[index].start_mark.line + 1


def _judged(case: dict) -> tuple[manifests.Manifest, set[str]]:
    path = PEER / case["file"]
    objects, _ = manifests.load([path])
    kind, name = case["object"].split("/", 1)
    candidates = [m for m in objects if m.kind == kind and m.name == name]
    if "doc" in case:
        line = _doc_line(path, case["doc"])
        candidates = [m for m in candidates if m.line == line]
    assert len(candidates) == 1, f"{case['file']}: cannot identify {case['object']}"
    report = policy.run(objects, today=TODAY)
    target = candidates[0]
    fired = {f.rule for f in report.findings if (f.kind, f.name, f.line) == (target.kind, target.name, target.line)}
    return target, fired


def test_every_check_is_mapped_or_explained():
    checks = {_check_key(c) for c in _cases()}
    assert checks == set(MAPPING) | set(UNMAPPED)
    assert all(ids <= set(policy.RULES) for ids in MAPPING.values())


@pytest.mark.parametrize("case", _cases(), ids=lambda c: f"{c['file']}#{c.get('doc', 0)}:{_check_key(c)}")
def test_agrees_with_upstream(case):
    key = _check_key(case)
    assert key not in UNMAPPED, UNMAPPED.get(key)  # every check of the pack is mapped today
    _, fired = _judged(case)
    outcome = "fail" if fired & MAPPING[key] else "pass"
    assert outcome == case["expected"], f"{case['file']} {case['object']}: our rules fired {sorted(fired)}"
