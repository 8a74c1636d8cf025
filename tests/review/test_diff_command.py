"""platformctl diff --base REF against real git repositories (gitpython), on the example platform."""

from __future__ import annotations

import json
from pathlib import Path

import git
import pytest
from click.testing import CliRunner

from platformctl.cli import main
from tests.review.gitrepos import committed_platform
from tests.support import example_repo

SHOP_IMAGE = "registry.example.com/acme/shop:1.4.3"


def _commit(repo: git.Repo, message: str) -> str:
    repo.git.add(A=True)
    return repo.index.commit(message).hexsha


@pytest.fixture
def platform(tmp_path: Path) -> tuple[git.Repo, Path]:
    """A git repository whose subdirectory ``platform/`` is the example platform, rendered and committed."""
    return committed_platform(tmp_path / "git", subdir="platform")


def _diff(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["diff", "--root", str(root), *args])
    return result.exit_code, result.stdout, result.stderr


def _edit(root: Path, tenant: str, old: str, new: str) -> None:
    path = root / "blueprints" / "tenants" / f"{tenant}.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_an_image_bump_shows_as_the_one_changed_field_of_the_tenants_deployment(platform: tuple) -> None:
    repo, root = platform
    _edit(root, "acme", "registry.example.com/acme/shop:1.4.2", SHOP_IMAGE)
    code, out, _ = _diff(root, "--base", "main", "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert report["changed"] is True and report["baseCommit"] == repo.head.commit.hexsha
    assert [e["environment"] for e in report["environments"]] == ["local", "prod", "staging"]
    for env in report["environments"]:
        (owner,) = env["owners"]
        assert owner["tenant"] == "acme" and owner["added"] == [] and owner["removed"] == []
        assert [(c["kind"], c["namespace"], c["name"], c["fields"]) for c in owner["changed"]] == [
            ("Deployment", "acme-shop", "shop", ["spec.template.spec.containers[0].image"])]
    assert report["unchangedTenants"] == [] and report["baseRenderedDiffers"] == []
    code, markdown, _ = _diff(root, "--base", "main", "--env", "staging")
    assert code == 0 and "### staging" in markdown and "### prod" not in markdown
    assert "- changed `Deployment acme-shop/shop`: `spec.template.spec.containers[0].image`" in markdown


def test_an_edit_that_renders_the_same_says_so(platform: tuple) -> None:
    _, root = platform
    _edit(root, "globex", "spec:\n", "spec:  # reviewed 2026-11\n")
    code, markdown, _ = _diff(root, "--base", "HEAD")
    assert code == 0
    assert "Nothing rendered changes in any environment." in markdown
    assert "Blueprint edited, nothing rendered changed: `globex`." in markdown


def test_a_new_tenant_file_not_yet_tracked_is_all_added(platform: tuple) -> None:
    _, root = platform
    text = (root / "blueprints/tenants/initech.yaml").read_text().replace("initech", "umbrella")
    text = text.replace("host: tps", "host: umbrella-tps")
    (root / "blueprints/tenants/umbrella.yaml").write_text(text)
    code, out, err = _diff(root, "--base", "main", "--format", "json", "--env", "local")
    assert code == 0, err
    (env,) = json.loads(out)["environments"]
    owners = {o["tenant"]: o for o in env["owners"]}
    assert set(owners) == {"umbrella", None}  # None: the platform, whose single sign-on learns the new users
    assert {(c["kind"], c["name"]) for c in owners[None]["changed"]} >= {("ExternalSecret", "casdoor-init-data-0")}
    assert owners[None]["added"] == owners[None]["removed"] == []
    kinds = {o["kind"] for o in owners["umbrella"]["added"]}
    assert {"Namespace", "AppProject", "Application", "ResourceQuota", "NetworkPolicy"} <= kinds
    assert owners["umbrella"]["removed"] == owners["umbrella"]["changed"] == []


def test_the_worktree_is_gone_afterwards_and_the_working_tree_untouched(platform: tuple) -> None:
    repo, root = platform
    _edit(root, "acme", "registry.example.com/acme/shop:1.4.2", SHOP_IMAGE)
    before = repo.git.status("--porcelain")
    assert _diff(root, "--base", "main")[0] == 0
    assert repo.git.status("--porcelain") == before
    assert repo.git.worktree("list", "--porcelain").count("worktree ") == 1


def test_a_code_change_shows_as_base_files_rendered_differently(platform: tuple) -> None:
    """The base's committed rendered/ is what Argo CD has; one file edited there, as an older platformctl
    would have rendered it, counts as platformctl's own share of the change."""
    repo, root = platform
    quota = root / "rendered/local/system/tenancy/acme/acme-shop_resourcequota_tenant-quota.yaml"
    quota.write_text(quota.read_text().replace("tenant-quota", "old-quota-name"))
    _commit(repo, "as an older platformctl rendered it")
    code, out, _ = _diff(root, "--base", "main", "--format", "json")
    assert code == 0
    assert json.loads(out)["baseRenderedDiffers"] == [
        "local/system/tenancy/acme/acme-shop_resourcequota_tenant-quota.yaml"]


def test_unknown_revision_and_broken_base_are_bad_input(platform: tuple) -> None:
    repo, root = platform
    code, _, err = _diff(root, "--base", "no-such-branch")
    assert code == 2 and "no-such-branch: no such revision" in err
    _edit(root, "acme", "quota:", "qouta:")
    _commit(repo, "a broken tenant")
    _edit(root, "acme", "qouta:", "quota:")
    code, _, err = _diff(root, "--base", "HEAD")
    assert code == 2
    assert "base HEAD: blueprints/tenants/acme.yaml" in err and "qouta" in err


def test_outside_a_git_repository_is_bad_input(tmp_path: Path) -> None:
    root = example_repo(tmp_path / "plain")
    code, _, err = _diff(root, "--base", "main")
    assert code == 2 and "not inside a git repository" in err
