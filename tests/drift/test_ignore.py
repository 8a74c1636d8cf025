"""Platform ignore rules: the shipped file, RFC 6901 pointers, which objects a rule covers, and clear errors."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from checks.drift.ignore import NO_RULES, DriftFileError, IgnoreRules, Match, Rule, load, parse_pointer
from checks.drift.model import ObjectRef

REPO = Path(__file__).resolve().parents[2]
WEB = ObjectRef("apps", "Deployment", "acme-shop", "web")


def _rules(*pointers: str, **match: str) -> IgnoreRules:
    rule = Rule(match=Match(**match), jsonPointers=list(pointers), reason="a reason of some length")
    return IgnoreRules("t", (rule,))


def _deployment() -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "annotations": {
                "a/b": "slash", "c~d": "tilde"}},
            "spec": {"replicas": 3, "template": {"spec": {"containers": [
                {"name": "web", "image": "web:1", "args": ["--x"]}, {"name": "side", "image": "side:1"}]}}}}


def test_the_shipped_file_is_valid_and_empty() -> None:
    rules = load(REPO / "checks" / "drift.yaml")
    assert rules.rules == () and rules.file.endswith("checks/drift.yaml")


def test_pointers_unescape_tilde_and_slash() -> None:
    assert parse_pointer("/metadata/annotations/a~1b") == ("metadata", "annotations", "a/b")
    assert parse_pointer("/metadata/annotations/c~0d") == ("metadata", "annotations", "c~d")
    assert parse_pointer("/a/~01") == ("a", "~1")  # ~0 first, then ~1: RFC 6901 section 4
    assert parse_pointer("/") == ("",)


@pytest.mark.parametrize("bad", ["", "spec/replicas", "/spec/x~2", "/spec/~"])
def test_invalid_pointers_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_pointer(bad)


def test_apply_removes_the_named_fields_from_a_copy() -> None:
    obj = _deployment()
    before = copy.deepcopy(obj)
    out = _rules("/spec/replicas", "/metadata/annotations/a~1b", "/metadata/annotations/c~0d").apply(obj, WEB)
    assert obj == before
    assert "replicas" not in out["spec"] and out["metadata"]["annotations"] == {}


def test_a_star_covers_every_list_entry_and_an_index_one() -> None:
    out = _rules("/spec/template/spec/containers/*/image").apply(_deployment(), WEB)
    assert [c.get("image") for c in out["spec"]["template"]["spec"]["containers"]] == [None, None]
    out = _rules("/spec/template/spec/containers/1").apply(_deployment(), WEB)
    assert [c["name"] for c in out["spec"]["template"]["spec"]["containers"]] == ["web"]
    out = _rules("/spec/template/spec/containers/0/args/0").apply(_deployment(), WEB)
    assert out["spec"]["template"]["spec"]["containers"][0]["args"] == []


def test_pointers_to_nothing_change_nothing() -> None:
    for pointer in ("/spec/missing/deeper", "/spec/template/spec/containers/7/image",
                    "/spec/template/spec/containers/01/image", "/spec/template/spec/containers/name"):
        assert _rules(pointer).apply(_deployment(), WEB) == _deployment()


def test_rules_cover_objects_by_glob() -> None:
    obj = _deployment()
    assert "replicas" in _rules("/spec/replicas", kind="StatefulSet").apply(obj, WEB)["spec"]
    assert "replicas" in _rules("/spec/replicas", namespace="globex-*").apply(obj, WEB)["spec"]
    assert "replicas" not in _rules("/spec/replicas", namespace="acme-*", name="w?b").apply(obj, WEB)["spec"]
    core = ObjectRef("", "Service", "acme-shop", "web")
    assert Match(group="").covers(core) and not Match(group="").covers(WEB)
    assert NO_RULES.apply(obj, WEB) is obj


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "drift.yaml"
    path.write_text(text)
    return path


HEADER = "apiVersion: platformctl.dev/v1alpha1\nkind: DriftIgnoreRules\n"


def test_a_valid_file_loads_its_rules(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + """rules:
  - match: {kind: Deployment, namespace: "acme-*"}
    jsonPointers: [/spec/replicas]
    reason: scaled by KEDA, not an HPA
""")
    rules = load(path)
    assert len(rules.rules) == 1 and rules.rules[0].match.name == "*"
    assert rules.pointers(WEB) == [("spec", "replicas")]


@pytest.mark.parametrize(("body", "expected"), [
    ("rules:\n  - match: {knd: Deployment}\n    jsonPointers: [/spec/replicas]\n    reason: long enough reason\n",
     ":4: rules.0.match.knd: Extra inputs are not permitted"),
    ("rules:\n  - match: {kind: Deployment}\n    jsonPointers:\n      - /spec/replicas\n      - spec/x\n"
     "    reason: long enough reason\n", ":7: rules.0.jsonPointers.1: Value error, 'spec/x' is not a JSON pointer"),
    ("rules:\n  - match: {kind: Deployment}\n    jsonPointers: [/spec/replicas]\n",
     ":4: rules.0.reason: Field required"),
    ("rules:\n  - match: {}\n    jsonPointers: []\n    reason: long enough reason\n",
     ":5: rules.0.jsonPointers: List should have at least 1 item"),
])
def test_invalid_files_name_file_line_and_field(tmp_path: Path, body: str, expected: str) -> None:
    path = _write(tmp_path, HEADER + body)
    with pytest.raises(DriftFileError) as error:
        load(path, shown="checks/drift.yaml")
    assert any(p.startswith("checks/drift.yaml:") and expected in p for p in error.value.problems), \
        error.value.problems


def test_the_wrong_kind_and_broken_yaml_are_errors(tmp_path: Path) -> None:
    with pytest.raises(DriftFileError, match=r"drift.yaml:2: kind: Input should be 'DriftIgnoreRules'"):
        load(_write(tmp_path, "apiVersion: platformctl.dev/v1alpha1\nkind: PolicyExemptions\nrules: []\n"))
    with pytest.raises(DriftFileError, match="cannot read"):
        load(_write(tmp_path, HEADER + "rules: [\n"))
    with pytest.raises(DriftFileError, match="cannot read"):
        load(tmp_path / "absent.yaml")
