"""A throwaway local Kubernetes control plane: etcd + kube-apiserver from tools/, with CRDs and kubeconfigs.

Tests and `platformctl cluster up/down` use it to check against a real API server (admission, CRD schemas,
RBAC) instead of mocks. One module per job:

    layout.py      file names inside the state directory      pki.py        CA, certificates, SA signing key
    ports.py       free / taken loopback ports                 process.py    detached servers: spawn, alive, stop
    etcd.py        etcd command line                           apiserver.py  kube-apiserver command line
    probe.py       wait for /health, /readyz                   kubeconfig.py kubeconfig files, API clients
    rbac.py        the read-only ClusterRole and binding       crds.py       install CRDs, wait for Established
    state.py       state file and lock                         lifecycle.py  up / down / status
    timeouts.py    how long each phase may take

The package root stays light (the CLI imports it on every run): `up`, `down` and `status` live in
checks.cluster.lifecycle, which imports the `kubernetes` client.
"""

from __future__ import annotations

from checks.cluster.errors import ClusterError
from checks.cluster.layout import DEFAULT_DIR

__all__ = ["DEFAULT_DIR", "ClusterError"]
