"""Write a rendered tree atomically, and compare one with what is on disk.

The new tree is assembled beside the target (same filesystem) and swapped in with one
``renameat2(RENAME_EXCHANGE)``: a reader, or a process killed at any instant, sees the old tree or
the new one, never a mix.

Assembling a 64k-file tree from scratch costs a directory creation per directory and a hard link
per unchanged file, which on a real disk is seconds. So the tree swapped out is kept as the
*spare* (``.platformctl-spare-<env>``) and becomes the next new tree: only the paths whose inode
differs from the current tree's are replaced, which for a one-tenant change is a handful. A spare
being updated is marked dirty first; a run killed then leaves the mark, and the next run throws
that spare away and builds from scratch. Other left-overs of killed runs are hidden
``.platformctl-*`` directories, removed by the next run.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

HIDDEN = ".platformctl-"
STAGING = ".platformctl-staging-"  # a new tree being built from scratch
RETIRED = ".platformctl-retired-"  # the old tree between the two renames of the fallback swap
TRASH = ".platformctl-trash-"  # an old tree being deleted
SPARE = ".platformctl-spare-"  # the previous tree, kept to become the next one
DIRTY = ".dirty"  # suffix of the mark on a spare that is being changed


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


def _inodes(root: Path) -> dict[str, int]:
    """Relative path -> inode of every file under ``root``; directory reads only, no stat calls."""
    found: dict[str, int] = {}

    def walk(directory: str, prefix: str) -> None:
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if not entry.name.startswith(HIDDEN):
                        walk(entry.path, f"{prefix}{entry.name}/")
                else:
                    found[prefix + entry.name] = entry.inode()

    if root.is_dir():
        walk(str(root), "")
    return found


def list_tree(root: Path) -> list[str]:
    """Relative paths of the files under ``root``, sorted, skipping our hidden left-overs."""
    return sorted(_inodes(root))


def _same(path: str, data: bytes) -> bool:
    try:
        if os.stat(path).st_size != len(data):
            return False
        with open(path, "rb") as handle:
            return handle.read() == data
    except OSError:
        return False


def compare(target: Path, files: dict[str, bytes]) -> Staleness:
    """What differs between ``files`` and the tree at ``target``; reads, never writes."""
    result = Staleness()
    on_disk = set(list_tree(target))
    for rel, data in files.items():
        if rel not in on_disk:
            result.missing.append(rel)
        elif not _same(f"{target}/{rel}", data):
            result.stale.append(rel)
    result.extra = sorted(on_disk - files.keys())
    return result


def _spare(target: Path) -> Path:
    return target.parent / f"{SPARE}{target.name}"


def _dirty(target: Path) -> Path:
    return target.parent / f"{SPARE}{target.name}{DIRTY}"


def _discard(tree: Path, *, background: bool) -> None:
    """Delete a tree that is no longer anyone's. In the background a detached grandchild does it,
    so the caller does not wait for thousands of unlinks; a run that dies first leaves a
    ``.platformctl-trash-*`` directory the next run removes."""
    trash = tree.parent / f"{TRASH}{tree.name.removeprefix(HIDDEN)}-{uuid.uuid4().hex}"
    os.rename(tree, trash)
    if background and hasattr(os, "fork"):
        _detached(lambda: shutil.rmtree(trash, ignore_errors=True))
    else:
        shutil.rmtree(trash)


def _detached(work: Callable[[], None]) -> None:
    """Run ``work`` in a detached grandchild: it outlives this process and is never waited for.

    The grandchild lets go of every inherited file descriptor (a caller reading our stdout must
    not wait for it, and an inherited lock must not stay held) before it starts.
    """
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the forked child
        try:
            os.setsid()
            if os.fork() == 0:
                null = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(null, fd)
                os.closerange(3, _max_fd())
                with contextlib.suppress(BaseException):
                    work()
        finally:
            os._exit(0)
    os.waitpid(child, 0)


def _max_fd() -> int:
    try:
        return os.sysconf("SC_OPEN_MAX")
    except (ValueError, OSError):  # pragma: no cover
        return 65536


LOCK = ".platformctl-lock"


@contextlib.contextmanager
def lock(parent: Path, *, shared: bool = False) -> Iterator[None]:
    """The right to change (or, ``shared``, to read) the trees under ``parent``: renders, checks and
    spare builders take turns. The kernel releases it when the holder dies, so a kill -9 never
    leaves it stuck."""
    if shared:  # a reader writes nothing, not even the lock file: no lock file, no writer yet
        try:
            fd = os.open(parent / LOCK, os.O_RDONLY)
        except FileNotFoundError:
            yield
            return
    else:
        parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(parent / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _prepare_spare(target: Path) -> None:
    """Give a tree that has no spare one, off the critical path: a hard-link copy built by a detached
    process under a staging name, renamed into place only if no spare appeared meanwhile. Racing
    with a later render is harmless: a spare's contents are never trusted, only its inodes."""
    if _spare(target).exists() or not target.is_dir():
        return

    def build() -> None:
        with lock(target.parent):  # waits for the render that started us to finish
            if _spare(target).exists() or not target.is_dir():
                return
            staging = target.parent / f"{STAGING}{target.name}-{os.getpid()}"
            try:
                _build(str(staging), str(target), dict.fromkeys(_inodes(target), REUSE))
                os.rename(staging, _spare(target))
            finally:
                shutil.rmtree(staging, ignore_errors=True)

    _detached(build)


def clean_leftovers(parent: Path) -> None:
    """Remove what killed runs left: staging, retired and trash trees, and spares marked dirty.

    A retired tree whose target is gone was being swapped without RENAME_EXCHANGE when the run
    died: it is the old tree, so it goes back in place.
    """
    if not parent.is_dir():
        return
    for entry in sorted(parent.iterdir()):
        name = entry.name
        if name.startswith(RETIRED):
            original = parent / name.removeprefix(RETIRED).rsplit("-", 1)[0]
            if not original.exists():
                os.rename(entry, original)
                continue
        if name.startswith((STAGING, RETIRED, TRASH)):
            shutil.rmtree(entry, ignore_errors=True)
        elif name.startswith(SPARE) and name.endswith(DIRTY):
            shutil.rmtree(parent / name.removesuffix(DIRTY), ignore_errors=True)
            entry.unlink()
        elif name.startswith(SPARE) and not (parent / name.removeprefix(SPARE)).is_dir():
            shutil.rmtree(entry, ignore_errors=True)  # the spare of a tree that is gone
        elif name.startswith(HIDDEN) and name.endswith(".tmp"):
            entry.unlink(missing_ok=True)


def _settle(target: Path, files: dict[str, Entry], current: dict[str, int]) -> dict[str, Entry]:
    """Mark every file whose bytes equal the current tree's as REUSE: it will be linked, not written."""
    return {
        rel: REUSE if isinstance(data, Reuse) or (rel in current and _same(f"{target}/{rel}", data)) else data
        for rel, data in files.items()
    }


def _parent_dirs(rel: str) -> list[str]:
    parts = rel.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _build(staging: str, target: str, files: dict[str, Entry]) -> None:
    """A new tree from scratch. Plain strings, not Path: this loop runs once per file."""
    os.mkdir(staging)
    made: set[str] = set()
    for rel, data in files.items():
        directory = rel.rpartition("/")[0]
        if directory and directory not in made:
            os.makedirs(f"{staging}/{directory}", exist_ok=True)
            made.add(directory)
        if isinstance(data, Reuse):
            os.link(f"{target}/{rel}", f"{staging}/{rel}")
        else:
            with open(f"{staging}/{rel}", "xb") as handle:
                handle.write(data)


def _refresh(spare: str, target: str, files: dict[str, Entry], current: dict[str, int]) -> None:
    """Turn the spare (some older tree) into the new tree, touching only the paths that differ.

    A REUSE file is right when the spare holds the current tree's very inode; everything else is
    replaced. The spare's own contents are never trusted, only its inodes.
    """
    have = _inodes(Path(spare))
    dirs = {d for rel in have for d in _parent_dirs(rel)}
    for rel, data in files.items():
        path = f"{spare}/{rel}"
        if isinstance(data, Reuse) and have.get(rel) == current[rel]:
            continue
        if rel in have:
            os.unlink(path)
        else:
            for directory in _parent_dirs(rel):
                if directory not in dirs:
                    os.mkdir(f"{spare}/{directory}")
                    dirs.add(directory)
        if isinstance(data, Reuse):
            os.link(f"{target}/{rel}", path)
        else:
            with open(path, "xb") as handle:
                handle.write(data)
    gone = have.keys() - files.keys()
    for rel in gone:
        os.unlink(f"{spare}/{rel}")
    emptied = {d for rel in gone for d in _parent_dirs(rel)}
    for directory in sorted(emptied, key=lambda d: d.count("/"), reverse=True):
        with contextlib.suppress(OSError):  # still holds files of the new tree
            os.rmdir(f"{spare}/{directory}")


def _assemble(target: Path, files: dict[str, Entry], current: dict[str, int], background: bool) -> Path:
    """Where the new tree now stands: the refreshed spare, or else a staging tree built afresh."""
    spare, dirty = _spare(target), _dirty(target)
    if spare.is_dir() and target.is_dir():
        dirty.touch()
        try:
            _refresh(str(spare), str(target), files, current)
            return spare
        except (OSError, KeyError):  # the spare or the tree is not what we read: start afresh
            _discard(spare, background=background)
            dirty.unlink()
    staging = target.parent / f"{STAGING}{target.name}-{os.getpid()}"
    try:
        _build(str(staging), str(target), files)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


def write_tree(target: Path, files: dict[str, Entry], *, background_cleanup: bool = False) -> WriteResult:
    """Make the tree at ``target`` hold exactly ``files``, atomically; touch nothing if it already does.

    The caller holds ``lock(target.parent)``: two writers at once would clean up each other's work.

    With ``background_cleanup`` housekeeping happens in detached processes after this returns:
    trees that must go are deleted, and a tree without a spare gets one for the next write.
    """
    result = _write(target, files, background_cleanup)
    if background_cleanup and hasattr(os, "fork"):
        _prepare_spare(target)
    return result


def _write(target: Path, files: dict[str, Entry], background_cleanup: bool) -> WriteResult:
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    clean_leftovers(parent)
    current = _inodes(target)
    files = _settle(target, files, current)
    result = WriteResult(
        written=[rel for rel, data in files.items() if not isinstance(data, Reuse)],
        linked=sum(isinstance(data, Reuse) for data in files.values()),
        removed=sorted(current.keys() - files.keys()),
    )
    if not result.changed and target.is_dir():
        return result
    new = _assemble(target, files, current, background_cleanup)
    spare = _spare(target)
    if not target.is_dir():
        os.rename(new, target)
    elif _exchange(new, target):
        if new != spare:  # built afresh: the old tree, now at `new`, becomes the spare
            if spare.exists():
                _discard(spare, background=background_cleanup)
            os.rename(new, spare)
    else:
        # No RENAME_EXCHANGE: move the old tree aside, then the new one in. A crash between the
        # two renames leaves no target; clean_leftovers() puts the retired tree back.
        retired = parent / f"{RETIRED}{target.name}-{os.getpid()}"
        os.rename(target, retired)
        os.rename(new, target)
        _discard(retired, background=background_cleanup)
    _dirty(target).unlink(missing_ok=True)
    return result


def remove_tree(target: Path, *, background_cleanup: bool = False) -> None:
    """Remove a whole rendered tree (a pruned environment), and its spare: gone in one rename each."""
    for tree in (target, _spare(target)):
        if tree.exists():
            _discard(tree, background=background_cleanup)
