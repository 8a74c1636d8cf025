"""generator.writer: atomic replacement, linking of unchanged files, comparison."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from generator import writer


def _files(tree: Path) -> dict[str, bytes]:
    return {rel: (tree / rel).read_bytes() for rel in writer.list_tree(tree)}


def _visible(directory: Path) -> list[str]:
    """Entries of ``directory`` other than the spare tree kept for the next write and the lock."""
    return sorted(p for p in os.listdir(directory) if not p.startswith(writer.SPARE) and p != writer.LOCK)


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
    assert sorted(os.listdir(tmp_path)) == [f"{writer.SPARE}local", "local"]
    assert _files(tmp_path / f"{writer.SPARE}local") == {"keep.yaml": b"k\n", "change.yaml": b"1\n",
                                                         "gone/x.yaml": b"x\n"}  # the old tree


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
    writer.write_tree(target, {"a.yaml": b"3\n"})
    assert _files(target) == {"a.yaml": b"3\n"}
    assert _visible(tmp_path) == ["local"]


def test_leftovers_of_a_killed_run_are_cleaned(tmp_path: Path) -> None:
    target = tmp_path / "local"
    writer.write_tree(target, {"a.yaml": b"1\n"})
    (tmp_path / f"{writer.STAGING}local-999" / "half").mkdir(parents=True)
    (tmp_path / f"{writer.RETIRED}local-998").mkdir()
    (tmp_path / f"{writer.TRASH}local-997").mkdir()
    writer.write_tree(target, {"a.yaml": b"2\n"})
    assert _visible(tmp_path) == ["local"]


def _wait_for(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + 20
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def test_background_housekeeping_deletes_old_trees_and_prepares_a_spare(tmp_path: Path) -> None:
    target, spare = tmp_path / "local", tmp_path / f"{writer.SPARE}local"
    first = {f"d{i}/f{j}.yaml": b"x\n" for i in range(50) for j in range(20)}
    writer.write_tree(target, first, background_cleanup=True)
    # no spare yet after a first write: a detached process makes one, a hard-link copy
    assert _wait_for(lambda: spare.is_dir() and _visible(tmp_path) == ["local"])
    assert _files(spare) == first
    assert (spare / "d0/f0.yaml").stat().st_ino == (target / "d0/f0.yaml").stat().st_ino
    writer.write_tree(target, {"a.yaml": b"new\n"}, background_cleanup=True)
    writer.write_tree(target, {"b.yaml": b"newer\n"}, background_cleanup=True)
    assert _files(target) == {"b.yaml": b"newer\n"}
    assert _wait_for(lambda: _visible(tmp_path) == ["local"])  # nothing left but the tree and its spare
    assert _files(spare) == {"a.yaml": b"new\n"}


def test_a_trash_tree_is_never_restored(tmp_path: Path) -> None:
    (tmp_path / f"{writer.TRASH}local-5").mkdir()
    writer.clean_leftovers(tmp_path)
    assert os.listdir(tmp_path) == []


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


def test_remove_tree_removes_its_spare_too(tmp_path: Path) -> None:
    target = tmp_path / "qa"
    writer.write_tree(target, {"a.yaml": b"a\n"})
    writer.write_tree(target, {"a.yaml": b"b\n"})
    writer.remove_tree(target)
    assert os.listdir(tmp_path) == []


def _tree(n: int, version: bytes) -> dict[str, bytes]:
    return {f"t{i}/ns{j}_kind_x.yaml": b"same\n" if j else version for i in range(n) for j in range(3)}


def test_spare_becomes_the_next_tree_touching_only_what_differs(tmp_path: Path) -> None:
    target, spare = tmp_path / "local", tmp_path / f"{writer.SPARE}local"
    writer.write_tree(target, _tree(20, b"v1\n"))
    writer.write_tree(target, _tree(20, b"v2\n"))  # built afresh; v1 tree kept as spare
    spare_dir_inode = spare.stat().st_ino
    unchanged = (target / "t0/ns1_kind_x.yaml").stat().st_ino
    files = _tree(20, b"v2\n")
    files["t3/ns0_kind_x.yaml"] = b"v3\n"
    del files["t19/ns2_kind_x.yaml"]
    files["t20/ns0_kind_x.yaml"] = b"brand new\n"
    result = writer.write_tree(target, files)
    assert result.written == ["t3/ns0_kind_x.yaml", "t20/ns0_kind_x.yaml"]
    assert result.removed == ["t19/ns2_kind_x.yaml"]
    assert target.stat().st_ino == spare_dir_inode  # the refreshed spare was swapped in
    assert (target / "t0/ns1_kind_x.yaml").stat().st_ino == unchanged
    assert _files(target) == files
    assert _files(spare) == _tree(20, b"v2\n")  # and the previous tree is the spare now
    assert not (tmp_path / f"{writer.SPARE}local{writer.DIRTY}").exists()


def test_spare_with_wrong_files_is_corrected(tmp_path: Path) -> None:
    """The spare's contents are never trusted: files not shared with the current tree are replaced."""
    target, spare = tmp_path / "local", tmp_path / f"{writer.SPARE}local"
    writer.write_tree(target, {"a.yaml": b"1\n", "b.yaml": b"b\n"})
    writer.write_tree(target, {"a.yaml": b"2\n", "b.yaml": b"b\n"})
    (spare / "b.yaml").unlink()
    (spare / "b.yaml").write_bytes(b"tampered\n")
    (spare / "junk.yaml").write_bytes(b"junk\n")
    writer.write_tree(target, {"a.yaml": b"3\n", "b.yaml": b"b\n"})
    assert _files(target) == {"a.yaml": b"3\n", "b.yaml": b"b\n"}


def test_a_dirty_spare_is_thrown_away(tmp_path: Path) -> None:
    """A run killed while updating the spare leaves its mark; the next run does not use that spare."""
    target, spare = tmp_path / "local", tmp_path / f"{writer.SPARE}local"
    writer.write_tree(target, {"a.yaml": b"1\n"})
    writer.write_tree(target, {"a.yaml": b"2\n"})
    (tmp_path / f"{writer.SPARE}local{writer.DIRTY}").touch()
    (spare / "half-done.yaml").write_bytes(b"?\n")
    writer.write_tree(target, {"a.yaml": b"3\n"})
    assert _files(target) == {"a.yaml": b"3\n"}
    assert _files(spare) == {"a.yaml": b"2\n"}  # the tree just replaced, not the dirty one
    assert sorted(os.listdir(tmp_path)) == [f"{writer.SPARE}local", "local"]
