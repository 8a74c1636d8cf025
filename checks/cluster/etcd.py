"""The etcd command line: one member, TLS with client certificates on 127.0.0.1 only."""

from __future__ import annotations

from pathlib import Path

from checks.cluster.pki import Pki
from checks.cluster.ports import HOST

MEMBER = "platformctl"


def client_url(port: int) -> str:
    return f"https://{HOST}:{port}"


def command(binary: Path, pki: Pki, data_dir: Path, client_port: int, peer_port: int) -> list[str]:
    """etcd flags; --unsafe-no-fsync because the data is throwaway and fsync dominates on CI disks."""
    peer = f"https://{HOST}:{peer_port}"
    return [
        str(binary),
        f"--name={MEMBER}",
        f"--data-dir={data_dir}",
        f"--listen-client-urls={client_url(client_port)}",
        f"--advertise-client-urls={client_url(client_port)}",
        f"--listen-peer-urls={peer}",
        f"--initial-advertise-peer-urls={peer}",
        f"--initial-cluster={MEMBER}={peer}",
        "--initial-cluster-state=new",
        f"--cert-file={pki.etcd.cert}",
        f"--key-file={pki.etcd.key}",
        f"--trusted-ca-file={pki.ca.cert}",
        "--client-cert-auth",
        f"--peer-cert-file={pki.etcd.cert}",
        f"--peer-key-file={pki.etcd.key}",
        f"--peer-trusted-ca-file={pki.ca.cert}",
        "--peer-client-cert-auth",
        "--unsafe-no-fsync",
        "--log-level=warn",
    ]
