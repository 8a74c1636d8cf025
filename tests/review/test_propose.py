"""platformctl propose: real git repositories (a bare remote), the real checks, Gitea's API contract."""

from __future__ import annotations

from pathlib import Path

import git
import pytest
from click.testing import CliRunner

from platformctl.cli import main
from platformctl.propose_command import checks
from review.propose import BODY_MARKER, ProposeError, ProposeRefused, branch_name, owner_repo, propose
from tests.review.gitea_contract import TOKEN, URL, FakeGitea
from tests.review.gitrepos import committed_platform, push_main

OLD_IMAGE, NEW_IMAGE = "registry.example.com/acme/shop:1.4.2", "registry.example.com/acme/shop:1.4.3"
DEPLOYMENT = "rendered/staging/tenants/acme/acme-shop_deployment_shop.yaml"


@pytest.fixture
def work(tmp_path: Path) -> tuple[git.Repo, git.Repo, Path]:
    """(bare remote, clone, platform root): the example platform rendered, committed on main and pushed."""
    remote = git.Repo.init(tmp_path / "remote.git", bare=True, initial_branch="main")
    repo, root = committed_platform(tmp_path / "work")
    push_main(repo, remote.git_dir)
    return remote, repo, root


def _edit(root: Path, old: str, new: str, tenant: str = "acme") -> None:
    path = root / "blueprints/tenants" / f"{tenant}.yaml"
    path.write_text(path.read_text().replace(old, new))


def _propose(root: Path, gitea: FakeGitea, message: str = "Bump the shop", **options: object):
    return propose(root, message, gitea.client(), owner="platform", name="platform", check=checks, **options)


def test_a_checked_change_is_committed_with_its_rendered_output_pushed_and_opened(work: tuple) -> None:
    remote, _, root = work
    _edit(root, OLD_IMAGE, NEW_IMAGE)
    gitea = FakeGitea()
    result = _propose(root, gitea)
    assert result.created and result.branch == "platformctl/bump-the-shop"
    pushed = remote.commit("platformctl/bump-the-shop")
    assert pushed.hexsha == result.commit and pushed.message.strip() == "Bump the shop"
    changed = set(pushed.stats.files)
    assert "blueprints/tenants/acme.yaml" in changed and DEPLOYMENT in changed  # blueprint and rendered together
    assert NEW_IMAGE in (pushed.tree / DEPLOYMENT).data_stream.read().decode()
    (pull,) = gitea.pulls("platform/platform")
    assert (pull["head"]["ref"], pull["base"]["ref"], pull["title"]) == (result.branch, "main", "Bump the shop")
    assert pull["body"].startswith(BODY_MARKER)
    assert "- changed `Deployment acme-shop/shop`: `spec.template.spec.containers[0].image`" in pull["body"]
    assert result.pull.url == pull["html_url"]


def test_proposing_again_updates_the_same_branch_and_pull_request(work: tuple) -> None:
    remote, _, root = work
    gitea = FakeGitea()
    _edit(root, OLD_IMAGE, NEW_IMAGE)
    first = _propose(root, gitea)
    _edit(root, "quota: {cpu: \"8\",", "quota: {cpu: \"9\",")
    second = _propose(root, gitea)
    assert not second.created and second.branch == first.branch and second.pull.number == first.pull.number
    assert len(gitea.pulls("platform/platform")) == 1
    assert remote.commit(first.branch).hexsha == second.commit != first.commit
    assert "ResourceQuota" in gitea.pulls("platform/platform")[0]["body"]  # the body follows the branch


def test_a_failing_change_is_refused_before_git_is_touched(work: tuple) -> None:
    remote, repo, root = work
    _edit(root, "quota:", "qouta:")
    gitea = FakeGitea()
    with pytest.raises(ProposeRefused) as refused:
        _propose(root, gitea)
    assert "qouta" in str(refused.value)
    assert repo.active_branch.name == "main" and len(list(repo.iter_commits())) == 1
    assert [h.name for h in remote.heads] == ["main"] and gitea.requests == []


def test_nothing_to_propose_is_an_error(work: tuple) -> None:
    _, _, root = work
    with pytest.raises(ProposeError, match="nothing to propose"):
        _propose(root, FakeGitea())


def test_the_cli_needs_a_token_and_never_prints_it(work: tuple, monkeypatch: pytest.MonkeyPatch) -> None:
    _, _, root = work
    monkeypatch.delenv("GITEA_TOKEN", raising=False)
    args = ["propose", "--root", str(root), "-m", "x", "--repo", "platform/platform", "--gitea-url", URL]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "set GITEA_TOKEN" in result.stderr
    monkeypatch.setenv("GITEA_TOKEN", TOKEN)
    result = CliRunner().invoke(main, [*args, "--remote", "nowhere"])
    assert result.exit_code == 2 and "nowhere" in result.stderr and TOKEN not in result.stderr + result.stdout


@pytest.mark.parametrize(("url", "expected"), [
    ("https://gitea.example.com/platform/platform.git", ("platform", "platform")),
    ("https://user:secret@gitea.example.com/team/infra", ("team", "infra")),
    ("git@gitea.example.com:team/infra.git", ("team", "infra")),
    ("ssh://git@gitea.example.com:2222/team/infra.git", ("team", "infra")),
])
def test_owner_and_repo_from_the_remote(url: str, expected: tuple[str, str]) -> None:
    assert owner_repo(url) == expected


def test_branch_names_are_slugs_of_the_message() -> None:
    assert branch_name("Add tenant Umbrella (PROJ-42)!") == "platformctl/add-tenant-umbrella-proj-42"
    assert branch_name("!!!") == "platformctl/change"
