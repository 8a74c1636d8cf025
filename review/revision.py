"""The platform repo at another revision, checked out in a temporary git worktree (gitpython).

A worktree, not a checkout: the user's working tree, index and branch stay as they are, and the base is
read from the repository's own objects. The platform repo may be a subdirectory of the git repository; the
same subdirectory is used in the worktree.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import git

TENANTS_DIR = "blueprints/tenants"


class RevisionError(Exception):
    """The revision cannot be read: not a git repository, or an unknown ref."""


@dataclass(frozen=True)
class Revision:
    ref: str  # as the user gave it
    commit: str  # its full hash
    root: Path  # the platform repo inside the worktree


def _repo(root: Path) -> git.Repo:
    try:
        return git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError) as exc:
        raise RevisionError(f"{root}: not inside a git repository") from exc


def _inside(repo: git.Repo, root: Path) -> Path:
    """Where the platform repo sits in the git repository (``.`` at its top)."""
    return root.resolve().relative_to(Path(repo.working_dir).resolve())


@contextmanager
def checked_out(root: Path, ref: str) -> Iterator[Revision]:
    """``root``'s platform repo as of ``ref``, in a worktree that is removed afterwards."""
    repo = _repo(root)
    try:
        commit = repo.commit(ref)
    except (git.BadName, ValueError) as exc:
        raise RevisionError(f"{ref}: no such revision in {repo.working_dir}") from exc
    inside = _inside(repo, root)
    place = Path(tempfile.mkdtemp(prefix="platformctl-base-"))
    tree = place / "tree"
    repo.git.worktree("add", "--detach", str(tree), commit.hexsha)
    try:
        yield Revision(ref, commit.hexsha, tree / inside)
    finally:
        try:
            repo.git.worktree("remove", "--force", str(tree))
        finally:
            shutil.rmtree(place, ignore_errors=True)
            repo.git.worktree("prune")


def edited_tenants(root: Path, ref: str) -> list[str]:
    """Tenants whose blueprint file differs between ``ref`` and the working tree (edited, added, deleted or
    untracked), by file name."""
    repo = _repo(root)
    inside = _inside(repo, root)
    prefix = (inside / TENANTS_DIR).as_posix() + "/"  # git's paths: relative to the repository, with '/'
    paths = set()
    for change in repo.commit(ref).diff(None):
        paths.update(p for p in (change.a_path, change.b_path) if p)
    paths.update(repo.untracked_files)
    names = {Path(p).stem for p in paths if p.startswith(prefix) and p.endswith((".yaml", ".yml"))}
    return sorted(names)
