"""generator.writer: atomic replacement, linking of unchanged files, comparison."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator import writer


def _files(tree: Path) -> dict[str, bytes]:
    return {rel: (tree / rel).read_bytes() for rel in writer.list_tree(tree)}


def test_first_write_creates_the_tree(tmp_path: Path) -> None:
    target = tmp_path / "out" / "local"
    result = writer.write_tree(target, {"a/x.yaml": b"x\n", "b.yaml": b"b\n"})
    assert _files(target) == {"a/x.yaml": b"x\n", "b.yaml": b"b\n"}
    assert sorted(result.written) == ["a/x.yaml", "b.yaml"]
    assert os.listdir(tmp_path / "out") == ["local"]  # no staging left behind


def test_unchanged_tree_is_not_touched(tmp_path: Path) -> None:
    target = tmp_path / "local"
    writer.write_tree(target, {"a.yaml": b"a\n"})
    inode = (target / "a.yaml").stat().st_ino
    dir_inode = target.stat().st_ino
    result = writer.write_tree(target, {"a.yaml": b"a\n"})
    assert not result.changed
    assert (target / "a.yaml").stat().st_ino == inode
    assert target.stat().st_ino == dir_inode  # not even swapped


def test_changed_tree_links_unchanged_files_and_removes_extra(tmp_path: Path) -> None:
    target = tmp_path / "local"
    writer.write_tree(target, {"keep.yaml": b"k\n", "change.yaml": b"1\n", "gone/x.yaml": b"x\n"})
    kept = (target / "keep.yaml").stat().st_ino
    result = writer.write_tree(target, {"keep.yaml": b"k\n", "change.yaml": b"2\n", "new.yaml": b"n\n"})
    assert result.written == ["change.yaml", "new.yaml"]
    assert result.removed == ["gone/x.yaml"]
    assert result.linked == 1
    assert (target / "keep.yaml").stat().st_ino == kept  # hard-linked, not rewritten
    assert _files(target) == {"change.yaml": b"2\n", "keep.yaml": b"k\n", "new.yaml": b"n\n"}
    assert sorted(os.listdir(tmp_path)) == ["local"]


def test_reuse_marker_links_the_current_file(tmp_path: Path) -> None:
    target = tmp_path / "local"
    writer.write_tree(target, {"a.yaml": b"a\n", "b.yaml": b"b\n"})
    writer.write_tree(target, {"a.yaml": writer.REUSE, "b.yaml": b"B\n"})
    assert _files(target) == {"a.yaml": b"a\n", "b.yaml": b"B\n"}


def test_swap_without_rename_exchange(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer, "_exchange", lambda a, b: False)
    target = tmp_path / "local"
    writer.write_tree(target, {"a.yaml": b"1\n"})
    writer.write_tree(target, {"a.yaml": b"2\n"})
    assert _files(target) == {"a.yaml": b"2\n"}
    assert os.listdir(tmp_path) == ["local"]


def test_leftovers_of_a_killed_run_are_cleaned(tmp_path: Path) -> None:
    target = tmp_path / "local"
    writer.write_tree(target, {"a.yaml": b"1\n"})
    (tmp_path / f"{writer.STAGING}local-999" / "half").mkdir(parents=True)
    (tmp_path / f"{writer.RETIRED}local-998").mkdir()
    writer.write_tree(target, {"a.yaml": b"2\n"})
    assert sorted(os.listdir(tmp_path)) == ["local"]


def test_a_retired_tree_without_target_is_restored(tmp_path: Path) -> None:
    """Killed between the two renames of the fallback swap: the old tree comes back."""
    retired = tmp_path / f"{writer.RETIRED}local-123"
    retired.mkdir()
    (retired / "a.yaml").write_bytes(b"old\n")
    writer.clean_leftovers(tmp_path)
    assert (tmp_path / "local" / "a.yaml").read_bytes() == b"old\n"
    assert os.listdir(tmp_path) == ["local"]


def test_compare_lists_stale_missing_and_extra(tmp_path: Path) -> None:
    target = tmp_path / "local"
    writer.write_tree(target, {"same.yaml": b"s\n", "stale.yaml": b"old\n", "extra.yaml": b"e\n"})
    result = writer.compare(target, {"same.yaml": b"s\n", "stale.yaml": b"new\n", "missing.yaml": b"m\n"})
    assert (result.stale, result.missing, result.extra) == (["stale.yaml"], ["missing.yaml"], ["extra.yaml"])
    assert not result.clean
    assert writer.compare(target, _files(target)).clean


def test_remove_tree(tmp_path: Path) -> None:
    target = tmp_path / "qa"
    writer.write_tree(target, {"a.yaml": b"a\n"})
    writer.remove_tree(target)
    assert os.listdir(tmp_path) == []
