"""Desired state from rendered/<env>: every object once, with its file and tenant; bad trees are errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from checks.drift.desired import load_env, selector
from checks.manifests import ManifestError

REPO = Path(__file__).resolve().parents[2]


def test_the_example_environment_loads_with_files_and_tenants() -> None:
    desired = load_env(REPO, "local")
    files = sorted(p for p in (REPO / "rendered" / "local").rglob("*.yaml") if p.name != "kustomization.yaml")
    assert len(desired) == len(files)
    assert {d.file for d in desired} == {p.relative_to(REPO).as_posix() for p in files}
    quota = next(d for d in desired if d.ref.kind == "ResourceQuota")
    assert quota.tenant == quota.obj["metadata"]["labels"]["platformctl.dev/tenant"]
    assert all(d.obj["metadata"]["labels"]["platformctl.dev/environment"] == "local" for d in desired)


def test_selector_matches_what_the_renderer_labels() -> None:
    labels = load_env(REPO, "local")[0].obj["metadata"]["labels"]
    for term in selector("local").split(","):
        key, _, value = term.partition("=")
        assert labels[key] == value


def test_a_missing_environment_and_a_duplicate_are_errors(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="no rendered environment 'nope'"):
        load_env(REPO, "nope")
    shutil.copytree(REPO / "rendered" / "local" / "argocd", tmp_path / "rendered" / "local" / "argocd")
    first = sorted((tmp_path / "rendered" / "local" / "argocd").glob("*.yaml"))[0]
    shutil.copy(first, first.with_name("copy.yaml"))
    with pytest.raises(ManifestError, match="is also defined in"):
        load_env(tmp_path, "local")
