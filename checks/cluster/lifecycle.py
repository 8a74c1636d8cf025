"""`up` and `down`: start etcd and kube-apiserver, set up access and CRDs; stop them and remove their state.

`up` is idempotent (a running control plane is reported, not restarted); anything left by a dead or
interrupted one is stopped and replaced. A failed `up` stops what it started and removes everything but
logs/, so the error's log tail can be read in full.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from checks.cluster import apiserver, crds, etcd, kubeconfig, pki, ports, rbac, timeouts
from checks.cluster.errors import ClusterError
from checks.cluster.layout import Layout
from checks.cluster.probe import tls_context, wait_healthy
from checks.cluster.process import alive, spawn, stop
from checks.cluster.state import State, locked, read, write
from checks.tools import MissingTool, binary


@dataclass(frozen=True)
class UpResult:
    """The running control plane, and whether it was already running before this call."""

    state: State
    already_running: bool


def _binaries() -> tuple[Path, Path]:
    """The pinned etcd and kube-apiserver built by tools/install.py (never whatever is on PATH)."""
    found, problems = [], []
    for name in ("etcd", "kube-apiserver"):
        try:
            found.append(binary(name))
        except MissingTool as exc:
            problems.append(str(exc))
    if problems:
        raise ClusterError("\n".join(problems))
    return found[0], found[1]


def _running(state: State | None) -> bool:
    return bool(state and state.ready and state.processes() and all(alive(p) for p in state.processes()))


def _stop_all(state: State) -> None:
    for proc in state.processes():
        stop(proc)


def _remove(layout: Layout, keep_logs: bool = False) -> None:
    for path in layout.owned():
        if keep_logs and path == layout.logs:
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def _wait_read_only(path: Path, timeout: float) -> None:
    """The read-only binding is enforced from the authorizer's cache: wait until it lets the user list."""
    api = kubeconfig.api_client(path)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                client.CoreV1Api(api).list_namespace(limit=1)
                return
            except ApiException as exc:
                if exc.status != 403 or time.monotonic() >= deadline:
                    raise ClusterError(f"read-only user cannot list namespaces: HTTP {exc.status}") from exc
            time.sleep(0.1)
    finally:
        api.close()


def _start(layout: Layout, state: State, crd_dir: Path, port: int | None, timeout: float) -> None:
    """Start everything, recording each process in the state file before waiting for it."""
    if port is not None:
        ports.ensure_free(port)
    etcd_binary, apiserver_binary = _binaries()
    docs = crds.load(crd_dir)
    picked = [p for p in ports.free_ports(3) if p != port]
    state.apiserver_port = port or picked.pop()
    state.etcd_client_port, state.etcd_peer_port = picked[:2]
    keys = pki.generate(layout.pki)

    etcd_url = etcd.client_url(state.etcd_client_port)
    state.etcd = spawn(etcd.command(etcd_binary, keys, layout.etcd_data, state.etcd_client_port,
                                    state.etcd_peer_port), layout.etcd_log)
    write(layout, state)
    wait_healthy("etcd", f"{etcd_url}/health", tls_context(keys.ca.cert, keys.etcd_client), state.etcd,
                 layout.etcd_log, timeouts.ETCD)

    state.server = apiserver.server_url(state.apiserver_port)
    state.apiserver = spawn(apiserver.command(apiserver_binary, keys, state.apiserver_port, etcd_url),
                            layout.apiserver_log)
    write(layout, state)
    wait_healthy("kube-apiserver", f"{state.server}/readyz?verbose", tls_context(keys.ca.cert, keys.admin),
                 state.apiserver, layout.apiserver_log, timeout)

    admin = kubeconfig.write(layout.admin_kubeconfig, state.server, keys.ca.cert, pki.ADMIN_USER, keys.admin)
    readonly = kubeconfig.write(layout.readonly_kubeconfig, state.server, keys.ca.cert, pki.READONLY_USER,
                                keys.readonly)
    state.admin_kubeconfig, state.readonly_kubeconfig = str(admin), str(readonly)
    api = kubeconfig.api_client(admin)
    try:
        rbac.grant_read_only(api)
        state.crds = crds.install(api, docs, timeouts.SETUP)
    finally:
        api.close()
    _wait_read_only(readonly, timeouts.SETUP)
    state.ready = True
    write(layout, state)


def up(directory: Path, *, crd_dir: Path = crds.DEFAULT_CRDS, port: int | None = None,
       timeout: float = timeouts.APISERVER) -> UpResult:
    """Start a control plane whose state lives in `directory`, or report the one already running there."""
    layout = Layout(directory.resolve())
    with locked(layout):
        previous = read(layout)
        if _running(previous):
            assert previous is not None
            return UpResult(previous, already_running=True)
        if previous is not None:  # dead, or interrupted half-way: replace it
            _stop_all(previous)
        _remove(layout)
        state = State(directory=str(layout.root))
        try:
            _start(layout, state, crd_dir, port, timeout)
        except BaseException:
            _stop_all(state)
            _remove(layout, keep_logs=True)
            raise
        return UpResult(state, already_running=False)


def down(directory: Path) -> bool:
    """Stop the control plane in `directory` and remove its files; whether anything was running."""
    layout = Layout(directory.resolve())
    if not layout.root.is_dir():
        return False
    with locked(layout):
        state = read(layout)
        was_running = bool(state and any(alive(p) for p in state.processes()))
        if state is not None:
            _stop_all(state)
        _remove(layout)
        layout.lock_file.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        layout.root.rmdir()  # only if empty: --dir may hold the user's own files
    return was_running


def status(directory: Path) -> State | None:
    """The state of a running, ready control plane in `directory`, else None."""
    layout = Layout(directory.resolve())
    if not layout.state_file.is_file():
        return None
    state = read(layout)
    return state if _running(state) else None

