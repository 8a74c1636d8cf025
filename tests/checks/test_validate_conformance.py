"""kubeconform's own acceptance cases (``../shared/peer/validate/``) through our validate path.

Every one of the 46 cases runs: manifests through ``checks.validate.validate`` (with the case's own schema
source where it brings one, and its -skip / -reject flags through our kubeconform wrapper), the two
openapi2jsonschema cases through our CRD converter ``checks.schemagen``. Exit code and result must match
upstream, except for the few cases listed in ``DEVIATIONS``, each with the reason our design differs and
the outcome we require instead.

Adaptations that do not change any outcome (so are not deviations): we never fetch schemas, so
``-cache``/``-kubernetes-version 1.20.0|1.14.0`` run against the installed Kubernetes 1.33 schemas (every
kind in those cases is still served); ``-summary``/``-verbose`` only shape kubeconform's text output.
"""

from __future__ import annotations

import copy
import datetime
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from checks import schemagen
from checks.findings import Report
from checks.policy import sharded
from checks.validate import validate

PEER = Path(__file__).resolve().parents[3] / "shared" / "peer" / "validate"
CASES: list[dict[str, Any]] = json.loads((PEER / "index.json").read_text())["cases"] if PEER.is_dir() else []
VERSION = "1.33.4"
STRICT = "we always run -strict: a field Kubernetes does not know is a typo that the API server would drop"
NO_SKIP = "a kind with no schema is an error, never skipped: a skipped object is an object nobody checked"
NO_DUPLICATES = ("duplicate-object detection is kubeval's, which kubeconform (what we run) does not have; "
                 "within a kustomization `kustomize build` rejects duplicates, and across a tree it needs every object "
                 "parsed: the policy engine's `duplicate-object` rule (test_duplicate_cases_fail_policy), not "
                 "validate's (validate stays within 1.15x of kubeconform)")

# case index -> (exit code, result) we require instead of upstream's, and why
DEVIATIONS: dict[int, tuple[int, str, str]] = {
    2: (1, "error", f"-skip ReplicationController: {NO_SKIP}"),
    20: (1, "error", f"-ignore-missing-schemas: {NO_SKIP}"),
    22: (1, "invalid", f"extra_property.yaml without -strict: {STRICT}"),
    25: (1, "invalid", f"duplicate_property.yaml without -strict: {STRICT}"),
    37: (0, "valid", NO_DUPLICATES),
    38: (0, "valid", NO_DUPLICATES),
    39: (0, "valid", NO_DUPLICATES),
    42: (1, "error", f"apps/v1beta1 Deployment has had no schema since Kubernetes 1.16: {NO_SKIP}"),
    43: (1, "error", f"kubeval ran with --skip-kinds SkipThisKind: {NO_SKIP}"),
}

pytestmark = pytest.mark.skipif(not CASES, reason="peer validate fixtures not present")


def _args(case: dict[str, Any]) -> tuple[list[str] | None, tuple[str, ...]]:
    """The case's own schema location (made absolute) and the kubeconform flags our wrapper passes through."""
    args = case["kubeconform_args"]
    locations = None
    extra: list[str] = []
    for i, arg in enumerate(args):
        if arg == "-schema-location":
            locations = [str(PEER / args[i + 1].removeprefix("./fixtures/").join(("fixtures/", "")))]
        elif arg in ("-skip", "-reject"):
            extra += [arg, args[i + 1]]
    return locations, tuple(extra)


def _result(report: Report) -> str:
    rules = {f.rule for f in report.findings}
    if not rules:
        return "valid"
    return "invalid" if rules == {"schema-invalid"} else "error"


def _run_manifests(case: dict[str, Any]) -> tuple[int, str, Report]:
    locations, extra = _args(case)
    report = validate([PEER / case["file"]], VERSION, relative_to=PEER, locations=locations, extra=extra)
    return (1 if report.findings else 0), _result(report), report


def _property_paths(schema: Any, prefix: str = "") -> set[str]:
    """Every property path a schema names (through properties and items): what a converter must keep."""
    found: set[str] = set()
    if not isinstance(schema, dict):
        return found
    for name, sub in (schema.get("properties") or {}).items():
        found |= {f"{prefix}.{name}"} | _property_paths(sub, f"{prefix}.{name}")
    if isinstance(schema.get("items"), dict):
        found |= _property_paths(schema["items"], f"{prefix}[]")
    return found


def _run_schemagen(case: dict[str, Any]) -> tuple[int, str, dict[str, Any]]:
    crd = yaml.safe_load((PEER / case["file"]).read_text())
    version = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    ours = schemagen.strict(schemagen.with_envelope(copy.deepcopy(version)))
    expected = json.loads((PEER / case["expected"]["output_file"]).read_text())
    assert _property_paths(ours) == _property_paths(expected)  # same fields, ours strict at every level
    if "DENY_ROOT_ADDITIONAL_PROPERTIES=true" in case["kubeconform_args"]:
        assert ours["additionalProperties"] is False and expected["additionalProperties"] is False
    return 0, "schema-generated", ours


@pytest.mark.parametrize("index", range(len(CASES)), ids=[f"{i}-{c['file'].split('/')[-1]}"
                                                          for i, c in enumerate(CASES)])
def test_case_agrees_with_kubeconform(index: int, installed: None) -> None:
    case = CASES[index]
    expected = case["expected"]
    if expected["result"] == "schema-generated":
        code, result, _ = _run_schemagen(case)
        assert (code, result) == (expected["exit_code"], expected["result"])
        return
    code, result, report = _run_manifests(case)
    want = DEVIATIONS.get(index, (expected["exit_code"], expected["result"], ""))[:2]
    if want[1] == "skipped":
        want = (want[0], "valid")  # never reached: a skip is a deviation above
    if want[1] == "duplicate":
        raise AssertionError(f"case {index}: duplicate expectations must be listed in DEVIATIONS")
    assert (code, result) == want, [f.message for f in report.findings]
    if index in DEVIATIONS:
        return
    summary = expected.get("summary")
    if summary:
        assert report.objects == summary["resources"]
        assert report.files == summary["files"]
        assert len({(f.file, f.kind, f.namespace, f.name) for f in report.findings if f.rule == "schema-invalid"}) \
            == summary["invalid"]
    if "error_path" in expected:
        assert expected["error_path"].strip("/").replace("/", ".") in {f.field for f in report.findings}
    if "output_contains" in expected:
        assert any(expected["output_contains"] in f.message for f in report.findings)


DUPLICATE_CASES = [i for i, c in enumerate(CASES) if c["expected"]["result"] == "duplicate"]


@pytest.mark.parametrize("index", DUPLICATE_CASES)
def test_duplicate_cases_fail_policy(index: int) -> None:
    """kubeval's outcome (exit 1, duplicates found), through ``platformctl policy``'s duplicate-object rule."""
    case = CASES[index]
    report = sharded.check([PEER / case["file"]], today=datetime.date(2026, 1, 1))
    duplicates = [f for f in report.findings if f.rule == "duplicate-object"]
    assert report.worst_exit_code("error") == case["expected"]["exit_code"]
    assert len(duplicates) == report.objects == 2, [f.message for f in report.findings]


def test_deviations_stay_few_and_explained() -> None:
    assert len(DEVIATIONS) <= 9
    assert all(reason for _, _, reason in DEVIATIONS.values())
