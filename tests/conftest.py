"""Fixtures shared by the test modules, among them one real control plane (etcd + kube-apiserver) per session.

The control plane's binaries come from tools/install.py like every other pinned tool: a missing Go toolchain
or a failed build fails the tests that need them, it never skips them. Nothing starts unless a test asks.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client

from checks.cluster import kubeconfig
from checks.cluster.lifecycle import down, up
from checks.cluster.state import State
from tests.gitea_server import GiteaServer, start_gitea

EXAMPLE_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A throwaway copy of the example platform (blueprints/ and environments/, no rendered/).

    The example is valid, so a test breaks exactly one thing and asserts exactly what is reported.
    """
    root = tmp_path / "repo"
    root.mkdir()
    for part in ("blueprints", "environments"):
        shutil.copytree(EXAMPLE_ROOT / part, root / part)
    return root


INSTALL = EXAMPLE_ROOT / "tools" / "install.py"


@pytest.fixture(scope="session")
def cluster_binaries() -> None:
    """Build (or reuse from the cache) the pinned kube-apiserver and etcd."""
    subprocess.run([sys.executable, str(INSTALL), "kube-apiserver", "etcd"], check=True, cwd=EXAMPLE_ROOT)


@pytest.fixture(scope="session")
def control_plane(tmp_path_factory: pytest.TempPathFactory, cluster_binaries: None) -> Iterator[State]:
    """A running, ready control plane; stopped (and its state removed) at the end of the session."""
    directory = tmp_path_factory.mktemp("control-plane")
    result = up(directory)
    try:
        yield result.state
    finally:
        down(directory)


@pytest.fixture(scope="session")
def admin_api(control_plane: State) -> Iterator[client.ApiClient]:
    """An API client with the admin kubeconfig (group system:masters)."""
    api = kubeconfig.api_client(Path(control_plane.admin_kubeconfig))
    yield api
    api.close()


@pytest.fixture(scope="session")
def readonly_api(control_plane: State) -> Iterator[client.ApiClient]:
    """An API client with the read-only kubeconfig (get/list/watch only)."""
    api = kubeconfig.api_client(Path(control_plane.readonly_kubeconfig))
    yield api
    api.close()


@pytest.fixture(scope="module")
def gitea(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GiteaServer]:
    """A real Gitea (tests/gitea_server.py, built by tools/install.py) for the module that asks: its own
    sqlite and admin, stopped cleanly afterwards."""
    server = start_gitea(tmp_path_factory.mktemp("gitea"))
    try:
        yield server
    finally:
        assert server.stop() == 0, server.log_tail()
