"""What the CI workflows post to Gitea: the PR's check-and-diff comment, and one drift issue per environment.

Both are idempotent, so a workflow may run any number of times: the PR keeps one comment of ours (found by
its marker) and each environment at most one open issue labelled ``drift`` (found by label and title), whose
body is the latest report; it is closed, with a last comment, once the environment is back in sync.
"""

from __future__ import annotations

from dataclasses import dataclass

from review.gitea import Gitea, Thread

PR_MARKER = "<!-- platformctl:pr-check -->"
DRIFT_LABEL = "drift"
CHECK_VERDICTS = {0: "passed", 1: "failed", 2: "could not run"}
MAX_CHECK_LINES = 200  # Gitea comments have a size limit; the job log has the rest


def drift_title(env: str) -> str:
    return f"Drift: environment {env} differs from git"


def pr_comment_body(check_exit: int, check_output: str, diff_markdown: str) -> str:
    """The check's verdict and output (folded), then the diff summary."""
    verdict = CHECK_VERDICTS.get(check_exit, f"exit code {check_exit}")
    lines = check_output.rstrip("\n").splitlines()
    shown = lines[-MAX_CHECK_LINES:]
    cut = f"(last {MAX_CHECK_LINES} of {len(lines)} lines; the job log has all)\n" if len(lines) > len(shown) else ""
    return (f"### platformctl check: {verdict}\n\n<details><summary>check output</summary>\n\n{cut}```\n"
            + "\n".join(shown) + "\n```\n\n</details>\n\n" + diff_markdown.rstrip("\n") + "\n")


def post_pr_comment(gitea: Gitea, owner: str, repo: str, number: int, body: str) -> int:
    return gitea.upsert_comment(owner, repo, number, PR_MARKER, body)


@dataclass(frozen=True)
class DriftOutcome:
    action: str  # "opened", "updated", "closed", "none"
    issue: Thread | None


def sync_drift_issue(gitea: Gitea, owner: str, repo: str, env: str, in_sync: bool,
                     report_markdown: str) -> DriftOutcome:
    """Open, update or close the environment's drift issue to match the nightly report."""
    title = drift_title(env)
    current = next((i for i in gitea.open_issues(owner, repo, DRIFT_LABEL) if i.title == title), None)
    if in_sync:
        if current is None:
            return DriftOutcome("none", None)
        gitea.upsert_comment(owner, repo, current.number, "<!-- platformctl:drift-closed -->",
                             f"Environment {env} is back in sync with git.\n\n{report_markdown}")
        return DriftOutcome("closed", gitea.edit_issue(owner, repo, current.number, state="closed"))
    if current is None:
        label = gitea.label_id(owner, repo, DRIFT_LABEL)
        return DriftOutcome("opened", gitea.create_issue(owner, repo, title, report_markdown, [label]))
    return DriftOutcome("updated", gitea.edit_issue(owner, repo, current.number, body=report_markdown))
