"""The Gitea Actions workflows: their shape, and every platformctl command line in them run for real.

Each ``.venv/bin/platformctl ...`` line of .gitea/workflows/*.yaml runs in bash, with the workflow's
expressions filled in, in a git clone of the example platform: the PR workflow against a pull request branch,
the nightly one against the local control plane (nothing applied, so the environment drifts). Gitea is the
swagger-checked fake behind a real HTTP server, since the commands are separate processes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import git
import pytest
import yaml

from checks.cluster.lifecycle import down, up
from generator import build
from tests.review.gitea_contract import TOKEN, FakeGitea
from tests.review.gitea_http import serve
from tests.review.gitrepos import committed_platform, push_main
from tests.support import REPO

WORKFLOWS = REPO / ".gitea" / "workflows"
OWNER_REPO = "platform/platform"


def _workflow(name: str) -> dict[str, Any]:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def _platformctl_lines(workflow: dict[str, Any]) -> list[str]:
    lines = []
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            lines += [ln.strip() for ln in str(step.get("run", "")).splitlines() if "platformctl " in ln]
    return lines


def _fill(line: str, values: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        return values[match.group(1).strip()]
    return re.sub(r"\$\{\{([^}]+)\}\}", value, line)


def _run(line: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", line], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture
def clone(tmp_path: Path) -> tuple[git.Repo, Path]:
    """A clone of the example platform as the runner sees it: main pushed to origin, .venv the project's."""
    remote = git.Repo.init(tmp_path / "remote.git", bare=True, initial_branch="main")
    repo, root = committed_platform(tmp_path / "runner", author="CI")
    push_main(repo, remote.git_dir)
    (root / ".venv").symlink_to(sys.prefix)  # the virtualenv running the tests: the runner's `make install`
    return repo, root


def _environment(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITEA_", "KUBECONFIG", "ARGOCD_"))}
    return {**env, "GITEA_URL": url, "GITEA_REPOSITORY": OWNER_REPO, "GITEA_TOKEN": TOKEN}


def test_the_pr_workflow_gates_pull_requests_and_runs_on_a_stock_runner() -> None:
    flow = _workflow("pr.yaml")
    assert list(flow[True if True in flow else "on"]) == ["pull_request"]  # YAML 1.1 reads `on` as true
    (job,) = flow["jobs"].values()
    assert job["runs-on"] == "ubuntu-latest"
    assert job["steps"][0]["uses"].startswith("actions/checkout@") and job["steps"][0]["with"]["fetch-depth"] == 0
    assert job["steps"][-1]["run"].startswith("exit ")  # fails the job as the check did, after commenting
    assert "curl" not in (WORKFLOWS / "pr.yaml").read_text()


def test_every_platformctl_line_of_the_pr_workflow_runs_and_comments_once(clone: tuple) -> None:
    repo, root = clone
    repo.git.checkout("-b", "platformctl/bump-the-shop")
    tenant = root / "blueprints/tenants/acme.yaml"
    tenant.write_text(tenant.read_text().replace("acme/shop:1.4.2", "acme/shop:1.4.3"))
    build.run(root)
    repo.git.add(A=True)
    repo.index.commit("bump the shop")
    lines = _platformctl_lines(_workflow("pr.yaml"))
    assert [ln.split()[1] for ln in lines] == ["check", "diff", "pr-comment"]
    fake = FakeGitea()
    fake.client().create_pull("platform", "platform", "platformctl/bump-the-shop", "main", "bump", "")
    with serve(fake) as url:
        env = _environment(url)
        for attempt in range(2):  # a second push runs the workflow again: still one comment
            check = _run(lines[0], root, env)
            assert check.returncode == 0, check.stdout + check.stderr
            values = {"gitea.base_ref": "main", "gitea.event.pull_request.number": "1",
                      "steps.check.outputs.exit": str(check.returncode)}
            for line in lines[1:]:
                done = _run(_fill(line, values), root, env)
                assert done.returncode == 0, (line, done.stderr)
            assert "check: passed" in (root / "check.txt").read_text(), attempt
    assert fake.errors == []
    (comment,) = fake.comments.values()
    assert comment["body"].startswith("<!-- platformctl:pr-check -->\n### platformctl check: passed")
    assert "- changed `Deployment acme-shop/shop`: `spec.template.spec.containers[0].image`" in comment["body"]


def test_the_nightly_workflow_runs_every_environment_on_a_schedule() -> None:
    flow = _workflow("nightly-drift.yaml")
    triggers = flow[True if True in flow else "on"]
    assert "schedule" in triggers and triggers["schedule"][0]["cron"]
    (job,) = flow["jobs"].values()
    assert set(job["strategy"]["matrix"]["env"]) == {p.stem for p in (REPO / "environments").glob("*.yaml")}
    uploads = [s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact@")]
    assert uploads and uploads[0]["with"]["path"].endswith(".html")


@pytest.fixture
def empty_cluster(cluster_binaries: None, tmp_path: Path) -> Iterator[Any]:
    """A control plane of its own: the session's may hold what other tests applied."""
    state = up(tmp_path / "cluster").state
    try:
        yield state
    finally:
        down(tmp_path / "cluster")


def test_every_platformctl_line_of_the_nightly_workflow_opens_then_closes_the_drift_issue(
        clone: tuple, empty_cluster: Any) -> None:
    _, root = clone
    shutil.copy(empty_cluster.readonly_kubeconfig, root / "kubeconfig")
    lines = _platformctl_lines(_workflow("nightly-drift.yaml"))
    assert [ln.split()[1] for ln in lines] == ["drift", "drift-issue"]
    values = {"matrix.env": "local"}
    fake = FakeGitea()
    with serve(fake) as url:
        env = _environment(url)
        drift = _run(_fill(lines[0], values), root, env)
        assert drift.returncode == 1, drift.stderr  # nothing of local is applied: it drifts
        report = json.loads((root / "drift-local.json").read_text())
        assert report["inSync"] is False and report["summary"]["missing"] > 0
        assert (root / "drift-local.html").read_text().lstrip().lower().startswith("<!doctype html")
        opened = _run(_fill(lines[1], values), root, env)
        assert opened.returncode == 0 and "local: opened" in opened.stdout, opened.stderr
        again = _run(_fill(lines[1], values), root, env)
        assert "local: updated" in again.stdout
        (issue,) = fake.issues(OWNER_REPO)
        assert issue["state"] == "open" and [lab["name"] for lab in issue["labels"]] == ["drift"]
        assert issue["body"] == (root / "drift-local.md").read_text()
        # the environment back in sync (as a later night would report it): the issue is closed
        (root / "drift-local.json").write_text(json.dumps({**report, "inSync": True, "exitCode": 0}))
        closed = _run(_fill(lines[1], values), root, env)
        assert "local: closed" in closed.stdout, closed.stderr
    assert fake.errors == []
    assert fake.issues(OWNER_REPO)[0]["state"] == "closed"
