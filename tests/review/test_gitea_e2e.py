"""The propose, PR comment and drift issue flows end to end against a real Gitea 1.25 (tests/gitea_server.py).

One server for the module, built through tools/install.py (a failed build fails, never skips). The platform
repository is ``platform/platform`` on it (an organisation's repository, as in the README), the example platform
rendered and pushed over HTTP with the admin's token as ``origin`` of a local clone. Every outcome is read back
through Gitea's API with a plain httpx client, independent of review.gitea.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import git
import httpx
import pytest

from platformctl.propose_command import checks
from review import threads
from review.gitea import Gitea
from review.propose import BODY_MARKER, Proposal, propose
from tests.gitea_server import GiteaServer
from tests.review.gitrepos import committed_platform, push_main

OWNER, NAME = "platform", "platform"
FULL = f"{OWNER}/{NAME}"
OLD_IMAGE, NEW_IMAGE = "registry.example.com/acme/shop:1.4.2", "registry.example.com/acme/shop:1.4.3"
IMAGE_LINE = "- changed `Deployment acme-shop/shop`: `spec.template.spec.containers[0].image`"
MESSAGE = "Bump the shop"


@pytest.fixture(scope="module")
def api(gitea: GiteaServer) -> Iterator[httpx.Client]:
    with gitea.client() as client:
        yield client


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json() if response.content else None


@pytest.fixture(scope="module")
def platform(gitea: GiteaServer, api: httpx.Client, tmp_path_factory: pytest.TempPathFactory) -> tuple[git.Repo, Path]:
    """(clone, platform root): the example platform rendered, committed on main and pushed to platform/platform."""
    _ok(api.post("/orgs", json={"username": OWNER, "visibility": "public"}), 201)
    created = _ok(api.post(f"/orgs/{OWNER}/repos", json={"name": NAME, "default_branch": "main"}), 201)
    assert created["empty"] is True
    repo, root = committed_platform(tmp_path_factory.mktemp("clone") / "platform")
    push_main(repo, gitea.git_url(OWNER, NAME))
    assert _ok(api.get(f"/repos/{FULL}/branches/main"))["commit"]["id"] == repo.head.commit.hexsha
    return repo, root


def _edit(root: Path, old: str, new: str, tenant: str = "acme") -> None:
    path = root / "blueprints" / "tenants" / f"{tenant}.yaml"
    text = path.read_text()
    assert old in text, (tenant, old)
    path.write_text(text.replace(old, new))


def _pull(api: httpx.Client, number: int) -> dict[str, Any]:
    return dict(_ok(api.get(f"/repos/{FULL}/pulls/{number}")))


def _open_pulls(api: httpx.Client) -> list[dict[str, Any]]:
    return list(_ok(api.get(f"/repos/{FULL}/pulls", params={"state": "open", "limit": 50})))


def _pull_at(api: httpx.Client, number: int, sha: str, timeout: float = 10) -> dict[str, Any]:
    """The pull request once Gitea has moved its head to ``sha`` (the push hook updates it)."""
    deadline = time.monotonic() + timeout
    while True:
        pull = _pull(api, number)
        if pull["head"]["sha"] == sha or time.monotonic() > deadline:
            return pull
        time.sleep(0.1)


@dataclass
class Proposed:
    first: Proposal
    first_pull: dict[str, Any]  # as Gitea reported it right after the first propose
    second: Proposal
    seconds: tuple[float, float]


@pytest.fixture(scope="module")
def proposed(gitea: GiteaServer, api: httpx.Client, platform: tuple[git.Repo, Path]) -> Proposed:
    """The shop image bumped and proposed, then the acme quota raised and proposed again."""
    _, root = platform
    with Gitea(gitea.url, gitea.token) as client:
        _edit(root, OLD_IMAGE, NEW_IMAGE)
        started = time.monotonic()
        first = propose(root, MESSAGE, client, owner=OWNER, name=NAME, check=checks)
        first_seconds = time.monotonic() - started
        first_pull = _pull_at(api, first.pull.number, first.commit)
        _edit(root, 'quota: {cpu: "8",', 'quota: {cpu: "9",')
        started = time.monotonic()
        second = propose(root, MESSAGE, client, owner=OWNER, name=NAME, check=checks)
        second_seconds = time.monotonic() - started
    return Proposed(first, first_pull, second, (first_seconds, second_seconds))


def test_propose_pushes_the_branch_and_opens_the_pull_request(
        gitea: GiteaServer, api: httpx.Client, platform: tuple[git.Repo, Path], proposed: Proposed) -> None:
    repo, _ = platform
    first, pull = proposed.first, proposed.first_pull
    assert first.created and first.branch == "platformctl/bump-the-shop"
    # the commit carries the blueprint and its rendered output together
    changed = set(repo.commit(first.commit).stats.files)
    assert {"blueprints/tenants/acme.yaml", "rendered/staging/tenants/acme/acme-shop_deployment_shop.yaml"} <= changed
    assert not [p for p in changed if ".platformctl-" in p]
    assert (pull["number"], pull["state"], pull["title"]) == (first.pull.number, "open", MESSAGE)
    assert (pull["head"]["ref"], pull["head"]["sha"], pull["base"]["ref"]) == (first.branch, first.commit, "main")
    assert pull["body"].startswith(BODY_MARKER) and IMAGE_LINE in pull["body"]
    assert "ResourceQuota" not in pull["body"]
    assert first.pull.url == pull["html_url"] == f"{gitea.url}/{FULL}/pulls/{pull['number']}"
    assert pull["mergeable"] is True


def test_proposing_again_updates_the_same_branch_and_pull_request(
        api: httpx.Client, platform: tuple[git.Repo, Path], proposed: Proposed) -> None:
    repo, _ = platform
    first, second = proposed.first, proposed.second
    assert not second.created and second.branch == first.branch and second.pull.number == first.pull.number
    assert second.commit != first.commit and repo.commit(second.commit).parents[0].hexsha == first.commit
    branch = _ok(api.get(f"/repos/{FULL}/branches/{first.branch}"))
    assert branch["commit"]["id"] == second.commit
    ours = [p for p in _open_pulls(api) if p["head"]["ref"] == first.branch]
    assert [p["number"] for p in ours] == [first.pull.number]
    pull = _pull_at(api, first.pull.number, second.commit)
    assert pull["head"]["sha"] == second.commit and pull["base"]["ref"] == "main"
    assert IMAGE_LINE in pull["body"] and "ResourceQuota" in pull["body"]  # the body follows the branch
    assert pull["body"] != proposed.first_pull["body"]


def test_the_propose_command_opens_a_second_pull_request(
        gitea: GiteaServer, api: httpx.Client, platform: tuple[git.Repo, Path], proposed: Proposed) -> None:
    repo, root = platform
    repo.git.checkout("main")  # a second change, from main, on a branch of its own
    _edit(root, "globex/api:2.0.1", "globex/api:2.0.2", tenant="globex")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITEA_")}
    env["GITEA_TOKEN"] = gitea.token
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "platformctl", "propose", "--root", str(root), "-m",
                           "Bump the globex api", "--gitea-url", gitea.url, "--repo", FULL],
                          env=env, capture_output=True, text=True, timeout=600)
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stdout + done.stderr
    assert gitea.token not in done.stdout + done.stderr
    ours = [p for p in _open_pulls(api) if p["head"]["ref"] == "platformctl/bump-the-globex-api"]
    assert len(ours) == 1, [p["head"]["ref"] for p in _open_pulls(api)]
    pull = ours[0]
    assert pull["number"] != proposed.first.pull.number and pull["base"]["ref"] == "main"
    assert done.stdout.startswith(f"opened pull request #{pull['number']}: {pull['html_url']} "), done.stdout
    head = repo.commit("platformctl/bump-the-globex-api")
    assert pull["head"]["sha"] == head.hexsha and head.parents[0].hexsha == repo.commit("main").hexsha
    assert "- changed `Deployment globex-api/api`: `spec.template.spec.containers[0].image`" in pull["body"]
    assert "acme-shop" not in pull["body"]
    print(f"propose CLI: {seconds:.1f}s; propose(): {proposed.seconds[0]:.1f}s, again {proposed.seconds[1]:.1f}s")


def _comments(api: httpx.Client, number: int) -> list[dict[str, Any]]:
    return list(_ok(api.get(f"/repos/{FULL}/issues/{number}/comments")))


def test_the_pr_comment_is_posted_once_and_updated(gitea: GiteaServer, api: httpx.Client,
                                                   proposed: Proposed) -> None:
    number = proposed.first.pull.number
    with Gitea(gitea.url, gitea.token) as client:
        first = threads.post_pr_comment(client, OWNER, NAME, number, threads.pr_comment_body(1, "bad", "## diff v1\n"))
        (comment,) = _comments(api, number)
        assert comment["id"] == first and "check: failed" in comment["body"]
        second = threads.post_pr_comment(client, OWNER, NAME, number, threads.pr_comment_body(0, "ok", "## diff v2\n"))
    assert second == first
    (comment,) = _comments(api, number)
    assert comment["body"].startswith(f"{threads.PR_MARKER}\n### platformctl check: passed")
    assert "## diff v2" in comment["body"] and "diff v1" not in comment["body"]
    assert comment["user"]["login"] == gitea.admin


def _issue(api: httpx.Client, number: int) -> dict[str, Any]:
    return dict(_ok(api.get(f"/repos/{FULL}/issues/{number}")))


def _labels(api: httpx.Client) -> list[dict[str, Any]]:
    return list(_ok(api.get(f"/repos/{FULL}/labels", params={"limit": 50})))


def test_the_drift_issue_is_opened_updated_closed_and_opened_anew(
        gitea: GiteaServer, api: httpx.Client, platform: tuple[git.Repo, Path], proposed: Proposed) -> None:
    title = threads.drift_title("prod")
    # unrelated: an unlabelled issue with the very title, and a drift-labelled issue of another title
    same_title = _ok(api.post(f"/repos/{FULL}/issues", json={"title": title, "body": "a person's note"}), 201)
    with Gitea(gitea.url, gitea.token) as client:
        assert threads.sync_drift_issue(client, OWNER, NAME, "prod", True, "in sync").action == "none"
        opened = threads.sync_drift_issue(client, OWNER, NAME, "prod", False, "3 missing")
        assert opened.action == "opened" and opened.issue is not None
        assert opened.issue.number not in (same_title["number"], proposed.first.pull.number)
        (label,) = [lab for lab in _labels(api) if lab["name"] == threads.DRIFT_LABEL]
        other = _ok(api.post(f"/repos/{FULL}/issues", json={"title": "Drift: a cousin", "body": "by hand",
                                                              "labels": [label["id"]]}), 201)
        issue = _issue(api, opened.issue.number)
        assert (issue["title"], issue["body"], issue["state"]) == (title, "3 missing", "open")
        assert [lab["name"] for lab in issue["labels"]] == [threads.DRIFT_LABEL]
        assert opened.issue.url == issue["html_url"]

        updated = threads.sync_drift_issue(client, OWNER, NAME, "prod", False, "2 missing")
        assert updated.action == "updated" and updated.issue.number == opened.issue.number
        issue = _issue(api, opened.issue.number)
        assert (issue["body"], issue["state"]) == ("2 missing", "open")

        closed = threads.sync_drift_issue(client, OWNER, NAME, "prod", True, "0 findings")
        assert closed.action == "closed" and closed.issue.state == "closed"
        assert _issue(api, opened.issue.number)["state"] == "closed"
        (comment,) = _comments(api, opened.issue.number)
        assert "back in sync" in comment["body"] and "0 findings" in comment["body"]
        assert threads.sync_drift_issue(client, OWNER, NAME, "prod", True, "0 findings").action == "none"

        reopened = threads.sync_drift_issue(client, OWNER, NAME, "prod", False, "drifted again")
        assert reopened.action == "opened" and reopened.issue.number != opened.issue.number
        issue = _issue(api, reopened.issue.number)
        assert (issue["title"], issue["body"], issue["state"]) == (title, "drifted again", "open")
        assert [lab["name"] for lab in issue["labels"]] == [threads.DRIFT_LABEL]
        assert _issue(api, opened.issue.number)["state"] == "closed"

    assert [lab["name"] for lab in _labels(api)].count(threads.DRIFT_LABEL) == 1  # created once
    for untouched, body in ((same_title, "a person's note"), (other, "by hand")):
        now = _issue(api, untouched["number"])
        assert (now["title"], now["body"], now["state"]) == (untouched["title"], body, "open")
        assert _comments(api, untouched["number"]) == []
    pull = _pull(api, proposed.first.pull.number)
    assert pull["state"] == "open" and pull["labels"] == []  # pull requests are not issues here


def test_the_drift_issue_command(gitea: GiteaServer, api: httpx.Client, platform: tuple[git.Repo, Path],
                                 tmp_path: Path) -> None:
    report = {"apiVersion": "platformctl.dev/v1alpha1", "kind": "DriftReport", "environment": "staging",
              "inSync": False, "exitCode": 1, "summary": {"missing": 2, "extra": 0, "modified": 0, "unknown": 0}}
    (tmp_path / "drift.json").write_text(json.dumps(report))
    (tmp_path / "drift.md").write_text("## staging\n\n2 missing\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITEA_")}
    env.update({"GITEA_URL": gitea.url, "GITEA_REPOSITORY": FULL, "GITEA_TOKEN": gitea.token})
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "platformctl", "drift-issue", "--report", str(tmp_path / "drift.json"),
                           "--markdown", str(tmp_path / "drift.md")], env=env, capture_output=True, text=True,
                          timeout=120)
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stdout + done.stderr
    found = [i for i in _ok(api.get(f"/repos/{FULL}/issues", params={"state": "open", "type": "issues",
                                                                      "labels": threads.DRIFT_LABEL, "limit": 50}))
             if i["title"] == threads.drift_title("staging")]
    assert len(found) == 1
    issue = found[0]
    assert done.stdout.strip() == f"drift-issue: staging: opened #{issue['number']} ({issue['html_url']})"
    assert issue["body"] == "## staging\n\n2 missing\n"
    assert [lab["name"] for lab in issue["labels"]] == [threads.DRIFT_LABEL]
    print(f"drift-issue CLI: {seconds:.1f}s")
