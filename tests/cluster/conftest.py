"""One real control plane (etcd + kube-apiserver) for the test session, started and stopped by checks.cluster.

The binaries come from tools/install.py like every other pinned tool: a missing Go toolchain or a failed build
fails these tests, it never skips them.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client

from checks.cluster import kubeconfig
from checks.cluster.lifecycle import down, up
from checks.cluster.state import State

REPO = Path(__file__).resolve().parents[2]
INSTALL = REPO / "tools" / "install.py"


@pytest.fixture(scope="session")
def cluster_binaries() -> None:
    """Build (or reuse from the cache) the pinned kube-apiserver and etcd."""
    subprocess.run([sys.executable, str(INSTALL), "kube-apiserver", "etcd"], check=True, cwd=REPO)


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
