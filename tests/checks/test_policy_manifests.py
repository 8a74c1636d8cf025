"""Loading manifests: multi-document files, start lines, what is skipped, and bad YAML as a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from checks.manifests import ManifestError, _documents, load, yaml_files

OBJ = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s, namespace: team}\n"


def test_multi_document_files_record_each_start_line(tmp_path: Path):
    (tmp_path / "a.yaml").write_text("# comment\n" + OBJ % "one" + "---\n" + OBJ % "two" + "---\n")
    objects, files = load([tmp_path])
    assert files == 1
    assert [(m.name, m.line, m.namespace, m.kind) for m in objects] == [("one", 2, "team", "ConfigMap"),
                                                                       ("two", 6, "team", "ConfigMap")]


def test_lists_are_expanded(tmp_path: Path):
    (tmp_path / "l.yaml").write_text("apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Secret, "
                                     "metadata: {name: s}}\n")
    assert [m.kind for m in load([tmp_path])[0]] == ["Secret"]


def test_skips_kustomizations_hidden_entries_and_other_files(tmp_path: Path):
    for rel in ("kustomization.yaml", ".platformctl-spare-local/x.yaml", ".hidden.yaml", "notes.txt", "sub/b.yml",
                ".git/c.yaml", "a.yaml"):
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(OBJ % "x")
    assert [p.relative_to(tmp_path).as_posix() for p in yaml_files([tmp_path])] == ["a.yaml", "sub/b.yml"]


def test_paths_are_shown_relative(tmp_path: Path):
    (tmp_path / "a.yaml").write_text(OBJ % "x")
    assert load([tmp_path / "a.yaml"], relative_to=tmp_path)[0][0].file == "a.yaml"


@pytest.mark.parametrize(("text", "expected"), [
    ("a: [1\n", "bad.yaml:2:1: invalid YAML"),
    ("- just\n- a list\n", "bad.yaml:1: not a Kubernetes object"),
    ("kind: Pod\nmetadata: {}\n", "bad.yaml:1: not a Kubernetes object"),
    ("a: b\n\tc: d\n", "bad.yaml:2:1: invalid YAML"),
])
def test_bad_yaml_is_an_error_with_file_and_line(tmp_path: Path, text: str, expected: str):
    (tmp_path / "good.yaml").write_text(OBJ % "x")
    (tmp_path / "bad.yaml").write_text(text)
    with pytest.raises(ManifestError) as caught:
        load([tmp_path], relative_to=tmp_path)
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith(expected), caught.value.problems


def test_missing_path_is_an_error(tmp_path: Path):
    with pytest.raises(ManifestError, match="no such file"):
        load([tmp_path / "nope"])


@pytest.mark.parametrize("text", [
    "a: &x {b: 1}\nc:\n  <<: *x\n  d: 2\n",
    "a:\nb: ''\nc: ~\nd: yes\ne: 0o17\nf: 1_000\ng: .inf\nh: 2020-01-01\ni: '1'\nj: \"x\"\nk: !!str 1\nl: -1\nm: .5\n",
    "on: off\nOn: No\nx: 0x1F\ny: 1:30\nz: =x\n",
    "{1: a, 1.5: b, null: c, true: d}\n",
    "a: |\n  multi\n  line\nb: >-\n  folded\nc: ! 12\n",
    "---\n---\nkind: x\n",
])
def test_values_are_exactly_what_pyyaml_safe_load_gives(text: str):
    assert [doc for doc, _ in _documents(text)] == list(yaml.load_all(text, Loader=yaml.CSafeLoader))
