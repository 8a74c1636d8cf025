"""`platformctl cluster up/down` as a user runs them: real processes, idempotence, clear failures (exit 2)."""

from __future__ import annotations

import json
import os
import signal
import socket
from pathlib import Path

from checks.cluster.layout import Layout
from checks.cluster.ports import is_listening
from checks.cluster.process import Proc, alive
from tests.support import platformctl


def _state(directory: Path) -> dict:
    return json.loads(Layout(directory).state_file.read_text())


def _procs(state: dict) -> list[Proc]:
    return [Proc(**state[key]) for key in ("apiserver", "etcd")]


def _ports(state: dict) -> list[int]:
    return [state["apiserver_port"], state["etcd_client_port"], state["etcd_peer_port"]]


def _processes_using(directory: Path) -> list[int]:
    """Pids of any process whose command line mentions `directory` (what a failed `up` must not leave)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if str(directory) in cmdline and stat[stat.rindex(")") + 2] != "Z":
                found.append(int(entry.name))
    return found


def test_up_down_lifecycle(tmp_path: Path, cluster_binaries: None) -> None:
    directory = tmp_path / "plane"
    directory.mkdir()
    (directory / "notes.txt").write_text("the user's own file\n")

    started = platformctl("cluster", "up", "--dir", str(directory))
    assert started.returncode == 0, started.stderr
    state = _state(directory)
    assert f"control plane started in {directory}" in started.stdout
    assert f"server:               {state['server']}" in started.stdout
    assert f"admin kubeconfig:     {directory / 'admin.kubeconfig'}" in started.stdout
    assert f"read-only kubeconfig: {directory / 'readonly.kubeconfig'}" in started.stdout
    assert state["ready"] and all(alive(p) for p in _procs(state))
    assert all(is_listening(port) for port in _ports(state))
    assert oct((directory / "admin.kubeconfig").stat().st_mode & 0o777) == "0o600"

    again = platformctl("cluster", "up", "--dir", str(directory))
    assert again.returncode == 0, again.stderr
    assert f"control plane already running in {directory}" in again.stdout
    assert _state(directory) == state

    # a control plane whose apiserver died is replaced, not reported as running
    os.kill(state["apiserver"]["pid"], signal.SIGKILL)
    replaced = platformctl("cluster", "up", "--dir", str(directory))
    assert replaced.returncode == 0, replaced.stderr
    assert "control plane started" in replaced.stdout
    old, state = state, _state(directory)
    assert state["apiserver"] != old["apiserver"] and not any(alive(p) for p in _procs(old))

    stopped = platformctl("cluster", "down", "--dir", str(directory))
    assert stopped.returncode == 0, stopped.stderr
    assert f"control plane in {directory} stopped; state removed" in stopped.stdout
    assert not any(alive(p) for p in _procs(state))
    assert not any(is_listening(port) for port in _ports(state))
    assert sorted(p.name for p in directory.iterdir()) == ["notes.txt"]  # only what `up` created is removed

    twice = platformctl("cluster", "down", "--dir", str(directory))
    assert twice.returncode == 0, twice.stderr
    assert "was not running" in twice.stdout


def test_down_removes_a_directory_it_created(tmp_path: Path, cluster_binaries: None) -> None:
    directory = tmp_path / "fresh"
    assert platformctl("cluster", "up", "--dir", str(directory)).returncode == 0
    state = _state(directory)
    assert platformctl("cluster", "down", "--dir", str(directory)).returncode == 0
    assert not directory.exists()
    assert not any(is_listening(port) for port in _ports(state))


def test_port_in_use_is_refused(tmp_path: Path, cluster_binaries: None) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = platformctl("cluster", "up", "--dir", str(tmp_path / "p"), "--port", str(port))
    assert done.returncode == 2
    assert f"port {port} on 127.0.0.1 is in use" in done.stderr
    assert not Layout(tmp_path / "p").state_file.exists()
    assert _processes_using(tmp_path / "p") == []


def test_apiserver_not_ready_in_time_shows_its_log(tmp_path: Path, cluster_binaries: None) -> None:
    directory = tmp_path / "slow"
    done = platformctl("cluster", "up", "--dir", str(directory), "--timeout", "0.1")
    assert done.returncode == 2
    assert "kube-apiserver not ready at https://127.0.0.1:" in done.stderr
    assert "within 0.1s" in done.stderr
    assert f"last lines of {directory / 'logs' / 'kube-apiserver.log'}" in done.stderr
    assert _processes_using(directory) == []  # etcd and kube-apiserver were stopped
    assert sorted(p.name for p in directory.iterdir()) == [".lock", "logs"]  # logs kept for reading
    assert platformctl("cluster", "down", "--dir", str(directory)).returncode == 0
    assert not directory.exists()


def test_missing_binaries_name_the_install_command(tmp_path: Path) -> None:
    env = {**os.environ, "PLATFORMCTL_CACHE": str(tmp_path / "empty-cache")}
    done = platformctl("cluster", "up", "--dir", str(tmp_path / "c"), env=env)
    assert done.returncode == 2
    assert "run: python tools/install.py etcd" in done.stderr
    assert "run: python tools/install.py kube-apiserver" in done.stderr


def test_missing_crds_are_refused_before_starting(tmp_path: Path, cluster_binaries: None) -> None:
    done = platformctl("cluster", "up", "--dir", str(tmp_path / "c"), "--crds", str(tmp_path / "no-crds"))
    assert done.returncode == 2
    assert "missing CRD file(s) argo_application.yaml" in done.stderr
    assert "--crds DIR" in done.stderr
    assert _processes_using(tmp_path / "c") == []
