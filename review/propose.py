"""Propose a platform change: checks first, then one branch, one commit, a push, and one pull request.

Order matters: a change that fails ``platformctl check`` (after rendering) is refused before git is touched.
Then blueprints, environments and rendered/ are committed together on the proposal branch (``git checkout -B``
keeps the working tree's changes), pushed to the Gitea remote, and the pull request from that branch is
opened, or updated if it is already open: proposing again updates the same branch and the same PR. The PR
body is the diff summary against the base branch, so reviewers see what changes in rendered/ per tenant.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import git

from review import formats
from review.gitea import Gitea, Thread
from review.summary import summarize

COMMITTED = ("blueprints", "environments", "rendered")
BODY_MARKER = "<!-- platformctl:propose -->"


class ProposeError(Exception):
    """Proposing could not go on; nothing after the failing step happened."""


class ProposeRefused(ProposeError):
    """The change fails the checks: it is not proposed."""


@dataclass(frozen=True)
class Proposal:
    branch: str
    commit: str
    pull: Thread
    created: bool  # a new pull request, or an update of the open one


def branch_name(message: str) -> str:
    """``platformctl/<message as a slug>``: the same message proposes to the same branch."""
    slug = re.sub(r"[^a-z0-9]+", "-", message.lower()).strip("-")[:50].rstrip("-") or "change"
    return f"platformctl/{slug}"


def owner_repo(url: str) -> tuple[str, str]:
    """(owner, repo) from a remote URL: https://host/owner/repo(.git), ssh://git@host/owner/repo, git@host:o/r."""
    match = re.search(r"[:/]([^/:]+)/([^/]+?)(?:\.git)?/?$", url)
    if not match:
        raise ProposeError(f"{url}: cannot tell owner/repo from the remote URL; pass --repo OWNER/NAME")
    return match.group(1), match.group(2)


def _redact(text: str) -> str:
    """Credentials in URLs (``https://user:token@host``) never reach a log."""
    return re.sub(r"://[^/@\s]+@", "://***@", text)


def _commit(repo: git.Repo, root: Path, branch: str, message: str) -> str:
    repo.git.checkout("-B", branch)
    inside = root.resolve().relative_to(Path(repo.working_dir).resolve())
    paths = [(inside / p).as_posix() for p in COMMITTED if (root / p).exists()]
    repo.git.add("--all", "--", *paths)
    if repo.git.diff("--cached", "--name-only"):
        repo.git.commit("-m", message)
    return repo.head.commit.hexsha


def propose(root: Path, message: str, gitea: Gitea, *, owner: str, name: str, branch: str | None = None,
            base: str = "main", remote: str = "origin", check: Callable[[Path], list[str]]) -> Proposal:
    """Check, commit, push and open or update the pull request. ``check`` renders and runs the gate: it
    returns the failures, empty when the change may be proposed."""
    failures = check(root)
    if failures:
        raise ProposeRefused("\n".join(failures))
    try:
        repo = git.Repo(root, search_parent_directories=True)
        target = remote_ref = f"{remote}/{base}"
        if target not in [r.name for r in repo.remote(remote).refs]:
            remote_ref = base  # a fresh remote: compare with the local base branch
        branch = branch or branch_name(message)
        sha = _commit(repo, root, branch, message)
        if not repo.git.rev_list(f"{remote_ref}..{branch}"):
            raise ProposeError(f"nothing to propose: {branch} has no change beyond {remote_ref}")
        repo.git.push("--force-with-lease", remote, f"{branch}:{branch}")
    except git.GitCommandError as exc:
        said = _redact(f"git {' '.join(map(str, exc.command[1:]))}: {str(exc.stderr).strip()}")
        raise ProposeError(said) from exc
    except ValueError as exc:  # an unknown remote
        raise ProposeError(str(exc)) from exc
    report = summarize(root, remote_ref)
    body = f"{BODY_MARKER}\n{formats.to_markdown(report)}"
    existing = gitea.open_pull(owner, name, branch, base)
    if existing is not None:
        return Proposal(branch, sha, gitea.edit_pull(owner, name, existing.number, message, body), created=False)
    return Proposal(branch, sha, gitea.create_pull(owner, name, branch, base, message, body), created=True)
