"""Parsing kubeconform's JSON: precise field paths from msg, fallbacks, and broken output as could-not-run."""

from __future__ import annotations

import json

import pytest

from checks.validate.kubeconform import KubeconformFailed, Problem, field_path, parse, problems

MSG = ("problem validating schema. Check JSON formatting: jsonschema validation failed with 'file:///s/x.json#' "
       "- at '/data/x': got number, want null or string - at '/metadata': additional properties 'bogus' not allowed")


def test_precise_parts_of_msg_win_over_vague_validation_errors() -> None:
    found = problems(MSG, [{"path": "/metadata", "msg": "validation failed"}])
    assert found == (Problem("/data/x", "got number, want null or string"),
                     Problem("/metadata", "additional properties 'bogus' not allowed"))


def test_validation_errors_are_the_fallback() -> None:
    assert problems("something else", [{"path": "/spec", "msg": "bad"}]) == (Problem("/spec", "bad"),)


@pytest.mark.parametrize(("pointer", "message", "path"), [
    ("/spec/template/spec/containers/0/image", "x", "spec.template.spec.containers[0].image"),
    ("/metadata", "additional properties 'bogus' not allowed", "metadata.bogus"),
    ("/metadata", "additional properties 'a', 'b' not allowed", "metadata"),
    ("/metadata/annotations/a~1b", "x", "metadata.annotations.a/b"),
    ("", "x", ""),
])
def test_field_path(pointer: str, message: str, path: str) -> None:
    assert field_path(Problem(pointer, message)) == path


def test_parse_keeps_non_valid_results_and_counts() -> None:
    out = json.dumps({"resources": [
        {"filename": "a.yaml", "kind": "Widget", "name": "w", "version": "x/v1", "status": "statusError",
         "msg": "could not find schema for Widget"},
        {"filename": "b.yaml", "kind": "Pod", "name": "p", "version": "v1", "status": "statusValid", "msg": ""},
    ], "summary": {"valid": 1, "invalid": 0, "errors": 1, "skipped": 0}})
    outcome = parse(out)
    assert [r.kind for r in outcome.results] == ["Widget"]
    assert outcome.resources == 2


def test_garbage_output_could_not_run() -> None:
    with pytest.raises(KubeconformFailed):
        parse("panic: oops", "stack")


def test_a_vague_parent_is_dropped_when_a_precise_child_exists() -> None:
    msg = "x - at '/spec': validation failed - at '/spec/replicas': got string, want null or integer"
    assert problems(msg, []) == (Problem("/spec/replicas", "got string, want null or integer"),)
