"""Core Kubernetes schemas converted for offline kubeconform, and the schema locations handed to it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from checks import coreschemas
from checks.schema_registry import CRD_DIR, MissingSchemas, schema_locations
from checks.tools import cache_dir

REPO = Path(__file__).resolve().parents[2]
INSTALL = REPO / "tools" / "install.py"
KUBERNETES_VERSION = "1.33.4"  # spec.kubernetesVersion of blueprints/platform.yaml

GOOD = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: acme-web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "ghcr.io/acme/web:1.0", ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Namespace
metadata: {name: acme-web, labels: {pod-security.kubernetes.io/enforce: restricted}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: acme-web}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
"""


def test_minor_version() -> None:
    assert coreschemas.minor_version("1.33.4") == "v1.33.0"
    assert coreschemas.minor_version("v1.33") == "v1.33.0"
    with pytest.raises(ValueError):
        coreschemas.minor_version("latest")


def test_platform_version_matches_the_pinned_package() -> None:
    assert coreschemas.platform_kubernetes_version().startswith("1.33.")
    pyproject = (REPO / "pyproject.toml").read_text()
    assert '"kubernetes-validate~=1.33.' in pyproject


def test_rewrite_makes_refs_relative() -> None:
    schema = {"$id": "https://kubernetes.io/api/x", "properties": {"m": {"$ref": "/api/_definitions.json#/$defs/M"},
                                                                    "n": {"$ref": "#/$defs/N"}}}
    assert coreschemas.rewrite(schema) == {"properties": {"m": {"$ref": "_definitions.json#/$defs/M"},
                                                          "n": {"$ref": "#/$defs/N"}}}


def test_converted_schemas_have_no_absolute_refs_or_ids(installed: None) -> None:
    directory = coreschemas.core_dir(cache_dir(), KUBERNETES_VERSION)
    files = sorted(directory.glob("*.json"))
    assert len(files) > 500
    for path in files:
        text = path.read_text()
        assert '"$id"' not in text, path
        assert '"$ref":"/' not in text and '"$ref":"http' not in text, path


def test_schema_install_is_idempotent(installed: None) -> None:
    marker = coreschemas.core_dir(cache_dir(), KUBERNETES_VERSION) / coreschemas.DONE_MARKER
    before = marker.stat().st_mtime_ns
    done = subprocess.run([sys.executable, str(INSTALL), "schemas"], cwd=REPO, capture_output=True, text=True,
                          check=True)
    assert "schemas: reusing" in done.stdout
    assert marker.stat().st_mtime_ns == before


def test_missing_schemas_name_the_install_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLATFORMCTL_CACHE", str(tmp_path))
    with pytest.raises(MissingSchemas, match=r"run: python tools/install\.py schemas$"):
        schema_locations(KUBERNETES_VERSION)


def test_schema_locations_order(locations: list[str]) -> None:
    core, crds = locations
    core_dir = coreschemas.core_dir(cache_dir(), KUBERNETES_VERSION)
    assert core == f"{core_dir}/{{{{.ResourceKind}}}}{{{{.KindSuffix}}}}.json"
    assert crds == f"{CRD_DIR}/{{{{.Group}}}}/{{{{.ResourceKind}}}}_{{{{.ResourceAPIVersion}}}}.json"


def test_core_kinds_validate(tmp_path: Path, run_kubeconform) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(GOOD)
    result = run_kubeconform(good)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Valid: 3, Invalid: 0, Errors: 0, Skipped: 0" in result.stdout


@pytest.mark.parametrize(("old", "new", "field"), [
    ("spec:\n  selector", "spec:\n  replica: 2\n  selector", "replica"),
    ("metadata: {name: acme-web,", "metadata: {nmae: acme-web,", "nmae"),
    ("spec: {podSelector: {},", "spec: {podSelectr: {},", "podSelectr"),
])
def test_core_kinds_reject_unknown_fields(old: str, new: str, field: str, tmp_path: Path, run_kubeconform) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace(old, new))
    result = run_kubeconform(bad)
    assert result.returncode == 1
    assert f"'{field}' not allowed" in result.stdout


def test_kubeconform_never_fetches(tmp_path: Path, run_kubeconform) -> None:
    """No network: a kind absent from every location is an error, not a download or a skip."""
    path = tmp_path / "unknown.yaml"
    path.write_text(json.dumps({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}))
    result = run_kubeconform(path)
    assert result.returncode == 1
    assert "could not find schema for Widget" in result.stdout
