"""The kube-apiserver command line: RBAC, service-account tokens, TLS on 127.0.0.1 only, no controllers needed."""

from __future__ import annotations

from pathlib import Path

from checks.cluster.pki import Pki
from checks.cluster.ports import HOST

SERVICE_CIDR = "10.0.0.0/24"
ISSUER = "https://kubernetes.default.svc.cluster.local"
# Default admission plugins that wait for a controller which never runs here (no kube-controller-manager):
# ServiceAccount rejects pods until the token controller creates the "default" account; ResourceQuota rejects
# objects in a namespace with a quota until the quota controller fills in its status.
DISABLED_ADMISSION = ("ServiceAccount", "ResourceQuota")


def server_url(port: int) -> str:
    return f"https://{HOST}:{port}"


def command(binary: Path, pki: Pki, port: int, etcd_url: str) -> list[str]:
    """kube-apiserver flags for a single local control plane."""
    return [
        str(binary),
        f"--bind-address={HOST}",
        f"--advertise-address={HOST}",
        f"--secure-port={port}",
        f"--etcd-servers={etcd_url}",
        f"--etcd-cafile={pki.ca.cert}",
        f"--etcd-certfile={pki.etcd_client.cert}",
        f"--etcd-keyfile={pki.etcd_client.key}",
        f"--tls-cert-file={pki.apiserver.cert}",
        f"--tls-private-key-file={pki.apiserver.key}",
        f"--client-ca-file={pki.ca.cert}",
        "--authorization-mode=RBAC",
        "--anonymous-auth=false",
        f"--service-account-issuer={ISSUER}",
        f"--service-account-key-file={pki.service_account_pub}",
        f"--service-account-signing-key-file={pki.service_account_key}",
        f"--service-cluster-ip-range={SERVICE_CIDR}",
        f"--disable-admission-plugins={','.join(DISABLED_ADMISSION)}",
        "--allow-privileged=true",
        # the "kubernetes" Service's endpoint would be 127.0.0.1, which Endpoints reject (loopback): a retry
        # loop of errors in the log for an address no pod could use anyway
        "--endpoint-reconciler-type=none",
        "--profiling=false",
    ]
