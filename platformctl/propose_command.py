"""``platformctl propose -m MSG``: check, then branch, commit, push to Gitea and open (or update) the PR.

Exit codes: 0 proposed, 1 refused (the change fails ``platformctl check``; nothing was committed or pushed),
2 could not propose (git, Gitea, or bad input). The Gitea token comes from ``GITEA_TOKEN`` or ``--token-file``
and is never printed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
import git

from checks import gate
from generator import build
from generator.errors import BlueprintError
from platformctl.check_command import table
from platformctl.validate_command import DEFAULT_KUBERNETES_VERSION, kubernetes_version
from review.gitea import Gitea, GiteaError, token_from
from review.propose import ProposeError, ProposeRefused, owner_repo, propose
from review.summary import SummaryError

EXIT_REFUSED, EXIT_BAD_INPUT = 1, 2


def checks(root: Path) -> list[str]:
    """Render, then the PR gate; the gate's table when it does not pass."""
    try:
        build.run(root)
    except BlueprintError as exc:
        return [str(p) for p in exc.problems]
    report = gate.run(root, kubernetes_version(root) or DEFAULT_KUBERNETES_VERSION)
    if report.exit_code == 0:
        return []
    details = [line for cell in report.general for line in cell.details]
    details += [f"[{env} {step}] {line}" for env, cells in sorted(report.cells.items())
                for step, cell in cells.items() for line in cell.details]
    return details + table(report)


def _remote_url(root: Path, remote: str) -> str:
    try:
        return git.Repo(root, search_parent_directories=True).remote(remote).url
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, ValueError) as exc:
        raise ProposeError(f"{root}: no git remote {remote!r} ({exc})") from exc


def _gitea_url(given: str | None, remote_url: str) -> str:
    if given:
        return given
    if remote_url.startswith(("https://", "http://")):
        scheme, rest = remote_url.split("://", 1)
        return f"{scheme}://{rest.split('@')[-1].split('/')[0]}"
    raise ProposeError(f"cannot tell Gitea's URL from the remote {remote_url!r}; pass --gitea-url or set GITEA_URL")


@click.command("propose")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="platform repository (inside a git repository)")
@click.option("-m", "--message", required=True, help="commit message and pull request title")
@click.option("--branch", help="proposal branch (default: platformctl/<message as a slug>)")
@click.option("--base", default="main", show_default=True, help="branch the pull request merges into")
@click.option("--remote", default="origin", show_default=True, help="the Gitea remote to push to")
@click.option("--repo", "repo_name", metavar="OWNER/NAME", help="the Gitea repository (default: from the remote URL)")
@click.option("--gitea-url", default=lambda: os.environ.get("GITEA_URL"), help="default: $GITEA_URL, else the remote's")
@click.option("--token-file", type=click.Path(dir_okay=False, path_type=Path), help="default: $GITEA_TOKEN")
def propose_command(root: Path, message: str, branch: str | None, base: str, remote: str, repo_name: str | None,
                    gitea_url: str | None, token_file: Path | None) -> None:
    """Check the change, commit blueprints and rendered/ on a branch, push it and open or update its PR."""
    try:
        url = _remote_url(root, remote)
        owner, name = repo_name.split("/", 1) if repo_name and "/" in repo_name else owner_repo(url)
        with Gitea(_gitea_url(gitea_url, url), token_from(file=token_file)) as gitea:
            result = propose(root, message, gitea, owner=owner, name=name, branch=branch, base=base,
                             remote=remote, check=checks)
    except ProposeRefused as exc:
        click.echo(str(exc), err=True)
        click.echo("propose: refused, the change fails 'platformctl check'; nothing was committed or pushed",
                   err=True)
        sys.exit(EXIT_REFUSED)
    except (ProposeError, GiteaError, OSError) as exc:
        click.echo(f"propose: {exc}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    except SummaryError as exc:
        click.echo("\n".join(exc.lines), err=True)
        sys.exit(EXIT_BAD_INPUT)
    verb = "opened" if result.created else "updated"
    pull = result.pull
    click.echo(f"{verb} pull request #{pull.number}: {pull.url} ({result.branch} at {result.commit[:12]})")
