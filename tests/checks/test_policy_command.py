"""``platformctl policy`` end to end: exit codes 0/1/2, formats, defaults, and the example platform."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PRIVILEGED = """apiVersion: v1
kind: Pod
metadata: {name: bad, namespace: team}
spec:
  containers:
  - name: app
    image: nginx:1.27
    securityContext: {privileged: true}
"""


def policy(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "platformctl", "policy", *args], cwd=cwd, capture_output=True,
                          text=True, check=False)


def test_example_platform_has_zero_findings():
    result = policy("--output", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads(result.stdout)
    assert data["findings"] == [] and data["suppressed"] == []
    assert data["summary"]["objects"] > 300
    assert data["summary"]["files"] == data["summary"]["objects"]  # one object per file, hidden trees skipped


def test_findings_exit_1_in_every_format(tmp_path: Path):
    (tmp_path / "pod.yaml").write_text(PRIVILEGED)
    for output in ("text", "json", "sarif", "junit"):
        result = policy("--output", output, str(tmp_path / "pod.yaml"), cwd=tmp_path)
        assert result.returncode == 1, (output, result.stderr)
        assert "privileged-container" in result.stdout
    text = policy("pod.yaml", cwd=tmp_path).stdout
    assert "pod.yaml:1: error privileged-container: Pod/team/bad: container runs privileged" in text


def test_fail_on_error_lets_warnings_pass(tmp_path: Path):
    fixed = PRIVILEGED.replace("{privileged: true}", """
      privileged: false
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      runAsNonRoot: true
      capabilities: {drop: [ALL]}
      seccompProfile: {type: RuntimeDefault}""")
    (tmp_path / "pod.yaml").write_text(fixed)
    assert policy("pod.yaml", cwd=tmp_path).returncode == 1  # probes, requests: warnings
    assert policy("--fail-on", "error", "pod.yaml", cwd=tmp_path).returncode == 0


@pytest.mark.parametrize(("content", "message"), [
    ("a: [1\n", "invalid YAML"),
    ("- x\n", "not a Kubernetes object"),
])
def test_bad_yaml_exits_2(tmp_path: Path, content: str, message: str):
    (tmp_path / "bad.yaml").write_text(content)
    result = policy("bad.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert "bad.yaml:1" in result.stderr or "bad.yaml:2" in result.stderr
    assert message in result.stderr and result.stdout == ""


def test_invalid_exemption_file_exits_2(tmp_path: Path):
    (tmp_path / "pod.yaml").write_text(PRIVILEGED)
    (tmp_path / "policy.yaml").write_text("apiVersion: platformctl.dev/v1alpha1\nkind: PolicyExemptions\nextra: 1\n")
    result = policy("--exemptions", "policy.yaml", "pod.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert "policy.yaml:1: extra: Extra inputs are not permitted" in result.stderr


def test_missing_path_or_root_exits_2(tmp_path: Path):
    assert policy("nope", cwd=tmp_path).returncode == 2
    result = policy("--root", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2 and "not a platform repository" in result.stderr
    result = policy(cwd=tmp_path)  # no rendered/ to default to
    assert result.returncode == 2 and "no rendered environments" in result.stderr


def test_root_supplies_registries_domains_and_tenants(tmp_path: Path):
    repo = tmp_path / "repo"
    for part in ("blueprints", "environments", "rendered"):
        shutil.copytree(REPO / part, repo / part, ignore=shutil.ignore_patterns(".platformctl-*"))
    pod = PRIVILEGED.replace("nginx:1.27", "docker.io/evil/miner:1.0")
    (repo / "rendered" / "local" / "tenants" / "acme" / "team_pod_bad.yaml").write_text(pod)
    result = policy("--output", "json", "--root", str(repo), str(repo / "rendered" / "local"), cwd=tmp_path)
    assert result.returncode == 1
    rules = {f["rule"] for f in json.loads(result.stdout)["findings"]}
    assert {"image-registry", "tenant-namespace", "privileged-container"} <= rules
    result = policy("--output", "json", str(repo / "rendered" / "local"), cwd=tmp_path)
    assert "image-registry" not in {f["rule"] for f in json.loads(result.stdout)["findings"]}
