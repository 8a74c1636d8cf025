"""The Gitea calls of the CI workflows, as commands (.gitea/workflows/ runs them, never curl):

``platformctl pr-comment``  the PR's one check-and-diff comment, created or updated;
``platformctl drift-issue`` the environment's drift issue, opened, updated or closed from a drift JSON report.

Gitea is ``--gitea-url`` (or $GITEA_URL), the repository ``--repo OWNER/NAME`` (or $GITEA_REPOSITORY), the
token $GITEA_TOKEN or ``--token-file``; it is never printed. Exit codes: 0 done, 2 could not (bad input, Gitea).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from review import threads
from review.gitea import Gitea, GiteaError, token_from

EXIT_BAD_INPUT = 2


def _gitea_options(command: Callable[..., Any]) -> Callable[..., Any]:
    command = click.option("--token-file", type=click.Path(dir_okay=False, path_type=Path),
                           help="default: $GITEA_TOKEN")(command)
    command = click.option("--repo", "repo_name", envvar="GITEA_REPOSITORY", required=True, metavar="OWNER/NAME",
                           help="the Gitea repository (default: $GITEA_REPOSITORY)")(command)
    return click.option("--gitea-url", envvar="GITEA_URL", required=True, help="default: $GITEA_URL")(command)


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(EXIT_BAD_INPUT)


def _connect(gitea_url: str, repo_name: str, token_file: Path | None) -> tuple[Gitea, str, str]:
    if repo_name.count("/") != 1:
        _fail(f"--repo {repo_name!r}: expected OWNER/NAME")
    owner, name = repo_name.split("/")
    try:
        return Gitea(gitea_url, token_from(file=token_file)), owner, name
    except GiteaError as exc:
        _fail(str(exc))
        raise


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text()
    except OSError as exc:
        _fail(f"{path}: cannot read the {what}: {exc.strerror}")
        raise


@click.command("pr-comment")
@_gitea_options
@click.option("--pr", "number", type=int, required=True, help="the pull request's number")
@click.option("--check-file", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="the output of 'platformctl check'")
@click.option("--check-exit", type=int, required=True, help="the exit code of 'platformctl check'")
@click.option("--diff-file", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="the Markdown of 'platformctl diff'")
def pr_comment(gitea_url: str, repo_name: str, token_file: Path | None, number: int, check_file: Path,
               check_exit: int, diff_file: Path) -> None:
    """Post (or update) the pull request's check-and-diff comment."""
    body = threads.pr_comment_body(check_exit, _read(check_file, "check output"), _read(diff_file, "diff"))
    gitea, owner, name = _connect(gitea_url, repo_name, token_file)
    try:
        with gitea:
            comment = threads.post_pr_comment(gitea, owner, name, number, body)
    except GiteaError as exc:
        _fail(f"pr-comment: {exc}")
    click.echo(f"pr-comment: comment {comment} on {owner}/{name}#{number}")


@click.command("drift-issue")
@_gitea_options
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="'platformctl drift --output json' of the environment")
@click.option("--markdown", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="the same report as Markdown (the issue's body)")
def drift_issue(gitea_url: str, repo_name: str, token_file: Path | None, report: Path, markdown: Path) -> None:
    """Open, update or close the environment's drift issue (label 'drift') from the nightly report."""
    try:
        model = json.loads(_read(report, "drift report"))
        env, in_sync = str(model["environment"]), bool(model["inSync"])
    except (ValueError, KeyError, TypeError) as exc:
        _fail(f"{report}: not a drift JSON report ({exc})")
        raise
    gitea, owner, name = _connect(gitea_url, repo_name, token_file)
    try:
        with gitea:
            outcome = threads.sync_drift_issue(gitea, owner, name, env, in_sync, _read(markdown, "drift Markdown"))
    except GiteaError as exc:
        _fail(f"drift-issue: {exc}")
    where = f" #{outcome.issue.number} ({outcome.issue.url})" if outcome.issue else ""
    click.echo(f"drift-issue: {env}: {outcome.action}{where}")
