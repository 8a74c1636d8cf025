"""review.threads: the PR's one check comment and the per-environment drift issue, against Gitea's contract."""

from __future__ import annotations

from review import threads
from tests.review.gitea_contract import FakeGitea

OWNER, REPO = "platform", "platform"


def test_the_pr_comment_folds_the_check_output_and_keeps_its_tail() -> None:
    body = threads.pr_comment_body(1, "\n".join(f"line {i}" for i in range(500)), "## diff\n")
    assert body.startswith("### platformctl check: failed")
    assert f"(last {threads.MAX_CHECK_LINES} of 500 lines" in body
    assert "line 499" in body and "line 299\n" not in body and body.endswith("## diff\n")
    assert threads.pr_comment_body(0, "ok", "d").startswith("### platformctl check: passed")
    assert threads.pr_comment_body(7, "", "d").startswith("### platformctl check: exit code 7")


def test_a_drift_issue_per_environment_opened_updated_and_closed() -> None:
    gitea = FakeGitea()
    client = gitea.client()
    assert threads.sync_drift_issue(client, OWNER, REPO, "prod", True, "in sync").action == "none"
    opened = threads.sync_drift_issue(client, OWNER, REPO, "prod", False, "3 missing")
    other = threads.sync_drift_issue(client, OWNER, REPO, "staging", False, "1 extra")
    assert (opened.action, other.action) == ("opened", "opened") and opened.issue != other.issue
    updated = threads.sync_drift_issue(client, OWNER, REPO, "prod", False, "2 missing")
    assert updated.action == "updated" and updated.issue.number == opened.issue.number
    assert updated.issue.body == "2 missing" and len(gitea.issues("platform/platform")) == 2
    closed = threads.sync_drift_issue(client, OWNER, REPO, "prod", True, "0 findings")
    assert closed.action == "closed" and closed.issue.state == "closed"
    (comment,) = gitea.comments.values()
    assert "back in sync" in comment["body"]
    states = {i["title"]: i["state"] for i in gitea.issues("platform/platform")}
    assert states == {threads.drift_title("prod"): "closed", threads.drift_title("staging"): "open"}
    reopened = threads.sync_drift_issue(client, OWNER, REPO, "prod", False, "drifted again")
    assert reopened.action == "opened" and reopened.issue.number not in (opened.issue.number, other.issue.number)
