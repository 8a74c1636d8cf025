"""Self-contained kubeconfig files (certificates embedded), and API clients made from them."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import yaml
from kubernetes import client, config

from checks.cluster.pki import Pair

CLUSTER = "platformctl-local"


def _b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def write(path: Path, server: str, ca: Path, user: str, credentials: Pair) -> Path:
    """A kubeconfig for `user` (mode 0600: it holds a private key); kubectl and the Python client read it."""
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": CLUSTER, "cluster": {"server": server, "certificate-authority-data": _b64(ca)}}],
        "users": [{"name": user, "user": {"client-certificate-data": _b64(credentials.cert),
                                          "client-key-data": _b64(credentials.key)}}],
        "contexts": [{"name": f"{user}@{CLUSTER}", "context": {"cluster": CLUSTER, "user": user}}],
        "current-context": f"{user}@{CLUSTER}",
        "preferences": {},
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        yaml.safe_dump(document, out, sort_keys=False)
    return path


def api_client(path: Path) -> client.ApiClient:
    """An ApiClient of the official `kubernetes` package for the kubeconfig at `path`."""
    return config.new_client_from_config(config_file=str(path))
