"""checks.tools and tools/install.py: pinned binaries in the user cache, built once, clear when missing."""

from __future__ import annotations

import json
import os
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
    for name, pin in pins.items():
        path = binary(name)
        assert path == tools.cache_dir() / "bin" / f"{name}-{pin['version']}"
        # the build records its module version (kubeconform -v says "development" for go-install builds)
        out = subprocess.run(["go", "version", "-m", str(path)], capture_output=True, text=True, check=True)
        assert f"\tpath\t{pin['module']}\n" in out.stdout
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


def test_install_rejects_unknown_tools() -> None:
    done = subprocess.run([sys.executable, str(INSTALL), "helm"], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 2
    assert "unknown tool(s): helm" in done.stderr


def test_kustomize_builds_a_rendered_directory(installed: None) -> None:
    done = subprocess.run([str(binary("kustomize")), "build", str(REPO / "rendered" / "local" / "argocd")],
                          capture_output=True, text=True, check=True)
    assert "kind: Application" in done.stdout
