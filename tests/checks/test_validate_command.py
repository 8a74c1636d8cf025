"""``platformctl validate`` end to end with the real binaries: exit codes 0/1/2, every format, locations."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BROKEN = {
    "configmap.yaml": """apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: team
  colour: blue
data:
  retries: 3
""",
    "deploy.yaml": """# a comment first
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: team}
spec:
  replicas: two
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27"}]
""",
    "widget.yaml": "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: team}\n",
    "bad.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [\n",
    "app/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
                              "resources: [gone.yaml]\n",
}


def validate(*args: str, cwd: Path = REPO, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "platformctl", "validate", *args], cwd=cwd, capture_output=True,
                          text=True, check=False, env=env)


@pytest.fixture
def broken(tmp_path: Path, installed: None) -> Path:
    for name, text in BROKEN.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def test_committed_rendered_tree_is_valid(installed: None) -> None:
    result = validate("--output", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads(result.stdout)
    assert data["findings"] == []
    assert data["summary"]["objects"] == data["summary"]["files"] > 300  # hidden .platformctl-* trees skipped


def test_text_names_file_line_object_and_field(broken: Path) -> None:
    result = validate(".", cwd=broken)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    expected = [
        "configmap.yaml:6: error schema-invalid: ConfigMap/team/settings: additional properties 'colour' not "
        "allowed (metadata.colour)",
        "configmap.yaml:8: error schema-invalid: ConfigMap/team/settings: got number, want null or string "
        "(data.retries)",
        "deploy.yaml:6: error schema-invalid: Deployment/team/web: got string, want null or integer (spec.replicas)",
        "widget.yaml:1: error schema-missing: Widget/team/w: no schema for example.com/v1 Widget "
        "(Kubernetes 1.33.4 core schemas, checks/schemas/crds)",
        "bad.yaml:5: error manifest-error: invalid YAML: did not find expected node content",
    ]
    for line in expected:
        assert line in lines, result.stdout
    assert any(ln.startswith("app: error kustomize-build: ") and "gone.yaml" in ln for ln in lines), result.stdout
    assert lines[-1] == "validate: 4 objects in 4 files: 6 error"


def test_every_format_reports_the_same_findings(broken: Path) -> None:
    data = json.loads(validate("--output", "json", ".", cwd=broken).stdout)
    found = {(f["rule"], f["file"], f["object"]["kind"], f["field"]) for f in data["findings"]}
    assert ("schema-invalid", "deploy.yaml", "Deployment", "spec.replicas") in found
    assert ("kustomize-build", "app", "", None) in found
    assert data["summary"]["error"] == 6
    sarif = validate("--output", "sarif", ".", cwd=broken)
    assert sarif.returncode == 1
    results = json.loads(sarif.stdout)["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"schema-invalid", "schema-missing", "manifest-error", "kustomize-build"}
    assert any("spec.replicas" in r["message"]["text"] for r in results)
    junit = validate("--output", "junit", ".", cwd=broken)
    assert junit.returncode == 1
    root = ET.fromstring(junit.stdout)
    assert root.get("failures") == "6"
    assert "Deployment/team/web" in junit.stdout and "(spec.replicas)" in junit.stdout


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_each_kind_of_breakage_alone_exits_1(broken: Path, name: str) -> None:
    result = validate(name if not name.endswith("kustomization.yaml") else "app", cwd=broken)
    assert result.returncode == 1, result.stdout + result.stderr


def test_missing_binary_exits_2_naming_the_install_command(tmp_path: Path, broken: Path) -> None:
    env = {**__import__("os").environ, "PLATFORMCTL_CACHE": str(tmp_path / "empty")}
    result = validate(".", cwd=broken, env=env)
    assert result.returncode == 2
    assert "run: python tools/install.py kubeconform" in result.stderr


def test_unreadable_path_exits_2(tmp_path: Path, installed: None) -> None:
    result = validate(str(tmp_path / "nope"))
    assert result.returncode == 2
    assert "no such file or directory" in result.stderr


def test_hidden_entries_are_never_validated(tmp_path: Path, installed: None) -> None:
    (tmp_path / "ok.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: ok}\n")
    (tmp_path / ".platformctl-spare-x").mkdir()
    (tmp_path / ".platformctl-spare-x" / "junk.yaml").write_text("kind: [\n")
    (tmp_path / ".platformctl-cache-x.json").write_text("{}")
    result = validate(str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.endswith("validate: 1 objects in 1 files: no findings\n")


def test_kubernetes_version_comes_from_the_platform(tmp_path: Path, installed: None) -> None:
    (tmp_path / "blueprints").mkdir()
    (tmp_path / "blueprints" / "platform.yaml").write_text("spec: {kubernetesVersion: '1.29.0'}\n")
    (tmp_path / "ok.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: ok}\n")
    result = validate("--root", str(tmp_path), str(tmp_path / "ok.yaml"))
    assert result.returncode == 2  # only the 1.33 schemas are installed: says so instead of fetching
    assert "1.29" in result.stderr and "install.py" in result.stderr


def test_no_kustomize_skips_only_the_builds(broken: Path) -> None:
    result = validate("--no-kustomize", ".", cwd=broken)
    assert result.returncode == 1
    assert "kustomize-build" not in result.stdout and "schema-invalid" in result.stdout


def test_duplicate_keys_are_invalid_at_their_file_line(tmp_path: Path, installed: None) -> None:
    (tmp_path / "d.yaml").write_text('---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  x: "1"\n'
                                     '  x: "2"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\ndata:\n'
                                     '  k: "1"\n  k: "2"\n')
    result = validate("d.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines()[:2] == ["d.yaml:8: error schema-invalid: ConfigMap/a: duplicate key x",
                                              "d.yaml:16: error schema-invalid: ConfigMap/b: duplicate key k"]
