"""Write a rendered tree atomically, and compare one with what is on disk.

The new tree is built beside the target (same filesystem), unchanged files hard-linked from the
current tree, then swapped in with one ``renameat2(RENAME_EXCHANGE)``: a reader, or a process
killed at any instant, sees the old tree or the new one, never a mix. Left-overs of a killed run
are hidden ``.platformctl-*`` directories, removed by the next run.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

STAGING = ".platformctl-staging-"
RETIRED = ".platformctl-retired-"


class Reuse:
    """Marks a file whose bytes are known to equal the current tree's: link it, don't write it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "REUSE"


REUSE = Reuse()
Entry = bytes | Reuse


@dataclass
class WriteResult:
    written: list[str] = field(default_factory=list)
    linked: int = 0
    removed: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.written or self.removed)


@dataclass
class Staleness:
    stale: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.stale or self.missing or self.extra)


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_libc = ctypes.CDLL(None, use_errno=True)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths; False where the kernel or filesystem cannot."""
    renameat2 = getattr(_libc, "renameat2", None)
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(a))


def list_tree(root: Path) -> list[str]:
    """Relative paths of the files under ``root``, sorted, skipping our hidden left-overs."""
    found: list[str] = []

    def walk(directory: str, prefix: str) -> None:
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if not entry.name.startswith(".platformctl-"):
                        walk(entry.path, f"{prefix}{entry.name}/")
                else:
                    found.append(prefix + entry.name)

    if root.is_dir():
        walk(str(root), "")
    return sorted(found)


def _same(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def compare(target: Path, files: dict[str, bytes]) -> Staleness:
    """What differs between ``files`` and the tree at ``target``; reads, never writes."""
    result = Staleness()
    on_disk = set(list_tree(target))
    for rel, data in files.items():
        if rel not in on_disk:
            result.missing.append(rel)
        elif not _same(target / rel, data):
            result.stale.append(rel)
    result.extra = sorted(on_disk - files.keys())
    return result


def clean_leftovers(parent: Path) -> None:
    """Remove the staging and retired trees of runs that were killed.

    A retired tree whose target is gone was being swapped without RENAME_EXCHANGE when the run
    died: it is the old tree, so it goes back in place.
    """
    if not parent.is_dir():
        return
    for entry in sorted(parent.iterdir()):
        if entry.name.startswith(RETIRED):
            original = parent / entry.name.removeprefix(RETIRED).rsplit("-", 1)[0]
            if not original.exists():
                os.rename(entry, original)
                continue
        if entry.name.startswith((STAGING, RETIRED)):
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.name.startswith(".platformctl-") and entry.name.endswith(".tmp"):
            entry.unlink(missing_ok=True)


def _settle(target: Path, files: dict[str, Entry], current: set[str]) -> dict[str, Entry]:
    """Mark every file whose bytes equal the current tree's as REUSE: it will be linked, not written."""
    return {
        rel: REUSE if isinstance(data, Reuse) or (rel in current and _same(target / rel, data)) else data
        for rel, data in files.items()
    }


def _build(staging: Path, target: Path, files: dict[str, Entry]) -> None:
    staging.mkdir()
    made: set[str] = set()
    for rel, data in files.items():
        directory = rel.rpartition("/")[0]
        if directory and directory not in made:
            os.makedirs(staging / directory, exist_ok=True)
            made.add(directory)
        if isinstance(data, Reuse):
            os.link(target / rel, staging / rel)
        else:
            with open(staging / rel, "xb") as handle:
                handle.write(data)


def write_tree(target: Path, files: dict[str, Entry], *, current: list[str] | None = None) -> WriteResult:
    """Make the tree at ``target`` hold exactly ``files``, atomically; touch nothing if it already does.

    ``current`` is the present tree's file list when the caller already has it.
    """
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    clean_leftovers(parent)
    present = set(current if current is not None else list_tree(target))
    files = _settle(target, files, present)
    result = WriteResult(
        written=[rel for rel, data in files.items() if not isinstance(data, Reuse)],
        linked=sum(isinstance(data, Reuse) for data in files.values()),
        removed=sorted(present - files.keys()),
    )
    if not result.changed and target.is_dir():
        return result
    staging = parent / f"{STAGING}{target.name}-{os.getpid()}"
    try:
        _build(staging, target, files)
        if not target.is_dir():
            os.rename(staging, target)
        elif _exchange(staging, target):
            shutil.rmtree(staging)  # now the old tree
        else:
            # No RENAME_EXCHANGE: move the old tree aside, then the new one in. A crash between
            # the two renames leaves no target; clean_leftovers() puts the retired tree back.
            retired = parent / f"{RETIRED}{target.name}-{os.getpid()}"
            os.rename(target, retired)
            os.rename(staging, target)
            shutil.rmtree(retired)
        return result
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def remove_tree(target: Path) -> None:
    """Remove a whole rendered tree (a pruned environment) in one rename, then delete it."""
    retired = target.parent / f"{RETIRED}{target.name}-{os.getpid()}"
    os.rename(target, retired)
    shutil.rmtree(retired)
