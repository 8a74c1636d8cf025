"""Where each file of a control plane lives inside its state directory.

One place for the names, so that `down` removes exactly what `up` created and nothing else: the directory
may be one the user chose (`--dir`) and can hold unrelated files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_DIR = Path(".platformctl-cluster")  # under the current directory; ignored by git (.gitignore)


@dataclass(frozen=True)
class Layout:
    """The paths of one control plane's state directory."""

    root: Path

    @property
    def state_file(self) -> Path:
        return self.root / "state.json"

    @property
    def lock_file(self) -> Path:
        return self.root / ".lock"

    @property
    def pki(self) -> Path:
        return self.root / "pki"

    @property
    def etcd_data(self) -> Path:
        return self.root / "etcd-data"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def etcd_log(self) -> Path:
        return self.logs / "etcd.log"

    @property
    def apiserver_log(self) -> Path:
        return self.logs / "kube-apiserver.log"

    @property
    def admin_kubeconfig(self) -> Path:
        return self.root / "admin.kubeconfig"

    @property
    def readonly_kubeconfig(self) -> Path:
        return self.root / "readonly.kubeconfig"

    def owned(self) -> list[Path]:
        """Everything `up` may create except the lock file (removed last, while still held)."""
        return [self.state_file, self.admin_kubeconfig, self.readonly_kubeconfig, self.pki, self.etcd_data,
                self.logs]
