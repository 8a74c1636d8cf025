"""kustomize builds: failures name the directory and kustomize's message; a build over Argo CD's limit fails."""

from __future__ import annotations

from pathlib import Path

from checks.validate.kustomize import build_all

KUSTOMIZATION = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [{}]\n"
NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata: {name: ok}\n"


def test_only_broken_directories_are_reported(tmp_path: Path, installed: None) -> None:
    for name, listed in (("good", "ns.yaml"), ("bad", "gone.yaml")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "ns.yaml").write_text(NAMESPACE)
        (tmp_path / name / "kustomization.yaml").write_text(KUSTOMIZATION.format(listed))
    failures = build_all([tmp_path / "good", tmp_path / "bad"])
    assert [f.directory.name for f in failures] == ["bad"]
    assert "gone.yaml" in failures[0].message and not failures[0].message.startswith("Error:")


def test_a_build_over_the_time_limit_is_a_failure(tmp_path: Path, installed: None) -> None:
    (tmp_path / "ns.yaml").write_text(NAMESPACE)
    (tmp_path / "kustomization.yaml").write_text(KUSTOMIZATION.format("ns.yaml"))
    failures = build_all([tmp_path], timeout=0.000001)
    assert len(failures) == 1 and "did not finish" in failures[0].message
