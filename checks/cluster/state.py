"""The state file of a running control plane (pids, ports, paths) and the lock that serialises up/down.

The state is written as soon as a process is started, before waiting for it, so a `down` after a failed or
interrupted `up` still finds and stops everything that was started.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

from checks.cluster.errors import ClusterError
from checks.cluster.layout import Layout
from checks.cluster.process import Proc

FORMAT = 1


@dataclass
class State:
    """What `up` started; `ready` turns true once CRDs and RBAC are in place."""

    directory: str
    etcd: Proc | None = None
    etcd_client_port: int = 0
    etcd_peer_port: int = 0
    apiserver: Proc | None = None
    apiserver_port: int = 0
    server: str = ""
    admin_kubeconfig: str = ""
    readonly_kubeconfig: str = ""
    crds: list[str] = field(default_factory=list)
    ready: bool = False

    def processes(self) -> list[Proc]:
        """The started processes, the apiserver first (the order to stop them in)."""
        return [proc for proc in (self.apiserver, self.etcd) if proc is not None]

    def ports(self) -> list[int]:
        return [port for port in (self.apiserver_port, self.etcd_client_port, self.etcd_peer_port) if port]


def write(layout: Layout, state: State) -> None:
    """Replace the state file atomically (a reader never sees half of it)."""
    temporary = layout.state_file.with_suffix(".tmp")
    temporary.write_text(json.dumps({"format": FORMAT, **asdict(state)}, indent=1, sort_keys=True) + "\n")
    os.replace(temporary, layout.state_file)


def read(layout: Layout) -> State | None:
    """The recorded state, None when there is none; an unreadable file is an error, not silently ignored."""
    try:
        data = json.loads(layout.state_file.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ClusterError(f"{layout.state_file}: unreadable state ({exc}); stop leftover etcd/kube-apiserver "
                           f"processes by hand and remove the file") from exc
    if data.pop("format", None) != FORMAT:
        raise ClusterError(f"{layout.state_file}: written by another platformctl version; remove {layout.root}")
    for key in ("etcd", "apiserver"):
        if data.get(key) is not None:
            data[key] = Proc(**data[key])
    return State(**data)


@contextmanager
def locked(layout: Layout) -> Iterator[None]:
    """Hold an exclusive lock on the state directory: two `up`s at once must not both start servers."""
    layout.root.mkdir(parents=True, exist_ok=True)
    with layout.lock_file.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
