"""Real git repositories holding the example platform, as the review loop's tests start from them."""

from __future__ import annotations

import shutil
from pathlib import Path

import git

from generator import build
from tests.support import REPO, example_repo


def committed_platform(directory: Path, *, subdir: str = "", author: str = "Platform Team") -> tuple[git.Repo, Path]:
    """(repository, platform root): a new repository at ``directory`` whose ``subdir`` is the example platform,
    rendered and committed on main. The project's .gitignore keeps the render cache and lock out of git."""
    repo = git.Repo.init(directory, initial_branch="main")
    with repo.config_writer() as config:
        config.set_value("user", "name", author).set_value("user", "email", "team@example.com")
    root = example_repo(Path(repo.working_dir) / subdir)
    shutil.copy(REPO / ".gitignore", Path(repo.working_dir) / ".gitignore")
    build.run(root)
    repo.git.add(A=True)
    repo.index.commit("the platform")
    return repo, root


def push_main(repo: git.Repo, url: str) -> None:
    """``url`` as remote ``origin``, main pushed to it and fetched back (``origin/main`` exists)."""
    repo.create_remote("origin", url)
    repo.git.push("origin", "main")
    repo.git.fetch("origin")
