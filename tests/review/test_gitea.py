"""review.gitea against Gitea's API document (FakeGitea checks every request and response)."""

from __future__ import annotations

from pathlib import Path

import pytest

from review.gitea import PAGE, GiteaError, token_from
from tests.review.gitea_contract import TOKEN, FakeGitea

OWNER, REPO = "platform", "platform"


def test_pull_request_is_created_found_and_edited() -> None:
    gitea = FakeGitea()
    client = gitea.client()
    assert client.open_pull(OWNER, REPO, "platformctl/add-umbrella", "main") is None
    created = client.create_pull(OWNER, REPO, "platformctl/add-umbrella", "main", "Add umbrella", "diff v1")
    assert created.number == 1 and created.url.endswith("/platform/platform/pulls/1")
    found = client.open_pull(OWNER, REPO, "platformctl/add-umbrella", "main")
    assert found == created
    assert client.open_pull(OWNER, REPO, "platformctl/add-umbrella", "release") is None  # other base
    edited = client.edit_pull(OWNER, REPO, 1, "Add umbrella", "diff v2")
    assert edited.body == "diff v2" and len(gitea.pulls("platform/platform")) == 1
    assert all(r.headers["Authorization"] == f"token {TOKEN}" for r in gitea.requests)


def test_our_comment_is_edited_not_repeated() -> None:
    gitea = FakeGitea()
    client = gitea.client()
    client.create_pull(OWNER, REPO, "b", "main", "t", "")
    first = client.upsert_comment(OWNER, REPO, 1, "<!-- platformctl:check -->", "check failed")
    second = client.upsert_comment(OWNER, REPO, 1, "<!-- platformctl:check -->", "check passed")
    assert first == second and len(gitea.comments) == 1
    assert gitea.comments[first]["body"] == "<!-- platformctl:check -->\ncheck passed"
    other = client.upsert_comment(OWNER, REPO, 1, "<!-- platformctl:diff -->", "diff")
    assert other != first and len(gitea.comments) == 2


def test_labels_are_created_once_and_found_across_pages() -> None:
    gitea = FakeGitea()
    client = gitea.client()
    for i in range(PAGE + 3):  # more than one page of labels
        client.label_id(OWNER, REPO, f"l{i}")
    drift = client.label_id(OWNER, REPO, "drift")
    assert client.label_id(OWNER, REPO, "drift") == drift
    assert client.label_id(OWNER, REPO, f"l{PAGE + 1}") == gitea.labels["platform/platform"][PAGE + 1]["id"]
    assert len(gitea.labels["platform/platform"]) == PAGE + 4


def test_issues_by_label_open_and_closed() -> None:
    gitea = FakeGitea()
    client = gitea.client()
    drift = client.label_id(OWNER, REPO, "drift")
    issue = client.create_issue(OWNER, REPO, "Drift in prod", "3 findings", [drift])
    client.create_issue(OWNER, REPO, "Unrelated", "", [])
    assert [i.number for i in client.open_issues(OWNER, REPO, "drift")] == [issue.number]
    client.edit_issue(OWNER, REPO, issue.number, body="in sync", state="closed")
    assert client.open_issues(OWNER, REPO, "drift") == []


def test_a_refusal_names_the_call_never_the_token() -> None:
    gitea = FakeGitea()
    gitea.refuse = 401
    with pytest.raises(GiteaError) as refused:
        gitea.client().open_pull(OWNER, REPO, "b", "main")
    assert "HTTP 401" in str(refused.value) and "/repos/platform/platform/pulls" in str(refused.value)
    assert TOKEN not in str(refused.value)


def test_token_from_file_or_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = tmp_path / "token"
    file.write_text("abc123\n")
    assert token_from(file=file) == "abc123"
    monkeypatch.setenv("GITEA_TOKEN", " xyz ")
    assert token_from() == "xyz"
    monkeypatch.delenv("GITEA_TOKEN")
    with pytest.raises(GiteaError, match="set GITEA_TOKEN"):
        token_from()
    file.write_text("")
    with pytest.raises(GiteaError, match="empty token file"):
        token_from(file=file)
