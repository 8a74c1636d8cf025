"""Collecting what to validate: hidden entries skipped, kustomizations found, short kubeconform argv."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.validate.targets import UnreadablePath, collect


def test_collect_skips_hidden_and_finds_kustomizations(tmp_path: Path) -> None:
    for name in ("a/x.yaml", "a/kustomization.yaml", "a/b/y.yml", "z.json", "notes.txt", ".hidden/q.yaml",
                 "a/.git/r.yaml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    targets = collect([tmp_path])
    assert [p.relative_to(tmp_path).as_posix() for p in targets.files] == ["z.json", "a/x.yaml", "a/b/y.yml"]
    assert targets.kustomize_dirs == [tmp_path / "a"]
    assert targets.arguments == [str(tmp_path / "a"), str(tmp_path / "z.json")]


def test_a_file_argument_is_passed_as_is(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text("")
    assert collect([tmp_path / "m.yaml"]).arguments == [str(tmp_path / "m.yaml")]


def test_missing_path_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(UnreadablePath, match="no such file"):
        collect([tmp_path / "nope"])
