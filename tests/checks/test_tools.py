"""checks.tools and tools/install.py: pinned binaries in the user cache, built once, clear when missing."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from checks import tools
from checks.tools import MissingTool, binary

REPO = Path(__file__).resolve().parents[2]
INSTALL = REPO / "tools" / "install.py"


def test_missing_tool_names_the_install_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLATFORMCTL_CACHE", str(tmp_path))
    with pytest.raises(MissingTool, match=r"run: python tools/install\.py kubeconform$"):
        binary("kubeconform")


def test_unknown_tool_is_refused() -> None:
    with pytest.raises(MissingTool, match="unknown tool 'helm'"):
        binary("helm")


def test_binaries_are_the_pinned_versions(installed: None) -> None:
    pins = json.loads(tools.VERSIONS_FILE.read_text())
    assert pins["kubeconform"]["version"] == "v0.7.0"
    assert pins["kustomize"]["version"] == "v5.7.1"
    assert pins["kube-apiserver"]["version"] == "v1.33.4"  # spec.kubernetesVersion of blueprints/platform.yaml
    assert pins["etcd"]["version"] == "v3.6.16"
    for name, pin in pins.items():
        if pin.get("optional"):  # gitea: built only when named; tests/test_gitea_server.py builds and runs it
            continue
        path = binary(name)
        assert path == tools.cache_dir() / "bin" / f"{name}-{pin['version']}"
        # the build records its module version (kubeconform -v says "development" for go-install builds)
        out = subprocess.run(["go", "version", "-m", str(path)], capture_output=True, text=True, check=True)
        assert f"\tpath\t{pin.get('package', pin['module'])}\n" in out.stdout
        assert "\tbuild\tCGO_ENABLED=0\n" in out.stdout
        mod = next(line for line in out.stdout.splitlines() if line.startswith("\tmod\t"))
        assert mod.split("\t")[3] == pin["version"]


def test_install_is_idempotent(tmp_path: Path) -> None:
    """A cold install into an empty cache builds; the second run reuses the binary untouched."""
    env = {**os.environ, "PLATFORMCTL_CACHE": str(tmp_path)}

    def install() -> str:
        done = subprocess.run([sys.executable, str(INSTALL), "kubeconform"], cwd=REPO, env=env,
                              capture_output=True, text=True, check=True)
        return done.stdout

    assert "kubeconform: built" in install()
    target = tmp_path / "bin" / "kubeconform-v0.7.0"
    before = target.stat()
    assert "kubeconform: reusing" in install()
    after = target.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert [p.name for p in (tmp_path / "bin").iterdir()] == ["kubeconform-v0.7.0"]  # no build leftovers


def _install_module():
    spec = importlib.util.spec_from_file_location("tools_install", INSTALL)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_wrapper_modules_require_the_pinned_versions() -> None:
    """go.mod decides what is compiled, versions.json names the binary: they must agree."""
    install = _install_module()
    for name, pin in install.versions().items():
        if "wrapper" in pin:
            install.check_wrapper(name)
            assert (install.wrapper_dir(name) / "go.sum").is_file()
    gomod = (install.wrapper_dir("kube-apiserver") / "go.mod").read_text()
    replaced = re.findall(r"^\s+(k8s\.io/\S+) => (k8s\.io/\S+) (\S+)$", gomod, re.MULTILINE)
    staging = {"k8s.io/api", "k8s.io/apimachinery", "k8s.io/apiserver", "k8s.io/client-go", "k8s.io/component-base",
               "k8s.io/kube-aggregator", "k8s.io/apiextensions-apiserver", "k8s.io/kms", "k8s.io/externaljwt"}
    assert staging <= {module for module, _, _ in replaced}
    assert {(module == target, version) for module, target, version in replaced} == {(True, "v0.33.4")}


def test_a_wrapper_disagreeing_with_versions_json_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    install = _install_module()
    pins = install.versions()
    pins["etcd"]["version"] = "v3.6.0"
    monkeypatch.setattr(install, "versions", lambda: pins)
    with pytest.raises(RuntimeError, match=r"tools/etcd/go.mod requires go.etcd.io/etcd/server/v3 v3.6.16, "
                                           r"but tools/versions.json pins v3.6.0"):
        install.check_wrapper("etcd")


def test_missing_control_plane_binaries_name_the_install_command(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLATFORMCTL_CACHE", str(tmp_path))
    for name in ("kube-apiserver", "etcd"):
        with pytest.raises(MissingTool, match=rf"{name} is not installed at .*; run: python tools/install\.py {name}$"):
            binary(name)


def test_install_rejects_unknown_tools() -> None:
    done = subprocess.run([sys.executable, str(INSTALL), "helm"], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 2
    assert "unknown tool(s): helm" in done.stderr


def test_kustomize_builds_a_rendered_directory(installed: None) -> None:
    done = subprocess.run([str(binary("kustomize")), "build", str(REPO / "rendered" / "local" / "argocd")],
                          capture_output=True, text=True, check=True)
    assert "kind: Application" in done.stdout
